using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>The key conversions of <see cref="TransformsCatalog.Conversion"/>.</summary>
public static class ConversionsExtensionsCatalog
{
    /// <summary>Maps the values of a column to keys, learning the dictionary of distinct values when fitted.</summary>
    /// <param name="catalog">The conversion catalog.</param>
    /// <param name="outputColumnName">The key column to create.</param>
    /// <param name="inputColumnName">The column to map; <see langword="null"/> means <paramref name="outputColumnName"/>.</param>
    /// <param name="maximumNumberOfKeys">The maximum dictionary size; later new values map to key 0.</param>
    /// <param name="keyOrdinality">Order keys by first occurrence or by value.</param>
    /// <param name="addKeyValueAnnotationsAsText">Store the key values as text instead of the input type.</param>
    /// <param name="keyData">A one-column view giving the dictionary instead of the training data.</param>
    /// <returns>The estimator.</returns>
    public static ValueToKeyMappingEstimator MapValueToKey(this TransformsCatalog.ConversionTransforms catalog, string outputColumnName,
        string? inputColumnName = null, int maximumNumberOfKeys = ValueToKeyMappingEstimator.Defaults.MaximumNumberOfKeys,
        ValueToKeyMappingEstimator.KeyOrdinality keyOrdinality = ValueToKeyMappingEstimator.Defaults.Ordinality,
        bool addKeyValueAnnotationsAsText = ValueToKeyMappingEstimator.Defaults.AddKeyValueAnnotationsAsText, IDataView? keyData = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ValueToKeyMappingEstimator(outputColumnName, inputColumnName, maximumNumberOfKeys, keyOrdinality, addKeyValueAnnotationsAsText, keyData);
    }

    /// <summary>Maps keys back to the values of their <c>KeyValues</c> annotation.</summary>
    /// <param name="catalog">The conversion catalog.</param>
    /// <param name="outputColumnName">The value column to create.</param>
    /// <param name="inputColumnName">The key column; <see langword="null"/> means <paramref name="outputColumnName"/>.</param>
    /// <returns>The estimator.</returns>
    public static KeyToValueMappingEstimator MapKeyToValue(this TransformsCatalog.ConversionTransforms catalog, string outputColumnName, string? inputColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new KeyToValueMappingEstimator(outputColumnName, inputColumnName);
    }
}
