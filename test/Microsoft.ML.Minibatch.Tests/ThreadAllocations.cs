namespace Microsoft.ML.Minibatch.Tests;

/// <summary>What the current thread allocates while an action runs, for the tests that hold a steady state to (nearly)
/// nothing.</summary>
internal static class ThreadAllocations
{
    /// <summary>The fewest bytes this thread allocated in five runs of <paramref name="action"/>. With the test classes
    /// running in parallel, the runtime now and then charged the thread about one allocation quantum (8 KB) in a run
    /// of code that allocates nothing, with no collection and no compilation on the thread during the run (measured in
    /// the kernel tests under CI's load: 3–8 KB in one run of five to eight). An allocation of the code under test
    /// happens in every run, so the smallest count still shows it.</summary>
    public static long During(Action action)
    {
        long fewest = long.MaxValue;
        for (int run = 0; run < 5; run++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
