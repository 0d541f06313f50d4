namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// Which of one thread's products <see cref="Gemm"/> splits over the worker threads: those of at least the path's
/// threshold of multiply-adds, except that after a split of a small product (below 4× the threshold) stalled, the next
/// <see cref="Calls"/> small products run unsplit. A stall means a worker was descheduled while it held a chunk, as
/// happens when other processes keep every core busy; splitting small products then costs more than it saves, and the
/// back-off lets the worker go to sleep. Large products always split: their chunks dwarf such delays.
/// </summary>
internal struct SplitBackOff
{
    /// <summary>How many small products run unsplit after a stall.</summary>
    internal const int Calls = 64;

    private int _unsplit;

    /// <summary>Whether a product of <paramref name="multiplyAdds"/> is split; counts down the back-off.</summary>
    public bool AllowsSplit(long multiplyAdds, long threshold)
    {
        if (multiplyAdds < threshold) return false;
        if (multiplyAdds >= 4 * threshold || _unsplit == 0) return true;
        _unsplit--;
        return false;
    }

    /// <summary>Records that the split of a product of <paramref name="multiplyAdds"/> stalled.</summary>
    public void Stalled(long multiplyAdds, long threshold)
    {
        if (multiplyAdds < 4 * threshold) _unsplit = Calls;
    }
}
