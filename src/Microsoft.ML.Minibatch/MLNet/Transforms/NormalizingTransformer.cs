using System.Text.Json.Nodes;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>Applies the learned per-slot affine map y = (x − offset) · scale and marks the output <c>IsNormalized</c>.</summary>
public sealed class NormalizingTransformer : RowToRowTransformerBase
{
    internal const string KindName = "Normalizing";

    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly DataViewType _type;
    private readonly double[] _scale;
    private readonly double[] _offset;

    internal NormalizingTransformer(string outputColumnName, string inputColumnName, DataViewType type, double[] scale, double[] offset)
    {
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName;
        _type = type;
        _scale = scale;
        _offset = offset;
    }

    /// <summary>The learned scale of each slot.</summary>
    public IReadOnlyList<double> Scale => _scale;

    /// <summary>The learned offset of each slot.</summary>
    public IReadOnlyList<double> Offset => _offset;

    /// <inheritdoc/>
    protected override RowMapperBase MakeRowMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : RowMapperBase
    {
        private readonly NormalizingTransformer _parent;
        private readonly DataViewSchema.Column _input;
        private readonly DataViewSchema.DetachedColumn[] _outputs;

        public Mapper(NormalizingTransformer parent, DataViewSchema inputSchema) : base(inputSchema)
        {
            _parent = parent;
            var input = inputSchema.GetColumnOrNull(parent._inputColumnName)
                ?? throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", parent._inputColumnName);
            if (!input.Type.Equals(parent._type))
                throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", parent._inputColumnName, parent._type.ToString()!, input.Type.ToString()!);
            _input = input;
            var annotations = new DataViewSchema.Annotations.Builder();
            annotations.Add(input.Annotations, kind => kind == AnnotationUtils.Kinds.SlotNames);
            annotations.AddPrimitiveValue(AnnotationUtils.Kinds.IsNormalized, BooleanDataViewType.Instance, true);
            _outputs = new[] { new DataViewSchema.DetachedColumn(parent._outputColumnName, parent._type, annotations.ToAnnotations()) };
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns => _outputs;

        public override IEnumerable<DataViewSchema.Column> GetDependencies(int outputIndex) => new[] { _input };

        public override Delegate MakeGetter(DataViewRow input, int outputIndex)
        {
            bool isFloat = _parent._type.GetItemType().Equals(NumberDataViewType.Single);
            if (isFloat)
            {
                var scale = _parent._scale.Select(s => (float)s).ToArray();
                var offset = _parent._offset.Select(o => (float)o).ToArray();
                if (_parent._type is VectorDataViewType)
                {
                    var getter = input.GetGetter<VBuffer<float>>(_input);
                    VBuffer<float> src = default;
                    return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                    {
                        getter(ref src);
                        var s = src.GetValues();
                        var editor = VBufferEditor.Create(ref dst, s.Length);
                        for (int i = 0; i < s.Length; i++) editor.Values[i] = (s[i] - offset[i]) * scale[i];
                        dst = editor.Commit();
                    });
                }
                var scalar = input.GetGetter<float>(_input);
                return (ValueGetter<float>)((ref float dst) =>
                {
                    float x = 0;
                    scalar(ref x);
                    dst = (x - offset[0]) * scale[0];
                });
            }
            var dscale = _parent._scale;
            var doffset = _parent._offset;
            if (_parent._type is VectorDataViewType)
            {
                var getter = input.GetGetter<VBuffer<double>>(_input);
                VBuffer<double> src = default;
                return (ValueGetter<VBuffer<double>>)((ref VBuffer<double> dst) =>
                {
                    getter(ref src);
                    var s = src.GetValues();
                    var editor = VBufferEditor.Create(ref dst, s.Length);
                    for (int i = 0; i < s.Length; i++) editor.Values[i] = (s[i] - doffset[i]) * dscale[i];
                    dst = editor.Commit();
                });
            }
            var dscalar = input.GetGetter<double>(_input);
            return (ValueGetter<double>)((ref double dst) =>
            {
                double x = 0;
                dscalar(ref x);
                dst = (x - doffset[0]) * dscale[0];
            });
        }
    }

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.Kind = KindName;
        ctx.SetOptions(new JsonObject
        {
            ["outputColumnName"] = _outputColumnName,
            ["inputColumnName"] = _inputColumnName,
            ["type"] = ModelJson.WriteType(_type),
            ["scale"] = ModelJson.WriteValue(new VectorDataViewType(NumberDataViewType.Double, 0), new VBuffer<double>(_scale.Length, _scale)),
            ["offset"] = ModelJson.WriteValue(new VectorDataViewType(NumberDataViewType.Double, 0), new VBuffer<double>(_offset.Length, _offset)),
        });
    }

    internal static NormalizingTransformer Load(ModelLoadContext ctx)
    {
        var o = ctx.Options as JsonObject ?? throw ctx.Error("options are missing");
        ModelJson.CheckProperties(o, "options", "outputColumnName", "inputColumnName", "type", "scale", "offset");
        var type = ModelJson.ReadType(o["type"]);
        if (!NormalizingEstimator.IsValid(type)) throw ctx.Error($"type {type} cannot be normalized");
        int size = type is VectorDataViewType v ? v.Size : 1;
        var scale = ((VBuffer<double>)ModelJson.ReadValue(new VectorDataViewType(NumberDataViewType.Double, size), o["scale"])).DenseValues().ToArray();
        var offset = ((VBuffer<double>)ModelJson.ReadValue(new VectorDataViewType(NumberDataViewType.Double, size), o["offset"])).DenseValues().ToArray();
        return new NormalizingTransformer(ModelJson.ReadString(o, "outputColumnName"), ModelJson.ReadString(o, "inputColumnName"), type, scale, offset);
    }
}
