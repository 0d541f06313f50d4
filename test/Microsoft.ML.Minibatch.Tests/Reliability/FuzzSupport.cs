using FsCheck;
using FsCheck.Fluent;

namespace Microsoft.ML.Minibatch.Tests.Reliability;

/// <summary>What the fuzz properties share: the FsCheck run settings and a guard that bounds each case.</summary>
internal static class FuzzSupport
{
    /// <summary>Cases per property; the issue asks for at least 1,000 in CI.</summary>
    public const int Cases = 1000;

    /// <summary>FsCheck's quick run with <see cref="Cases"/> tests, throwing (with the seed to replay) on failure.</summary>
    public static Config Config => Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true);

    /// <summary>Interesting 32-bit values for header rewrites: edges, powers of two and lies about size.</summary>
    public static readonly uint[] InterestingUInt32 =
    [
        0, 1, 2, 3, 7, 8, 9, 10, 255, 256, 0x801, 0x803, 0x0803_0000, 1 << 16, 1 << 20, 1 << 24, 0x7FFF_FFFF, 0x8000_0000,
        0xFFFF_FFFE, 0xFFFF_FFFF,
    ];

    /// <summary>Picks an interesting value or an arbitrary one.</summary>
    public static Gen<uint> UInt32 =>
        Gen.OneOf(Gen.Elements(InterestingUInt32), Gen.Choose(int.MinValue, int.MaxValue).Select(v => unchecked((uint)v)));

    /// <summary>
    /// Runs one case on a worker thread and fails it if it takes longer than <paramref name="limit"/> (a hang) or
    /// allocates more than <paramref name="maxBytes"/> on that thread (a size claim believed without evidence).
    /// Returns whatever the case threw, or null.
    /// </summary>
    public static Exception? Bounded(Action body, long maxBytes, TimeSpan limit, string what)
    {
        long allocated = 0;
        Exception? thrown = null;
        var task = Task.Factory.StartNew(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                body();
            }
            catch (Exception e)
            {
                thrown = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!task.Wait(limit)) throw new AssertFailedException($"{what}: no answer within {limit.TotalSeconds} s (a hang).");
        if (allocated > maxBytes)
            throw new AssertFailedException($"{what}: allocated {allocated} bytes, more than the bound of {maxBytes} ({thrown?.GetType().Name ?? "loaded"}).");
        return thrown;
    }
}
