namespace Microsoft.ML;

/// <summary>A fitted component that transforms data lazily and can save itself.</summary>
public interface ITransformer : ICanSaveModel
{
    /// <summary>
    /// The schema of the data after <see cref="Transform"/> for input of schema <paramref name="inputSchema"/>;
    /// throws <see cref="ArgumentOutOfRangeException"/> with ML.NET's schema-mismatch message if the input is not valid.
    /// </summary>
    /// <param name="inputSchema">The input schema.</param>
    /// <returns>The output schema.</returns>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>Returns a lazy view of <paramref name="input"/> transformed; nothing is computed until it is read.</summary>
    /// <param name="input">The input data.</param>
    /// <returns>The transformed view.</returns>
    IDataView Transform(IDataView input);

    /// <summary>Whether <see cref="GetRowToRowMapper"/> is supported (each output row depends only on its input row).</summary>
    bool IsRowToRowMapper { get; }

    /// <summary>A mapper computing one output row from one input row, used for single predictions.</summary>
    /// <param name="inputSchema">The schema of the input rows.</param>
    /// <returns>The mapper.</returns>
    IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema);
}
