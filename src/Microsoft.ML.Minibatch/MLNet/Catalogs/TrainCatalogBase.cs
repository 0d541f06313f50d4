namespace Microsoft.ML;

/// <summary>Base of the task catalogs (trainers and evaluation of one machine-learning task).</summary>
public abstract class TrainCatalogBase
{
    private protected TrainCatalogBase(MLContext context)
    {
        Environment = context;
    }

    /// <summary>The context this catalog belongs to.</summary>
    internal MLContext Environment { get; }
}
