using System.Collections;
using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Data;

/// <summary>A sequence of transformers applied in order; the result of fitting an <see cref="EstimatorChain{TLastTransformer}"/>.</summary>
/// <typeparam name="TLastTransformer">The type of the last transformer.</typeparam>
public sealed class TransformerChain<TLastTransformer> : ITransformer, IEnumerable<ITransformer>
    where TLastTransformer : class, ITransformer
{
    internal const string KindName = "TransformerChain";

    private readonly ITransformer[] _transformers;
    private readonly TransformerScope[] _scopes;

    /// <summary>Creates a chain of <paramref name="transformers"/>, all with scope <see cref="TransformerScope.Everything"/>.</summary>
    /// <param name="transformers">The transformers; the last must be a <typeparamref name="TLastTransformer"/>.</param>
    public TransformerChain(params ITransformer[] transformers)
        : this(transformers ?? throw new ArgumentNullException(nameof(transformers)),
            Enumerable.Repeat(TransformerScope.Everything, transformers.Length))
    {
    }

    /// <summary>Creates a chain of <paramref name="transformers"/> with their scopes.</summary>
    /// <param name="transformers">The transformers; the last must be a <typeparamref name="TLastTransformer"/>.</param>
    /// <param name="scopes">One scope per transformer.</param>
    public TransformerChain(IEnumerable<ITransformer> transformers, IEnumerable<TransformerScope> scopes)
    {
        ArgumentNullException.ThrowIfNull(transformers);
        ArgumentNullException.ThrowIfNull(scopes);
        _transformers = transformers.ToArray();
        _scopes = scopes.ToArray();
        if (_transformers.Length != _scopes.Length)
            throw new ArgumentException($"{_transformers.Length} transformers but {_scopes.Length} scopes.", nameof(scopes));
        if (_transformers.Any(t => t == null))
            throw new ArgumentException("A transformer of the chain is null.", nameof(transformers));
        if (_transformers.Length == 0)
            LastTransformer = null!;
        else
            LastTransformer = _transformers[^1] as TLastTransformer
                ?? throw new ArgumentException($"The last transformer is a {_transformers[^1].GetType().Name}, not a {typeof(TLastTransformer).Name}.", nameof(transformers));
    }

    /// <summary>The last transformer of the chain (null for an empty chain).</summary>
    public TLastTransformer LastTransformer { get; }

    internal IReadOnlyList<TransformerScope> Scopes => _scopes;

    /// <summary>Returns a new chain with <paramref name="transformer"/> appended.</summary>
    /// <typeparam name="TNewLast">The type of the appended transformer.</typeparam>
    /// <param name="transformer">The transformer to append.</param>
    /// <param name="scope">When it applies.</param>
    /// <returns>The longer chain.</returns>
    public TransformerChain<TNewLast> Append<TNewLast>(TNewLast transformer, TransformerScope scope = TransformerScope.Everything)
        where TNewLast : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(transformer);
        return new TransformerChain<TNewLast>(_transformers.Append(transformer), _scopes.Append(scope));
    }

    /// <summary>The chain restricted to transformers whose scope includes <paramref name="scopeFilter"/>.</summary>
    /// <param name="scopeFilter">The scope to keep.</param>
    /// <returns>The filtered chain.</returns>
    public TransformerChain<ITransformer> GetModelFor(TransformerScope scopeFilter)
    {
        var keep = Enumerable.Range(0, _transformers.Length).Where(i => (_scopes[i] & scopeFilter) != 0).ToArray();
        return new TransformerChain<ITransformer>(keep.Select(i => _transformers[i]), keep.Select(i => _scopes[i]));
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var s = inputSchema;
        foreach (var t in _transformers)
            s = t.GetOutputSchema(s);
        return s;
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // Validate the whole chain up front so that a schema problem surfaces before any data is read.
        GetOutputSchema(input.Schema);
        var data = input;
        foreach (var t in _transformers)
            data = t.Transform(data);
        return data;
    }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => _transformers.All(t => t.IsRowToRowMapper);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!IsRowToRowMapper)
            throw new InvalidOperationException("Every transformer of the chain must be a row-to-row mapper.");
        var mappers = new IRowToRowMapper[_transformers.Length];
        var s = inputSchema;
        for (int i = 0; i < mappers.Length; i++)
        {
            mappers[i] = _transformers[i].GetRowToRowMapper(s);
            s = mappers[i].OutputSchema;
        }
        return new CompositeRowToRowMapper(inputSchema, mappers);
    }

    /// <inheritdoc/>
    public IEnumerator<ITransformer> GetEnumerator() => ((IEnumerable<ITransformer>)_transformers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public void Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.Kind = KindName;
        ctx.SetOptions(new ChainOptions { Scopes = _scopes.ToArray() });
        for (int i = 0; i < _transformers.Length; i++)
            ctx.SaveSubModel(i.ToString(CultureInfo.InvariantCulture), _transformers[i]);
    }

    internal static TransformerChain<ITransformer> Load(ModelLoadContext ctx)
    {
        var options = ctx.GetOptions<ChainOptions>();
        var scopes = options.Scopes ?? throw ctx.Error("scopes are missing");
        var names = ctx.SubModelNames;
        if (names.Count != scopes.Length)
            throw ctx.Error($"{names.Count} stages but {scopes.Length} scopes");
        var transformers = new ITransformer[names.Count];
        for (int i = 0; i < transformers.Length; i++)
        {
            string name = i.ToString(CultureInfo.InvariantCulture);
            if (names[i] != name) throw ctx.Error($"stage {i} is named '{names[i]}'");
            transformers[i] = ctx.LoadSubModel(name);
        }
        return new TransformerChain<ITransformer>(transformers, scopes);
    }
}
