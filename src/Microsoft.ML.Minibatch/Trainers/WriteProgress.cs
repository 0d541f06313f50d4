using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.Minibatch;

/// <summary>Says, every ten seconds while rows are written to a file, how many are written, so that a pass over tens of
/// gigabytes is not silent; and how long it took, when it took that long.</summary>
/// <remarks><c>every</c> is the interval, ten seconds unless a test says otherwise.</remarks>
internal sealed class WriteProgress(Action<string>? log, string what, string where, int rowBytes, TimeSpan? every = null)
{
    private readonly TimeSpan _every = every ?? TimeSpan.FromSeconds(10);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _last;

    /// <summary>Called with the count after each row; looks at the clock once in 65,536 rows.</summary>
    public void Written(long rows)
    {
        if (log == null || (rows & 0xFFFF) != 0 || _clock.Elapsed - _last < _every) return;
        _last = _clock.Elapsed;
        log(Line(rows) + ".");
    }

    /// <summary>Called once all rows are written.</summary>
    public void Done(long rows)
    {
        if (log != null && _clock.Elapsed >= _every) log(Line(rows) + string.Create(CultureInfo.InvariantCulture, $" in {_clock.Elapsed.TotalSeconds:F0} s."));
    }

    private string Line(long rows) => string.Create(CultureInfo.InvariantCulture,
        $"The {what}: {rows:N0} rows ({rows * (double)rowBytes / 1e9:F1} GB) written to {where}");
}
