using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>Copies a feature vector, dense or sparse as ML.NET may hand it over, into a dense span of the
/// network's input width, refusing a vector of another length with a message naming the row.</summary>
internal static class FeatureRow
{
    /// <param name="vector">The row's feature vector.</param>
    /// <param name="destination">Receives the dense values.</param>
    /// <param name="column">The feature column's name, for the message.</param>
    /// <param name="row">The row's index, for the message.</param>
    /// <param name="rows">What the rows are ("training data"), for the message; null when the row says enough.</param>
    public static void CopyDense(in VBuffer<float> vector, Span<float> destination, string column, long row, string? rows = null)
    {
        if (vector.Length != destination.Length)
        {
            string where = rows is null ? $"Row {row}" : $"Row {row} of the {rows}";
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{where}: feature column '{column}' holds {vector.Length} values, expected {destination.Length}."), column);
        }
        vector.CopyTo(destination);
    }
}
