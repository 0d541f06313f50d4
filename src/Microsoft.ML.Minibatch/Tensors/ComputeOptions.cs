namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// Process-wide settings of the tensor engine's compute kernels.
/// </summary>
public static class ComputeOptions
{
    private static int _maxThreads = Environment.ProcessorCount;

    /// <summary>
    /// The most threads one kernel call (such as <see cref="Gemm.Multiply"/>) may use; defaults to
    /// <see cref="Environment.ProcessorCount"/>. Results do not depend on it: work is split only over
    /// output tiles, never over a reduction, so every thread count gives bitwise the same numbers.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxThreads
    {
        get => Volatile.Read(ref _maxThreads);
        set
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"MaxThreads must be at least 1, got {value}.");
            }

            Volatile.Write(ref _maxThreads, value);
        }
    }
}
