using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>
/// How much of the machine a benchmark actually had: two threads spin reading the clock for one second, and every
/// gap of more than 20 µs between two readings is time their core was taken away (by another process, or on a virtual
/// machine by the host). The load average misses this: a host that deschedules the guest's cores shows no load inside.
/// Measured on the 2-core build machine on 2026-11-30: 6–7% per thread at the quietest, 30–50% at the busiest.
/// </summary>
internal static class HostCheck
{
    /// <summary>The share of one second each of two spinning threads lost, e.g. "2.1% / 0.4%".</summary>
    public static string LostTime()
    {
        var lost = new double[2];
        var threads = Enumerable.Range(0, 2).Select(i => new Thread(() => lost[i] = Spin(Stopwatch.Frequency))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return string.Create(CultureInfo.InvariantCulture, $"{lost[0]:P1} / {lost[1]:P1}");
    }

    /// <summary>The load averages over 1, 5 and 15 minutes, e.g. "1.20 1.35 1.41", or "n/a" where /proc has none.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static double Spin(long ticks)
    {
        long gapTicks = Stopwatch.Frequency / 50_000, lostTicks = 0;
        long start = Stopwatch.GetTimestamp(), last = start;
        while (last - start < ticks)
        {
            long now = Stopwatch.GetTimestamp();
            if (now - last > gapTicks) lostTicks += now - last;
            last = now;
        }
        return (double)lostTicks / (last - start);
    }
}
