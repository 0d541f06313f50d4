using System.Diagnostics;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>
/// Wraps a trainer so that each <see cref="Fit"/> is timed: <c>CrossValidate</c> fits the pipeline once per fold, and
/// this records how long the trainer's own fit took (the transforms before it are fitted outside it).
/// </summary>
internal sealed class TimedEstimator(IEstimator<ITransformer> inner) : IEstimator<ITransformer>
{
    /// <summary>The wall-clock seconds of each fit so far, in order.</summary>
    public List<double> Seconds { get; } = [];

    /// <inheritdoc/>
    public ITransformer Fit(IDataView input)
    {
        long start = Stopwatch.GetTimestamp();
        ITransformer model = inner.Fit(input);
        Seconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        return model;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => inner.GetOutputSchema(inputSchema);
}
