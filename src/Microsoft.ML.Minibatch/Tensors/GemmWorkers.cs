using System.Runtime.ExceptionServices;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// A few long-lived worker threads for large <see cref="Gemm"/> calls. Unlike <c>Parallel.For</c> it allocates
/// nothing per call: the job is a struct in a static field and the workers are woken by semaphores. One call
/// runs at a time; a concurrent call simply runs single-threaded, which gives the same numbers.
/// </summary>
/// <remarks>
/// Chunks are claimed, not assigned: the calling thread and the workers take the next unclaimed chunk until none
/// is left, so when a worker is slow to wake (the other core busy) the caller does its share instead of waiting.
/// The claim counter carries the job's generation in its upper half, so a worker that wakes late can never take
/// a chunk of a job other than the one it read.
/// </remarks>
internal static class GemmWorkers
{
    private static readonly Lock _gate = new();
    private static SemaphoreSlim[] _starts = [];
    private static GemmJob _job;

    // (generation << 32) | next unclaimed chunk.
    private static long _claim;
    private static int _done;
    private static ExceptionDispatchInfo? _failure;

    /// <summary>
    /// Runs chunks 0…job.Chunks−1 of <paramref name="job"/> on the calling thread and the workers.
    /// Returns false, having done nothing, when another call holds the workers.
    /// </summary>
    internal static bool TryRun(in GemmJob job)
    {
        if (!_gate.TryEnter())
        {
            return false;
        }

        try
        {
            int chunks = job.Chunks;
            EnsureWorkers(chunks - 1);

            // Close the previous generation before touching the job, so no late reader can pair the new job
            // with a claim it could still win.
            long generation = (Volatile.Read(ref _claim) >> 32) + 1;
            Interlocked.Exchange(ref _claim, (generation << 32) | uint.MaxValue);
            _job = job;
            _failure = null;
            Volatile.Write(ref _done, 0);
            Interlocked.Exchange(ref _claim, generation << 32);
            for (int t = 0; t < chunks - 1; t++)
            {
                _starts[t].Release();
            }

            RunClaimed(in job, generation);

            // Claimed chunks are of equal size and already running: spin, then yield, never sleep a millisecond.
            SpinWait spin = default;
            while (Volatile.Read(ref _done) < chunks)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            _failure?.Throw();
            return true;
        }
        finally
        {
            _gate.Exit();
        }
    }

    private static void RunClaimed(in GemmJob job, long generation)
    {
        while (true)
        {
            long seen = Volatile.Read(ref _claim);
            long index = seen & uint.MaxValue;
            if ((seen >> 32) != generation || index >= job.Chunks)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _claim, seen + 1, seen) != seen)
            {
                continue;
            }

            try
            {
                job.RunChunk((int)index);
            }
            catch (Exception ex)
            {
                _failure = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                Interlocked.Increment(ref _done);
            }
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (_starts.Length >= count)
        {
            return;
        }

        var starts = new SemaphoreSlim[count];
        Array.Copy(_starts, starts, _starts.Length);
        for (int t = _starts.Length; t < count; t++)
        {
            var start = new SemaphoreSlim(0);
            starts[t] = start;
            var thread = new Thread(() => Work(start))
            {
                IsBackground = true,
                Name = $"Minibatch GEMM worker {t + 1}",
            };
            thread.Start();
        }

        _starts = starts;
    }

    private static void Work(SemaphoreSlim start)
    {
        while (true)
        {
            start.Wait();

            // Wait out a job being published (claim index = sentinel), copy the job, and check that no newer job
            // started overwriting it while we copied.
            long seen = Volatile.Read(ref _claim);
            SpinWait spin = default;
            while ((seen & uint.MaxValue) == uint.MaxValue)
            {
                spin.SpinOnce(sleep1Threshold: -1);
                seen = Volatile.Read(ref _claim);
            }

            long generation = seen >> 32;
            GemmJob job = _job;
            Interlocked.MemoryBarrier();
            if ((Volatile.Read(ref _claim) >> 32) == generation)
            {
                RunClaimed(in job, generation);
            }
        }
    }
}
