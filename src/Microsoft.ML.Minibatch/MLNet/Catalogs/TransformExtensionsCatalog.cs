using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>General transformations of <see cref="TransformsCatalog"/>.</summary>
public static class TransformExtensionsCatalog
{
    /// <summary>Concatenates columns of one item type into a vector column.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The vector column to create.</param>
    /// <param name="inputColumnNames">The columns to concatenate, in order.</param>
    /// <returns>The estimator.</returns>
    public static ColumnConcatenatingEstimator Concatenate(this TransformsCatalog catalog, string outputColumnName, params string[] inputColumnNames)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ColumnConcatenatingEstimator(outputColumnName, inputColumnNames);
    }
}
