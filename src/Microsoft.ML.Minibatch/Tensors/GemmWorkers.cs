using System.Runtime.ExceptionServices;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// A few long-lived worker threads for large <see cref="Gemm"/> calls. Unlike <c>Parallel.For</c> it allocates
/// nothing per call: the job is a struct in a static field and the workers are woken by semaphores. One call
/// runs at a time; a concurrent call simply runs single-threaded, which gives the same numbers.
/// </summary>
internal static class GemmWorkers
{
    private static readonly Lock _gate = new();
    private static SemaphoreSlim[] _starts = [];
    private static GemmJob _job;
    private static int _pending;
    private static ExceptionDispatchInfo? _failure;

    /// <summary>
    /// Runs chunks 0…job.Chunks−1 of <paramref name="job"/>, chunk 0 on the calling thread.
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
            int helpers = job.Chunks - 1;
            EnsureWorkers(helpers);
            _job = job;
            _failure = null;
            Volatile.Write(ref _pending, helpers);
            for (int t = 0; t < helpers; t++)
            {
                _starts[t].Release();
            }

            job.RunChunk(0);

            // The chunks are of equal size, so the helpers finish about when we do: spin, then yield,
            // but never sleep a whole millisecond.
            SpinWait spin = default;
            while (Volatile.Read(ref _pending) != 0)
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
            int chunk = t + 1;
            var thread = new Thread(() => Work(start, chunk))
            {
                IsBackground = true,
                Name = $"Minibatch GEMM worker {chunk}",
            };
            thread.Start();
        }

        _starts = starts;
    }

    private static void Work(SemaphoreSlim start, int chunk)
    {
        while (true)
        {
            start.Wait();
            try
            {
                _job.RunChunk(chunk);
            }
            catch (Exception ex)
            {
                _failure = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }
}
