namespace Microsoft.ML.Data;

/// <summary>A sequence of estimators; fitting fits each on the output of the previous ones.</summary>
/// <typeparam name="TLastTransformer">The transformer type of the last estimator.</typeparam>
public sealed class EstimatorChain<TLastTransformer> : IEstimator<TransformerChain<TLastTransformer>>
    where TLastTransformer : class, ITransformer
{
    private readonly IEstimator<ITransformer>[] _estimators;
    private readonly TransformerScope[] _scopes;
    private readonly bool[] _cacheAfter;

    /// <summary>Creates an empty chain.</summary>
    public EstimatorChain()
    {
        _estimators = Array.Empty<IEstimator<ITransformer>>();
        _scopes = Array.Empty<TransformerScope>();
        _cacheAfter = Array.Empty<bool>();
        LastEstimator = null!;
    }

    private EstimatorChain(IEstimator<ITransformer>[] estimators, TransformerScope[] scopes, bool[] cacheAfter)
    {
        _estimators = estimators;
        _scopes = scopes;
        _cacheAfter = cacheAfter;
        LastEstimator = estimators.Length == 0 ? null! : (IEstimator<TLastTransformer>)estimators[^1];
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
        return new EstimatorChain<TNewTrans>(_estimators.Append(estimator).ToArray(), _scopes.Append(scope).ToArray(), _cacheAfter.Append(false).ToArray());
    }

    /// <summary>
    /// Returns a new chain whose training data, from this point on, is cached in memory: while fitting, the output of
    /// the estimators so far is read once and the following estimators read it from memory.
    /// </summary>
    /// <param name="env">The context (kept for ML.NET's signature).</param>
    /// <returns>The chain with a cache checkpoint.</returns>
    public EstimatorChain<TLastTransformer> AppendCacheCheckpoint(MLContext env)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (_estimators.Length == 0) return this;
        var cache = _cacheAfter.ToArray();
        cache[^1] = true;
        return new EstimatorChain<TLastTransformer>(_estimators, _scopes, cache);
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
            {
                data = transformers[i].Transform(data);
                if (_cacheAfter[i]) data = new CacheDataView(data, Array.Empty<int>());
            }
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
