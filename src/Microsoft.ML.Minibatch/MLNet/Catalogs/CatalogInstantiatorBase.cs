namespace Microsoft.ML;

/// <summary>Base of the trainer catalogs; trainers are added to them as extension methods.</summary>
public abstract class CatalogInstantiatorBase
{
    private protected CatalogInstantiatorBase(MLContext context)
    {
        Environment = context;
    }

    /// <summary>The context this catalog belongs to (trainer extensions read the seed and the log from it).</summary>
    internal MLContext Environment { get; }
}
