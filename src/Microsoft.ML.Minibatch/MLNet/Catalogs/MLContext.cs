using Microsoft.ML.Runtime;

namespace Microsoft.ML;

/// <summary>
/// The entry point of a pipeline: the catalogs of operations, the log, and the random seed from which components
/// derive theirs.
/// </summary>
public sealed class MLContext
{
    private readonly Random _random;
    private readonly object _randomLock = new();

    /// <summary>Creates a context.</summary>
    /// <param name="seed">
    /// Makes every random choice of the pipeline reproducible (component seeds, splits, shuffles); <see langword="null"/>
    /// draws a seed from the environment.
    /// </param>
    public MLContext(int? seed = null)
    {
        Seed = seed;
        _random = seed.HasValue ? new Random(seed.Value) : new Random();
        Data = new DataOperationsCatalog(this);
        Transforms = new TransformsCatalog(this);
        MulticlassClassification = new MulticlassClassificationCatalog(this);
        Model = new ModelOperationsCatalog(this);
    }

    /// <summary>Loading, splitting, shuffling and caching data.</summary>
    public DataOperationsCatalog Data { get; }

    /// <summary>Data transformations.</summary>
    public TransformsCatalog Transforms { get; }

    /// <summary>Multiclass classification trainers and evaluation.</summary>
    public MulticlassClassificationCatalog MulticlassClassification { get; }

    /// <summary>Saving, loading and using models.</summary>
    public ModelOperationsCatalog Model { get; }

    /// <summary>Raised for every message written by a component of this context.</summary>
    public event EventHandler<LoggingEventArgs>? Log;

    /// <summary>The seed given to the constructor, if any.</summary>
    internal int? Seed { get; }

    /// <summary>
    /// The next component seed: successive draws from a generator seeded by the context seed, so a pipeline built
    /// in the same order from a context with the same seed gets the same component seeds (as ML.NET's host
    /// environment does).
    /// </summary>
    internal int NextSeed()
    {
        lock (_randomLock)
            return _random.Next();
    }

    /// <summary>Writes a message to <see cref="Log"/>.</summary>
    /// <param name="source">The component writing it.</param>
    /// <param name="kind">The severity.</param>
    /// <param name="message">The text.</param>
    internal void WriteLog(string source, ChannelMessageKind kind, string message)
        => Log?.Invoke(this, new LoggingEventArgs(message, kind, source));
}
