using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.Tensors;

/// <summary>
/// The compute worker threads sleep once idle and wake for the next split product, the back-off stops splitting
/// small products for a while after a split stalled, and long optimizer steps and gradient clears split over the
/// workers update every element by the rule.
/// </summary>
[TestClass]
public sealed class ComputeWorkersTests
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
            long before = ComputeWorkers.WorkerChunks;
            Gemm.Multiply(a, false, b, false, c, Size, Size, Size);
            if (ComputeWorkers.WorkerChunks > before) woken++;
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
        Assert.IsTrue(spent <= 2, $"idle compute workers used {spent} clock ticks of processor time in 500 ms");
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

    [TestMethod]
    [DoNotParallelize]
    public void ALongSgdStep_SplitOverTheWorkers_FollowsPyTorchsRuleOnEveryElement()
    {
        RequireTwoThreads();
        // Three times the split threshold and odd, so the ranges end inside vectors and inside the last cache line.
        int n = 3 * SplitRanges.MinLength + 5;
        float[] p = Random(n, 5), g = Random(n, 6), buffer = new float[n];
        float[] expectedP = (float[])p.Clone(), expectedBuffer = new float[n];
        const double Lr = 0.05, Momentum = 0.9, Dampening = 0.1, WeightDecay = 0.01;
        long before = ComputeWorkers.WorkerChunks;
        for (int step = 0; step < 3; step++)
        {
            OptimizerKernels.SgdStep(p, g, buffer, step == 0, Lr, Momentum, Dampening, WeightDecay, nesterov: true, maximize: false);
            for (int i = 0; i < n; i++)
            {
                // torch.optim.SGD, one element: d = g + wd·p; buf = d, then buf·momentum + (1 − dampening)·d;
                // d += momentum·buf (Nesterov); p −= lr·d. Each add_ with alpha is one fused multiply-add.
                float d = MathF.FusedMultiplyAdd(expectedP[i], (float)WeightDecay, g[i]);
                expectedBuffer[i] = step == 0 ? d : MathF.FusedMultiplyAdd(d, (float)(1 - Dampening), expectedBuffer[i] * (float)Momentum);
                d = MathF.FusedMultiplyAdd(expectedBuffer[i], (float)Momentum, d);
                expectedP[i] = MathF.FusedMultiplyAdd(d, (float)-Lr, expectedP[i]);
            }
            CollectionAssert.AreEqual(expectedP, p, $"parameters after step {step}");
            CollectionAssert.AreEqual(expectedBuffer, buffer, $"momentum buffer after step {step}");
        }

        Assert.IsGreaterThan(before, ComputeWorkers.WorkerChunks, "a worker ran part of the steps");
    }

    [TestMethod]
    [DoNotParallelize]
    public void ALongAdamStep_GivesTheSameBits_OnOneThreadAndOnTwo()
    {
        RequireTwoThreads();
        int n = 2 * SplitRanges.MinLength + 3;
        float[] g = Random(n, 8);
        float[] Run(int threads)
        {
            ComputeOptions.MaxThreads = threads;
            float[] p = Random(n, 7), m = new float[n], v = new float[n], vMax = new float[n];
            for (long step = 1; step <= 3; step++)
                OptimizerKernels.AdamStep(p, g, m, v, vMax, step, 1e-3, 0.9, 0.999, 1e-8, 0.01, amsgrad: true, maximize: false, decoupledWeightDecay: true);
            return [.. p, .. m, .. v, .. vMax];
        }

        float[] one = Run(1);
        long before = ComputeWorkers.WorkerChunks;
        float[] two = Run(2);
        Assert.IsGreaterThan(before, ComputeWorkers.WorkerChunks, "a worker ran part of the steps");
        CollectionAssert.AreEqual(one, two);
    }

    [TestMethod]
    [DoNotParallelize]
    public void ZeroGrad_ClearsEveryElementOfALongGradient()
    {
        RequireTwoThreads();
        int n = 2 * SplitRanges.MinLength + 7;
        var parameter = new Parameter(Tensor.FromArray(new float[n], [n]));
        parameter.Grad = Tensor.FromArray(Enumerable.Repeat(float.NaN, n).ToArray(), [n]);
        new Sgd([parameter], 0.1).ZeroGrad();
        CollectionAssert.AreEqual(new float[n], parameter.Grad!.ToArray());
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

    /// <summary>User and system clock ticks of the process's compute worker threads, from /proc/self/task/*/stat.</summary>
    private static long WorkerClockTicks()
    {
        long ticks = 0;
        int workers = 0;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            string stat;
            try
            {
                // comm keeps the first 15 bytes of "Minibatch compute worker N".
                if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith("Minibatch compu", StringComparison.Ordinal)) continue;
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

        Assert.IsTrue(workers > 0, "no compute worker thread found");
        return ticks;
    }

    private static float[] Random(int length, int seed) => GemmTests.RandomMatrix(new Random(seed), length);
}
