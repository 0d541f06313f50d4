namespace Microsoft.ML;

/// <summary>The data transformations; the methods are extension methods (Concatenate, NormalizeMinMax, ...).</summary>
public sealed class TransformsCatalog
{
    internal TransformsCatalog(MLContext context)
    {
        Environment = context;
        Conversion = new ConversionTransforms(this);
    }

    internal MLContext Environment { get; }

    /// <summary>Type and key conversions (MapValueToKey, MapKeyToValue).</summary>
    public ConversionTransforms Conversion { get; }

    /// <summary>The catalog of conversion transformations.</summary>
    public sealed class ConversionTransforms
    {
        internal ConversionTransforms(TransformsCatalog owner)
        {
            Environment = owner.Environment;
        }

        internal MLContext Environment { get; }
    }
}
