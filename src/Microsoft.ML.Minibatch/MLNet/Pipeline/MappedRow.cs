namespace Microsoft.ML.Data;

/// <summary>An output row of a <see cref="RowMapperBase"/> computed from an input row.</summary>
internal sealed class MappedRow : DataViewRow
{
    private readonly DataViewRow _input;
    private readonly Delegate?[] _getters;
    private readonly bool[] _active;

    public MappedRow(DataViewSchema schema, DataViewRow input, Delegate?[] getters, bool[] active)
    {
        Schema = schema;
        _input = input;
        _getters = getters;
        _active = active;
    }

    public static Delegate?[] MakeGetters(RowMapperBase mapper, DataViewRow input, bool[] active)
    {
        int inputCount = mapper.InputSchema.Count;
        var getters = new Delegate?[active.Length];
        for (int j = 0; j < mapper.OutputColumns.Count; j++)
            if (active[inputCount + j])
                getters[inputCount + j] = mapper.MakeGetter(input, j);
        for (int i = 0; i < inputCount; i++)
            if (active[i])
                getters[i] = PassThrough(input, mapper.InputSchema[i]);
        return getters;
    }

    private static Delegate PassThrough(DataViewRow input, DataViewSchema.Column column)
    {
        var method = typeof(MappedRow).GetMethod(nameof(GetInputGetter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType);
        return (Delegate)method.Invoke(null, new object[] { input, column })!;
    }

    private static ValueGetter<T> GetInputGetter<T>(DataViewRow input, DataViewSchema.Column column) => input.GetGetter<T>(column);

    public static ValueGetter<TValue> CastGetter<TValue>(DataViewSchema schema, Delegate?[] getters, bool[] active, DataViewSchema.Column column)
    {
        if ((uint)column.Index >= (uint)active.Length || !active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
        return getters[column.Index] as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Invalid TValue in GetGetter: '{typeof(TValue)}', expected type: '{schema[column.Index].Type.RawType}'.");
    }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema { get; }

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) => (uint)column.Index < (uint)_active.Length && _active[column.Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => CastGetter<TValue>(Schema, _getters, _active, column);
}
