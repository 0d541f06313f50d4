using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Concatenates scalar and vector columns of one item type, in the order given, into a vector column
/// (known size when every input has a known size).
/// </summary>
public sealed class ColumnConcatenatingTransformer : RowToRowTransformerBase
{
    internal const string KindName = "ColumnConcatenating";

    private readonly string _outputColumnName;
    private readonly string[] _inputColumnNames;

    internal ColumnConcatenatingTransformer(string outputColumnName, string[] inputColumnNames)
    {
        _outputColumnName = outputColumnName;
        _inputColumnNames = inputColumnNames;
    }

    /// <inheritdoc/>
    protected override RowMapperBase MakeRowMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : RowMapperBase
    {
        private readonly DataViewSchema.Column[] _inputs;
        private readonly DataViewSchema.DetachedColumn[] _outputs;

        public Mapper(ColumnConcatenatingTransformer parent, DataViewSchema inputSchema) : base(inputSchema)
        {
            _inputs = new DataViewSchema.Column[parent._inputColumnNames.Length];
            DataViewType? item = null;
            int size = 0;
            bool variable = false;
            for (int i = 0; i < _inputs.Length; i++)
            {
                string name = parent._inputColumnNames[i];
                var column = inputSchema.GetColumnOrNull(name) ?? throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", name);
                var columnItem = column.Type.GetItemType();
                item ??= columnItem;
                if (!columnItem.Equals(item))
                    throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", name, item.ToString()!, column.Type.ToString()!);
                if (column.Type is VectorDataViewType v)
                {
                    variable |= !v.IsKnownSize;
                    size += v.Size;
                }
                else
                {
                    size++;
                }
                _inputs[i] = column;
            }
            var type = new VectorDataViewType((PrimitiveDataViewType)item!, variable ? 0 : size);
            var annotations = new DataViewSchema.Annotations.Builder();
            // The output is normalized only if every input is.
            if (_inputs.All(c => c.IsNormalized()))
                annotations.AddPrimitiveValue(AnnotationUtils.Kinds.IsNormalized, BooleanDataViewType.Instance, true);
            _outputs = new[] { new DataViewSchema.DetachedColumn(parent._outputColumnName, type, annotations.ToAnnotations()) };
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns => _outputs;

        public override IEnumerable<DataViewSchema.Column> GetDependencies(int outputIndex) => _inputs;

        public override Delegate MakeGetter(DataViewRow input, int outputIndex)
        {
            var method = typeof(Mapper).GetMethod(nameof(MakeTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
                .MakeGenericMethod(_inputs[0].Type.GetItemType().RawType);
            return (Delegate)method.Invoke(this, new object[] { input })!;
        }

        private Delegate MakeTyped<T>(DataViewRow input)
        {
            // Each part copies its values into the output span at the given offset and returns how many it wrote.
            var parts = new Func<T[], int, int>[_inputs.Length];
            var lengths = new Func<int>[_inputs.Length];
            for (int i = 0; i < _inputs.Length; i++)
            {
                var column = _inputs[i];
                if (column.Type is VectorDataViewType)
                {
                    var getter = input.GetGetter<VBuffer<T>>(column);
                    VBuffer<T> buffer = default;
                    lengths[i] = () => { getter(ref buffer); return buffer.Length; };
                    parts[i] = (dst, offset) => { buffer.CopyTo(dst, offset); return buffer.Length; };
                }
                else
                {
                    var getter = input.GetGetter<T>(column);
                    T value = default!;
                    lengths[i] = () => { getter(ref value); return 1; };
                    parts[i] = (dst, offset) => { dst[offset] = value; return 1; };
                }
            }
            T[] scratch = Array.Empty<T>();
            return (ValueGetter<VBuffer<T>>)((ref VBuffer<T> dst) =>
            {
                int total = 0;
                foreach (var l in lengths) total += l();
                if (scratch.Length < total) scratch = new T[total];
                int offset = 0;
                foreach (var p in parts) offset += p(scratch, offset);
                VBuffer<T>.Copy(scratch, 0, ref dst, total);
            });
        }
    }

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.Kind = KindName;
        ctx.SetOptions(new ConcatOptions { OutputColumnName = _outputColumnName, InputColumnNames = _inputColumnNames });
    }

    internal static ColumnConcatenatingTransformer Load(ModelLoadContext ctx)
    {
        var o = ctx.GetOptions<ConcatOptions>();
        if (string.IsNullOrEmpty(o.OutputColumnName) || o.InputColumnNames is not { Length: > 0 } inputs || inputs.Any(string.IsNullOrEmpty))
            throw ctx.Error("column names are missing");
        return new ColumnConcatenatingTransformer(o.OutputColumnName, inputs);
    }

    private sealed class ConcatOptions
    {
        public string? OutputColumnName;
        public string[]? InputColumnNames;
    }
}
