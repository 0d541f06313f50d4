using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.Tensors;

/// <summary>
/// The GEMM worker threads sleep once idle and wake for the next split product, and the back-off stops splitting
/// small products for a while after a split stalled.
/// </summary>
[TestClass]
public sealed class GemmWorkersTests
{
    // 160 M multiply-adds: split on every path (the highest threshold is 2²³), milliseconds a chunk.
    private const int Size = 544;

    [TestMethod]
    [DoNotParallelize]
    public void AProductAfterTheWorkersSlept_RunsOnThemAgain_WithTheSameBits()
    {
        RequireTwoThreads();
        var (a, b) = (Random(Size * Size, 1), Random(Size * Size, 2));
        var expected = new float[Size * Size];
        Gemm.ForcedChunks = 1;
        try
        {
            Gemm.Multiply(a, false, b, false, expected, Size, Size, Size);
        }
        finally
        {
            Gemm.ForcedChunks = 0;
        }

        int woken = 0;
        var c = new float[Size * Size];
        for (int attempt = 0; attempt < 10; attempt++)
        {
            // Far longer than the workers watch for a job: they are asleep when the product starts.
            Thread.Sleep(20);
            long before = GemmWorkers.WorkerChunks;
            Gemm.Multiply(a, false, b, false, c, Size, Size, Size);
            if (GemmWorkers.WorkerChunks > before) woken++;
            CollectionAssert.AreEqual(expected, c, $"attempt {attempt}");
        }

        // A sleeping worker woken late leaves its chunk to the caller now and then; one that is never woken, always.
        Assert.IsTrue(woken >= 5, $"the workers ran a chunk in {woken} of 10 products started while they slept");
    }

    [TestMethod]
    [DoNotParallelize]
    public void IdleWorkers_Sleep_InsteadOfSpinning()
    {
        RequireTwoThreads();
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("Reads the workers' processor time from /proc (Linux).");
        var (a, b) = (Random(Size * Size, 3), Random(Size * Size, 4));
        Gemm.Multiply(a, false, b, false, new float[Size * Size], Size, Size, Size);
        Thread.Sleep(50);
        long before = WorkerClockTicks();
        Thread.Sleep(500);
        long spent = WorkerClockTicks() - before;

        // Clock ticks are 10 ms: a worker still spinning or yielding would show about 50 of them.
        Assert.IsTrue(spent <= 2, $"idle GEMM workers used {spent} clock ticks of processor time in 500 ms");
    }

    [TestMethod]
    public void BackOff_KeepsSmallProductsUnsplit_ForItsCalls_AfterAStall()
    {
        const long threshold = 1 << 21;
        var backOff = new SplitBackOff();
        Assert.IsFalse(backOff.AllowsSplit(threshold - 1, threshold), "below the threshold");
        Assert.IsTrue(backOff.AllowsSplit(threshold, threshold), "at the threshold");

        backOff.Stalled(2 * threshold, threshold);
        for (int call = 0; call < SplitBackOff.Calls; call++)
        {
            Assert.IsFalse(backOff.AllowsSplit(threshold, threshold), $"small product {call} after the stall");
            Assert.IsTrue(backOff.AllowsSplit(4 * threshold, threshold), $"large product during the back-off ({call})");
        }

        Assert.IsTrue(backOff.AllowsSplit(threshold, threshold), "after the back-off");
    }

    [TestMethod]
    public void BackOff_IgnoresStallsOfLargeProducts()
    {
        const long threshold = 1 << 21;
        var backOff = new SplitBackOff();
        backOff.Stalled(4 * threshold, threshold);
        Assert.IsTrue(backOff.AllowsSplit(threshold, threshold));
    }

    private int _savedMaxThreads;

    [TestInitialize]
    public void UseTwoThreads()
    {
        // Other tests (the command line's --threads) change the process-wide setting.
        _savedMaxThreads = ComputeOptions.MaxThreads;
        ComputeOptions.MaxThreads = 2;
    }

    [TestCleanup]
    public void RestoreThreads() => ComputeOptions.MaxThreads = _savedMaxThreads;

    private static void RequireTwoThreads()
    {
        if (Environment.ProcessorCount < 2) Assert.Inconclusive("Needs two cores.");
    }

    /// <summary>User and system clock ticks of the process's GEMM worker threads, from /proc/self/task/*/stat.</summary>
    private static long WorkerClockTicks()
    {
        long ticks = 0;
        int workers = 0;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            string stat;
            try
            {
                if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith("Minibatch GEMM", StringComparison.Ordinal)) continue;
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended
            }

            // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
            workers++;
        }

        Assert.IsTrue(workers > 0, "no GEMM worker thread found");
        return ticks;
    }

    private static float[] Random(int length, int seed) => GemmTests.RandomMatrix(new Random(seed), length);
}
