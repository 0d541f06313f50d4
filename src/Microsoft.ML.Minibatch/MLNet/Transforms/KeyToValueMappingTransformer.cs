using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Maps key k (1..n) to the k-th value of the key column's <c>KeyValues</c> annotation; key 0 (missing) and keys
/// beyond the annotation map to the missing value of the value type (NaN for floating point, empty text, else default).
/// </summary>
public sealed class KeyToValueMappingTransformer : RowToRowTransformerBase
{
    internal const string KindName = "KeyToValueMapping";

    private readonly string _outputColumnName;
    private readonly string _inputColumnName;

    internal KeyToValueMappingTransformer(string outputColumnName, string inputColumnName)
    {
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName;
    }

    /// <inheritdoc/>
    protected override RowMapperBase MakeRowMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : RowMapperBase
    {
        private readonly DataViewSchema.Column _input;
        private readonly DataViewSchema.DetachedColumn[] _outputs;
        private readonly VectorDataViewType _keyValuesType;

        public Mapper(KeyToValueMappingTransformer parent, DataViewSchema inputSchema) : base(inputSchema)
        {
            var input = inputSchema.GetColumnOrNull(parent._inputColumnName)
                ?? throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", parent._inputColumnName);
            if (input.Type.GetItemType() is not KeyDataViewType)
                throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", parent._inputColumnName, "key type", input.Type.ToString()!);
            if (input.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues)?.Type is not VectorDataViewType kvType)
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Input column '{parent._inputColumnName}' doesn't contain key values annotation");
            _input = input;
            _keyValuesType = kvType;
            DataViewType type = input.Type is VectorDataViewType v ? new VectorDataViewType(kvType.ItemType, v.Dimensions.ToArray()) : kvType.ItemType;
            var annotations = new DataViewSchema.Annotations.Builder();
            annotations.Add(input.Annotations, kind => kind == AnnotationUtils.Kinds.SlotNames);
            _outputs = new[] { new DataViewSchema.DetachedColumn(parent._outputColumnName, type, annotations.ToAnnotations()) };
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns => _outputs;

        public override IEnumerable<DataViewSchema.Column> GetDependencies(int outputIndex) => new[] { _input };

        public override Delegate MakeGetter(DataViewRow input, int outputIndex)
        {
            var method = typeof(Mapper).GetMethod(nameof(MakeTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
                .MakeGenericMethod(_input.Type.GetItemType().RawType, _keyValuesType.ItemType.RawType);
            return (Delegate)method.Invoke(this, new object[] { input })!;
        }

        private Delegate MakeTyped<TKey, TValue>(DataViewRow input)
        {
            var keyValues = default(VBuffer<TValue>);
            _input.Annotations.GetValue(AnnotationUtils.Kinds.KeyValues, ref keyValues);
            var values = keyValues.DenseValues().ToArray();
            var missing = MissingValue<TValue>();
            TValue Map(TKey key)
            {
                ulong k = Convert.ToUInt64(key, System.Globalization.CultureInfo.InvariantCulture);
                return k >= 1 && k <= (ulong)values.Length ? values[k - 1] : missing;
            }
            if (_input.Type is VectorDataViewType)
            {
                var getter = input.GetGetter<VBuffer<TKey>>(_input);
                VBuffer<TKey> src = default;
                return (ValueGetter<VBuffer<TValue>>)((ref VBuffer<TValue> dst) =>
                {
                    getter(ref src);
                    var s = src.GetValues();
                    var editor = VBufferEditor.Create(ref dst, s.Length);
                    for (int i = 0; i < s.Length; i++) editor.Values[i] = Map(s[i]);
                    dst = editor.Commit();
                });
            }
            var scalar = input.GetGetter<TKey>(_input);
            TKey key = default!;
            return (ValueGetter<TValue>)((ref TValue dst) =>
            {
                scalar(ref key);
                dst = Map(key);
            });
        }

        private static T MissingValue<T>()
        {
            if (typeof(T) == typeof(float)) return (T)(object)float.NaN;
            if (typeof(T) == typeof(double)) return (T)(object)double.NaN;
            if (typeof(T) == typeof(ReadOnlyMemory<char>)) return (T)(object)ReadOnlyMemory<char>.Empty;
            return default!;
        }
    }

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.Kind = KindName;
        ctx.SetOptions(new ColumnPairOptions { OutputColumnName = _outputColumnName, InputColumnName = _inputColumnName });
    }

    internal static KeyToValueMappingTransformer Load(ModelLoadContext ctx)
    {
        var o = ctx.GetOptions<ColumnPairOptions>();
        if (string.IsNullOrEmpty(o.OutputColumnName) || string.IsNullOrEmpty(o.InputColumnName))
            throw ctx.Error("column names are missing");
        return new KeyToValueMappingTransformer(o.OutputColumnName, o.InputColumnName);
    }
}
