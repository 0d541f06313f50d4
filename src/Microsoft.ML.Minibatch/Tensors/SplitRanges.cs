namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>An element-wise pass over the elements [from, to) of some arrays, run by <see cref="SplitRanges"/>.</summary>
internal interface IRangePass
{
    /// <summary>Runs the pass over elements [<paramref name="from"/>, <paramref name="to"/>).</summary>
    void Run(int from, int to);
}

/// <summary>
/// Runs an element-wise pass over long arrays on the calling thread and the <see cref="ComputeWorkers"/>, in
/// contiguous ranges that start on 64-byte cache lines (so no two threads write one line). Every element is computed
/// as a single thread computes it, so the bits never depend on the split.
/// </summary>
internal static unsafe class SplitRanges
{
    /// <summary>
    /// The fewest elements a pass needs to be split: 2¹⁷ floats, 512 KB an array, a Zen 3 core's L2. Arrays that large
    /// stream from L3 or memory whichever core reads them, so a second core adds bandwidth without pulling anything
    /// out of the first one's cache. Smaller ones (the lesson's weights) stay on the core that uses them next.
    /// </summary>
    internal const int MinLength = 1 << 17;

    /// <summary>
    /// The fewest elements a pass needs to be split when arithmetic, not memory, sets its pace (Adam's square roots and
    /// divisions; fused multiply-adds computed from doubles on x64 without FMA): 2¹⁴, 15–20 µs of one core's work,
    /// several times what handing half to the other core costs.
    /// </summary>
    internal const int MinComputeBoundLength = 1 << 14;

    /// <summary>Runs <paramref name="pass"/> over elements [0, <paramref name="length"/>), split from <paramref name="minLength"/> elements.</summary>
    public static void Run<TPass>(ref TPass pass, int length, int minLength = MinLength) where TPass : unmanaged, IRangePass
    {
        int chunks = Math.Min(ComputeOptions.MaxThreads, length / (minLength / 2));
        if (length < minLength || chunks < 2)
        {
            pass.Run(0, length);
            return;
        }

        var job = new Job<TPass> { Pass = pass, Length = length, Chunks = chunks };
        if (!ComputeWorkers.TryRun(&RunChunk<TPass>, &job, chunks, out _))
        {
            pass.Run(0, length);
        }
    }

    /// <summary>Sets every element of <paramref name="values"/> to zero.</summary>
    public static void Clear(Span<float> values)
    {
        fixed (float* p = values)
        {
            var pass = new ClearPass { Values = p };
            Run(ref pass, values.Length);
        }
    }

    private struct ClearPass : IRangePass
    {
        public float* Values;

        public readonly void Run(int from, int to) => new Span<float>(Values + from, to - from).Clear();
    }

    private struct Job<TPass> where TPass : unmanaged, IRangePass
    {
        public TPass Pass;
        public int Length;
        public int Chunks;
    }

    private static void RunChunk<TPass>(void* data, int index) where TPass : unmanaged, IRangePass
    {
        var job = (Job<TPass>*)data;
        const int LineFloats = 16;
        long lines = (job->Length + LineFloats - 1L) / LineFloats;
        int from = (int)Math.Min(job->Length, lines * index / job->Chunks * LineFloats);
        int to = (int)Math.Min(job->Length, lines * (index + 1) / job->Chunks * LineFloats);
        if (from < to)
        {
            job->Pass.Run(from, to);
        }
    }
}
