namespace Microsoft.ML.Data;

/// <summary>A sequence of estimators; fitting fits each on the output of the previous ones.</summary>
/// <typeparam name="TLastTransformer">The transformer type of the last estimator.</typeparam>
public sealed class EstimatorChain<TLastTransformer> : IEstimator<TransformerChain<TLastTransformer>>
    where TLastTransformer : class, ITransformer
{
    private readonly IEstimator<ITransformer>[] _estimators;
    private readonly TransformerScope[] _scopes;

    /// <summary>Creates an empty chain.</summary>
    public EstimatorChain()
    {
        _estimators = Array.Empty<IEstimator<ITransformer>>();
        _scopes = Array.Empty<TransformerScope>();
        LastEstimator = null!;
    }

    private EstimatorChain(IEstimator<ITransformer>[] estimators, TransformerScope[] scopes)
    {
        _estimators = estimators;
        _scopes = scopes;
        LastEstimator = (IEstimator<TLastTransformer>)estimators[^1];
    }

    /// <summary>The last estimator (null for an empty chain).</summary>
    public IEstimator<TLastTransformer> LastEstimator { get; }

    /// <summary>Returns a new chain with <paramref name="estimator"/> appended.</summary>
    /// <typeparam name="TNewTrans">The transformer type of the appended estimator.</typeparam>
    /// <param name="estimator">The estimator.</param>
    /// <param name="scope">When its transformer applies.</param>
    /// <returns>The longer chain.</returns>
    public EstimatorChain<TNewTrans> Append<TNewTrans>(IEstimator<TNewTrans> estimator, TransformerScope scope = TransformerScope.Everything)
        where TNewTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(estimator);
        return new EstimatorChain<TNewTrans>(_estimators.Append(estimator).ToArray(), _scopes.Append(scope).ToArray());
    }

    /// <inheritdoc/>
    public TransformerChain<TLastTransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // Propagate the schema through the whole chain first, so that a bad pipeline fails before any training.
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var data = input;
        var transformers = new ITransformer[_estimators.Length];
        for (int i = 0; i < _estimators.Length; i++)
        {
            transformers[i] = _estimators[i].Fit(data);
            if (i < _estimators.Length - 1)
                data = transformers[i].Transform(data);
        }
        return new TransformerChain<TLastTransformer>(transformers, _scopes);
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var s = inputSchema;
        foreach (var e in _estimators)
            s = e.GetOutputSchema(s);
        return s;
    }
}
