namespace Microsoft.ML;

/// <summary>Maps one input row to one output row without a cursor; used by <see cref="PredictionEngine{TSrc, TDst}"/>.</summary>
public interface IRowToRowMapper
{
    /// <summary>The schema of the rows this mapper accepts.</summary>
    DataViewSchema InputSchema { get; }

    /// <summary>The schema of the rows this mapper produces.</summary>
    DataViewSchema OutputSchema { get; }

    /// <summary>The input columns needed to compute <paramref name="dependingColumns"/> of the output.</summary>
    /// <param name="dependingColumns">Output columns the caller will read.</param>
    /// <returns>Input columns to activate.</returns>
    IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns);

    /// <summary>
    /// An output row whose getters compute from the current values of <paramref name="input"/>.
    /// </summary>
    /// <param name="input">The input row (its schema must match <see cref="InputSchema"/>).</param>
    /// <param name="activeColumns">Output columns the caller will read.</param>
    /// <returns>The output row.</returns>
    DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns);
}
