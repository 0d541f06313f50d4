namespace Microsoft.ML;

/// <summary>An untrained component: fitting it on data produces a <typeparamref name="TTransformer"/>.</summary>
/// <typeparam name="TTransformer">The transformer it produces.</typeparam>
public interface IEstimator<out TTransformer>
    where TTransformer : ITransformer
{
    /// <summary>Trains on <paramref name="input"/> and returns the transformer.</summary>
    /// <param name="input">The training data.</param>
    /// <returns>The fitted transformer.</returns>
    TTransformer Fit(IDataView input);

    /// <summary>
    /// The shape of the data after the fitted transformer, for input of shape <paramref name="inputSchema"/>;
    /// throws <see cref="ArgumentOutOfRangeException"/> with ML.NET's schema-mismatch message if the input is not valid.
    /// </summary>
    /// <param name="inputSchema">The input shape.</param>
    /// <returns>The output shape.</returns>
    SchemaShape GetOutputSchema(SchemaShape inputSchema);
}
