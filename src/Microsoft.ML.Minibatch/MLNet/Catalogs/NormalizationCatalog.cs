using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>Normalizations of <see cref="TransformsCatalog"/>.</summary>
public static class NormalizationCatalog
{
    /// <summary>
    /// Min-max normalization learned from at most <paramref name="maximumExampleCount"/> rows: with
    /// <paramref name="fixZero"/>, x / max(|min|, |max|) (into [-1, 1], zero kept); else (x − min) / (max − min) (into [0, 1]).
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The normalized column to create.</param>
    /// <param name="inputColumnName">The column to normalize; <see langword="null"/> means <paramref name="outputColumnName"/>.</param>
    /// <param name="maximumExampleCount">The maximum number of rows used to learn the ranges.</param>
    /// <param name="fixZero">Keep zero at zero.</param>
    /// <returns>The estimator.</returns>
    public static NormalizingEstimator NormalizeMinMax(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        long maximumExampleCount = NormalizingEstimator.Defaults.MaximumExampleCount, bool fixZero = NormalizingEstimator.Defaults.EnsureZeroUntouched)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new NormalizingEstimator(outputColumnName, inputColumnName, maximumExampleCount, fixZero);
    }
}
