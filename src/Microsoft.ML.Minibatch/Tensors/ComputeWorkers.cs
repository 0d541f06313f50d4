using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// A few long-lived worker threads for large <see cref="Gemm"/> calls and the element-wise passes of
/// <see cref="SplitRanges"/>. Unlike <c>Parallel.For</c> it allocates nothing per call: a job is a function pointer and
/// a pointer to the caller's job struct, which stays alive because the caller waits for every chunk. One call runs at
/// a time; a concurrent call simply runs single-threaded, which gives the same numbers.
/// </summary>
/// <remarks>
/// Chunks are claimed, not assigned: the calling thread and the workers take the next unclaimed chunk until none
/// is left, so when a worker is slow to start (the other core busy) the caller does its share instead of waiting.
/// The claim counter carries the job's generation in its upper half, so a worker that starts late can never take
/// a chunk of a job other than the one it read.
/// <para>
/// A worker that has finished a job watches for the next one for <see cref="WatchTime"/> before it sleeps on its
/// semaphore. A training step's products come tens to hundreds of microseconds apart, and waking a sleeping thread
/// took about as long as the lesson's products take (on the virtual machines we measured), so sleeping between them
/// would forfeit the split; a worker idle for longer than that sleeps and costs nothing. For the first
/// <see cref="SpinTime"/> of the watch it spins; for the rest it yields the core between looks, so that when every
/// core has work (other processes) the watch takes little from them: the lesson on 128-bit vectors with the other
/// core busy ran 40 % slower than unsplit with a spinning watch, 12 % faster with this one. The caller releases the
/// semaphore only of a worker that said it sleeps.
/// </para>
/// </remarks>
internal static unsafe class ComputeWorkers
{
    /// <summary>How long an idle worker watches for the next job before it sleeps.</summary>
    internal static readonly TimeSpan WatchTime = TimeSpan.FromMicroseconds(200);

    /// <summary>How much of the watch the worker spins on the core before it starts yielding it between looks.</summary>
    internal static readonly TimeSpan SpinTime = TimeSpan.FromMicroseconds(20);

    private static readonly long s_watchTicks = (long)(WatchTime.TotalSeconds * Stopwatch.Frequency);
    private static readonly long s_spinTicks = (long)(SpinTime.TotalSeconds * Stopwatch.Frequency);
    private static long _workerChunks;
    private static readonly Lock _gate = new();
    private static Worker[] _workers = [];
    private static Job _job;

    // (generation << 32) | next unclaimed chunk.
    private static long _claim;
    private static int _done;
    private static ExceptionDispatchInfo? _failure;

    /// <summary>How many chunks the worker threads have run, all jobs together (tests).</summary>
    internal static long WorkerChunks => Volatile.Read(ref _workerChunks);

    /// <summary>
    /// Runs <paramref name="runChunk"/>(<paramref name="job"/>, c) for c = 0…<paramref name="chunks"/>−1 on the calling
    /// thread and the workers. Returns false, having done nothing, when another call holds the workers.
    /// </summary>
    /// <param name="runChunk">Runs one chunk of the job.</param>
    /// <param name="job">The job's data, on the caller's stack; read only while a chunk of it runs.</param>
    /// <param name="chunks">How many chunks the job has.</param>
    /// <param name="stalled">
    /// Whether a worker's chunk kept the caller waiting more than twice as long as the caller's own chunks took: the
    /// worker was descheduled while it held the chunk, as happens when the other cores are busy.
    /// </param>
    internal static bool TryRun(delegate*<void*, int, void> runChunk, void* job, int chunks, out bool stalled)
    {
        stalled = false;
        if (!_gate.TryEnter())
        {
            return false;
        }

        try
        {
            EnsureWorkers(chunks - 1);

            // Close the previous generation before touching the job, so no late reader can pair the new job
            // with a claim it could still win.
            long generation = (Volatile.Read(ref _claim) >> 32) + 1;
            Interlocked.Exchange(ref _claim, (generation << 32) | uint.MaxValue);
            var published = new Job(runChunk, job, chunks);
            _job = published;
            _failure = null;
            Volatile.Write(ref _done, 0);
            Interlocked.Exchange(ref _claim, generation << 32);

            // The exchange above is a full fence: a worker that said it sleeps after it was made either sees the new
            // generation or is seen here.
            for (int t = 0; t < chunks - 1; t++)
            {
                _workers[t].WakeIfSleeping();
            }

            long started = Stopwatch.GetTimestamp();
            RunClaimed(published, generation);
            long ownDone = Stopwatch.GetTimestamp();

            // Claimed chunks are of equal size and already running: spin, then yield, never sleep a millisecond.
            SpinWait spin = default;
            while (Volatile.Read(ref _done) < chunks)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            stalled = Stopwatch.GetTimestamp() - ownDone > 2 * (ownDone - started);
            _failure?.Throw();
            return true;
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>Runs unclaimed chunks of the job of <paramref name="generation"/> until none is left; returns how many.</summary>
    private static int RunClaimed(Job job, long generation)
    {
        int run = 0;
        while (true)
        {
            long seen = Volatile.Read(ref _claim);
            long index = seen & uint.MaxValue;
            if ((seen >> 32) != generation || index >= job.Chunks)
            {
                return run;
            }

            if (Interlocked.CompareExchange(ref _claim, seen + 1, seen) != seen)
            {
                continue;
            }

            run++;
            try
            {
                job.RunChunk(job.Data, (int)index);
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
        if (_workers.Length >= count)
        {
            return;
        }

        var workers = new Worker[count];
        Array.Copy(_workers, workers, _workers.Length);
        for (int t = _workers.Length; t < count; t++)
        {
            workers[t] = new Worker(t + 1, Volatile.Read(ref _claim) >> 32);
        }

        _workers = workers;
    }

    /// <summary>
    /// A published job. A worker dereferences <see cref="Data"/> only inside a chunk it claimed, and a claim succeeds
    /// only while the job is unfinished, that is while its caller still waits with the data on its stack.
    /// </summary>
    private readonly struct Job(delegate*<void*, int, void> runChunk, void* data, int chunks)
    {
        public readonly delegate*<void*, int, void> RunChunk = runChunk;
        public readonly void* Data = data;
        public readonly int Chunks = chunks;
    }

    /// <summary>One worker thread and the semaphore it sleeps on.</summary>
    private sealed class Worker
    {
        private readonly SemaphoreSlim _wake = new(0);
        private long _lastGeneration;

        // 1 while the thread sleeps or is about to; the caller then releases the semaphore.
        private int _sleeping = 1;

        public Worker(int number, long generation)
        {
            _lastGeneration = generation;
            new Thread(Run) { IsBackground = true, Name = $"Minibatch compute worker {number}" }.Start();
        }

        public void WakeIfSleeping()
        {
            if (Volatile.Read(ref _sleeping) == 1)
            {
                // A release the worker does not need (it saw the job before sleeping) only makes one later wait
                // return at once; it then finds no new job and waits again.
                _wake.Release();
            }
        }

        private void Run()
        {
            while (true)
            {
                long generation = NextGeneration();

                // Copy the job, and check that no newer job started overwriting it while we copied.
                Job job = _job;
                Interlocked.MemoryBarrier();
                if ((Volatile.Read(ref _claim) >> 32) == generation)
                {
                    Interlocked.Add(ref _workerChunks, RunClaimed(job, generation));
                }
            }
        }

        /// <summary>Waits for a published job newer than the last one seen: watching first, then asleep.</summary>
        private long NextGeneration()
        {
            long watchStarted = Stopwatch.GetTimestamp();
            while (true)
            {
                long seen = Volatile.Read(ref _claim);
                if ((seen >> 32) != _lastGeneration && (seen & uint.MaxValue) != uint.MaxValue)
                {
                    // Awake: a caller that has not yet looked need not release the semaphore.
                    Volatile.Write(ref _sleeping, 0);
                    _lastGeneration = seen >> 32;
                    return _lastGeneration;
                }

                long watched = Stopwatch.GetTimestamp() - watchStarted;
                if (Volatile.Read(ref _sleeping) == 1)
                {
                    _wake.Wait();
                    Volatile.Write(ref _sleeping, 0);
                    watchStarted = Stopwatch.GetTimestamp();
                }
                else if (watched > s_watchTicks)
                {
                    // Say so before the last look, so that a job published from now on releases the semaphore.
                    Interlocked.Exchange(ref _sleeping, 1);
                }
                else if (watched < s_spinTicks)
                {
                    Thread.SpinWait(8);
                }
                else
                {
                    Thread.Yield();
                }
            }
        }
    }
}
