using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Maps the values of a column to keys through the dictionary learned by <see cref="ValueToKeyMappingEstimator"/>:
/// the output is <c>Key&lt;UInt32, 0-(n−1)&gt;</c> (n = dictionary size) with the dictionary as its key values;
/// unknown and missing values map to key 0.
/// </summary>
public sealed class ValueToKeyMappingTransformer : RowToRowTransformerBase
{
    internal const string KindName = "ValueToKeyMapping";

    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly TermMap _map;
    private readonly bool _textKeyValues;

    internal ValueToKeyMappingTransformer(string outputColumnName, string inputColumnName, TermMap map, bool textKeyValues)
    {
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName;
        _map = map;
        _textKeyValues = textKeyValues;
    }

    /// <summary>The number of distinct values learned (the key count).</summary>
    public int KeyCount => _map.Count;

    /// <inheritdoc/>
    protected override RowMapperBase MakeRowMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : RowMapperBase
    {
        private readonly ValueToKeyMappingTransformer _parent;
        private readonly DataViewSchema.Column _input;
        private readonly DataViewSchema.DetachedColumn[] _outputs;

        public Mapper(ValueToKeyMappingTransformer parent, DataViewSchema inputSchema) : base(inputSchema)
        {
            _parent = parent;
            var input = inputSchema.GetColumnOrNull(parent._inputColumnName)
                ?? throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", parent._inputColumnName);
            var item = input.Type.GetItemType();
            bool sameItem = item.Equals(parent._map.ItemType) || item is KeyDataViewType && parent._map.ItemType.RawType == item.RawType;
            if (!sameItem)
                throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", parent._inputColumnName,
                    parent._map.ItemType.ToString()!, input.Type.ToString()!);
            _input = input;
            var key = new KeyDataViewType(typeof(uint), Math.Max(parent._map.Count, 1));
            DataViewType type = input.Type is VectorDataViewType v ? new VectorDataViewType(key, v.Dimensions.ToArray()) : key;
            var annotations = new DataViewSchema.Annotations.Builder();
            annotations.Add(input.Annotations, kind => kind == AnnotationUtils.Kinds.SlotNames);
            parent._map.AddKeyValues(annotations, parent._textKeyValues);
            _outputs = new[] { new DataViewSchema.DetachedColumn(parent._outputColumnName, type, annotations.ToAnnotations()) };
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns => _outputs;

        public override IEnumerable<DataViewSchema.Column> GetDependencies(int outputIndex) => new[] { _input };

        public override Delegate MakeGetter(DataViewRow input, int outputIndex)
            => _parent._map.MakeGetter(input, _input, _input.Type is VectorDataViewType);
    }

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.Kind = KindName;
        var vectorType = new VectorDataViewType(_map.ItemType, 0);
        ctx.SetOptions(new System.Text.Json.Nodes.JsonObject
        {
            ["outputColumnName"] = _outputColumnName,
            ["inputColumnName"] = _inputColumnName,
            ["itemType"] = ModelJson.WriteType(_map.ItemType),
            ["addKeyValueAnnotationsAsText"] = _textKeyValues,
            ["terms"] = ModelJson.WriteValue(vectorType, _map.TermsVector),
        });
    }

    internal static ValueToKeyMappingTransformer Load(ModelLoadContext ctx)
    {
        var o = ctx.Options as System.Text.Json.Nodes.JsonObject ?? throw ctx.Error("options are missing");
        ModelJson.CheckProperties(o, "options", "outputColumnName", "inputColumnName", "itemType", "addKeyValueAnnotationsAsText", "terms");
        var output = ModelJson.ReadString(o, "outputColumnName");
        var input = ModelJson.ReadString(o, "inputColumnName");
        var item = ModelJson.ReadType(o["itemType"]) as PrimitiveDataViewType;
        if (item == null || !ValueToKeyMappingEstimator.IsValidItemType(item)) throw ctx.Error("itemType is not a valid key source type");
        bool asText = o["addKeyValueAnnotationsAsText"] is System.Text.Json.Nodes.JsonValue b && b.TryGetValue(out bool t) ? t
            : throw ctx.Error("addKeyValueAnnotationsAsText is missing");
        var terms = ModelJson.ReadValue(new VectorDataViewType(item, 0), o["terms"]);
        TermMap map;
        try
        {
            map = TermMap.FromTerms(item, terms);
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is InvalidDataException inner)
        {
            throw ctx.Error(inner.Message);
        }
        catch (InvalidDataException e)
        {
            throw ctx.Error(e.Message);
        }
        return new ValueToKeyMappingTransformer(output, input, map, asText);
    }
}
