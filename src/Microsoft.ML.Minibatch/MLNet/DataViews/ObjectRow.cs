using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>A row over one object that the caller replaces between reads (the input side of a prediction engine).</summary>
internal sealed class ObjectRow<T> : DataViewRow
    where T : class
{
    private readonly Delegate[] _getters;
    private T? _current;
    private long _position = -1;

    public ObjectRow(SchemaDefinition? definition)
    {
        var bindings = TypeMapping.Resolve(typeof(T), definition, SchemaDefinition.Direction.Read).Select(TypeMapping.Bind).ToArray();
        Schema = EnumerableDataView<T>.BuildSchema(bindings);
        _getters = bindings.Select(b => b.MakeGetter(() => _current)).ToArray();
    }

    public void Set(T value)
    {
        _current = value ?? throw new ArgumentNullException(nameof(value));
        _position++;
    }

    public override long Position => _position;

    public override long Batch => 0;

    public override DataViewSchema Schema { get; }

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

    public override bool IsColumnActive(DataViewSchema.Column column) => (uint)column.Index < (uint)_getters.Length;

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!IsColumnActive(column))
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' does not belong to this row.");
        return _getters[column.Index] as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Invalid TValue in GetGetter: '{typeof(TValue)}', expected type: '{Schema[column.Index].Type.RawType}'.");
    }
}
