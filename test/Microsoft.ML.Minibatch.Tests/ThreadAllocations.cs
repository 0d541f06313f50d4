namespace Microsoft.ML.Minibatch.Tests;

/// <summary>What the current thread allocates while an action runs, for the tests that hold a steady state to (nearly)
/// nothing.</summary>
internal static class ThreadAllocations
{
    /// <summary>The bytes this thread allocated in <paramref name="action"/>, from a run during which no garbage
    /// collection happened. Test classes run in parallel, and the steady-state tests failed now and then by about 8 KB
    /// (one allocation quantum) at the busiest moments of CI runs, never when run alone: a collection started by another
    /// test's allocations is the likely cause. A real allocation happens in every run, so repeating a run that a
    /// collection crossed hides nothing; after ten such runs the last count is returned as it is.</summary>
    public static long During(Action action)
    {
        for (int attempt = 1; ; attempt++)
        {
            int collections = GC.CollectionCount(0);
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (GC.CollectionCount(0) == collections || attempt == 10) return allocated;
        }
    }
}
