using System.Globalization;
using Microsoft.ML.Minibatch.Training;

namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>
/// The largest anonymous resident memory (Linux's <c>RssAnon</c>: the heap, stacks and other private pages; the pages of
/// a mapped file do not count) seen while a command runs. The kernel keeps a peak only of the whole resident set
/// (<c>VmHWM</c>), which counts a mapped training file's pages, so this samples <c>/proc/self/status</c>: every
/// 100 ms, after each epoch, and whenever <see cref="Sample"/> is called. A peak shorter than the sampling interval can be
/// missed; the epoch ends and the explicit samples catch the states that stay.
/// </summary>
internal sealed class AnonymousMemoryPeak : FitCallback, IDisposable
{
    private readonly Timer? _timer;
    private long _peakKilobytes = -1;

    public AnonymousMemoryPeak()
    {
        if (!OperatingSystem.IsLinux()) return;
        Sample();
        _timer = new Timer(_ => Sample(), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    /// <summary>The peak in MB (2^20 bytes), or null where <c>RssAnon</c> does not exist (not Linux).</summary>
    public double? PeakMegabytes => Interlocked.Read(ref _peakKilobytes) is >= 0 and var kb ? kb / 1024.0 : null;

    /// <summary>Reads the current anonymous resident memory and keeps it if it is the largest so far.</summary>
    public void Sample()
    {
        if (ReadKilobytes() is not long now) return;
        long seen = Interlocked.Read(ref _peakKilobytes);
        while (now > seen)
        {
            long previous = Interlocked.CompareExchange(ref _peakKilobytes, now, seen);
            if (previous == seen) break;
            seen = previous;
        }
    }

    public override void OnEpochEnd(FitLoop loop, EpochMetrics metrics) => Sample();

    public override void OnFitEnd(FitLoop loop, IReadOnlyList<EpochMetrics> history) => Sample();

    public void Dispose() => _timer?.Dispose();

    /// <summary>RssAnon in kB, or null when /proc/self/status has no such line.</summary>
    internal static long? ReadKilobytes()
    {
        if (!OperatingSystem.IsLinux()) return null;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                return long.Parse(line["RssAnon:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return null;
    }
}
