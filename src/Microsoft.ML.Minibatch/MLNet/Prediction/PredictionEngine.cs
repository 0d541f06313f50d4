using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// Predicts one object at a time through a model. Set up once (schema binding, getters), then each call only copies
/// values. Not thread-safe: use one engine per thread, as with ML.NET.
/// </summary>
/// <typeparam name="TSrc">The input class.</typeparam>
/// <typeparam name="TDst">The output class.</typeparam>
public sealed class PredictionEngine<TSrc, TDst> : IDisposable
    where TSrc : class
    where TDst : class, new()
{
    private readonly ObjectRow<TSrc>? _inputRow;
    private readonly Action<TDst>? _fill;
    private readonly TSrc?[] _single = new TSrc?[1];
    private readonly IDataView? _scored;
    private readonly ObjectFiller<TDst>? _filler;
    private bool _disposed;

    internal PredictionEngine(ITransformer transformer, bool ignoreMissingColumns, SchemaDefinition? inputDefinition, SchemaDefinition? outputDefinition)
    {
        if (transformer.IsRowToRowMapper)
        {
            _inputRow = new ObjectRow<TSrc>(inputDefinition);
            var mapper = transformer.GetRowToRowMapper(_inputRow.Schema);
            OutputSchema = mapper.OutputSchema;
            var filler = new ObjectFiller<TDst>(OutputSchema, ignoreMissingColumns, outputDefinition);
            var row = mapper.GetRow(_inputRow, filler.ColumnsNeeded);
            _fill = filler.CreateFiller(row);
        }
        else
        {
            // Without a row mapper, run a one-row view through the model for each prediction.
            var source = new EnumerableDataView<TSrc>(SingleRow(), inputDefinition);
            _scored = transformer.Transform(source);
            OutputSchema = _scored.Schema;
            _filler = new ObjectFiller<TDst>(OutputSchema, ignoreMissingColumns, outputDefinition);
        }
    }

    private IEnumerable<TSrc> SingleRow()
    {
        yield return _single[0] ?? throw new InvalidOperationException("No example is being predicted.");
    }

    /// <summary>The schema of the model's output rows.</summary>
    public DataViewSchema OutputSchema { get; }

    /// <summary>Predicts for <paramref name="example"/> into a new <typeparamref name="TDst"/>.</summary>
    /// <param name="example">The input.</param>
    /// <returns>The prediction.</returns>
    public TDst Predict(TSrc example)
    {
        var result = new TDst();
        Predict(example, ref result);
        return result;
    }

    /// <summary>Predicts for <paramref name="example"/> into <paramref name="prediction"/>, reusing it (and its arrays).</summary>
    /// <param name="example">The input.</param>
    /// <param name="prediction">The object to fill; created when null.</param>
    public void Predict(TSrc example, ref TDst prediction)
    {
        ArgumentNullException.ThrowIfNull(example);
        ObjectDisposedException.ThrowIf(_disposed, this);
        prediction ??= new TDst();
        if (_inputRow != null)
        {
            _inputRow.Set(example);
            _fill!(prediction);
            return;
        }
        _single[0] = example;
        try
        {
            using var cursor = _scored!.GetRowCursor(_filler!.ColumnsNeeded);
            if (!cursor.MoveNext())
                throw new InvalidOperationException("The model produced no row for the example.");
            _filler.CreateFiller(cursor)(prediction);
        }
        finally
        {
            _single[0] = null;
        }
    }

    /// <summary>Releases the engine.</summary>
    public void Dispose() => _disposed = true;
}
