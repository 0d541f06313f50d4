using System.Buffers.Binary;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Tests.MLNet;

[assembly: ModelLoader(typeof(AddConstantTransformer.Loader))]
[assembly: ModelLoader(typeof(CentroidTransformer.Loader))]

namespace Microsoft.ML.Minibatch.Tests.MLNet;

/// <summary>
/// A transformer from "another room": Out = In + constant, the constant stored as a binary entry. It exercises the
/// save/load extension point (options + binary entry + assembly-level loader declaration).
/// </summary>
internal sealed class AddConstantTransformer : RowToRowTransformerBase
{
    public const string KindName = "Tests.AddConstant";

    public AddConstantTransformer(string output, string input, float constant)
    {
        Output = output;
        Input = input;
        Constant = constant;
    }

    public string Output { get; }
    public string Input { get; }
    public float Constant { get; }

    /// <summary>When set, Save fails after writing part of the model (to test atomic writes).</summary>
    public bool FailOnSave { get; init; }

    protected override RowMapperBase MakeRowMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : RowMapperBase
    {
        private readonly AddConstantTransformer _parent;
        private readonly DataViewSchema.Column _input;

        public Mapper(AddConstantTransformer parent, DataViewSchema inputSchema) : base(inputSchema)
        {
            _parent = parent;
            _input = SchemaErrors.CheckColumn(inputSchema, "input", parent.Input, "Single", t => t.Equals(NumberDataViewType.Single));
            OutputColumns = new[] { new DataViewSchema.DetachedColumn(parent.Output, NumberDataViewType.Single) };
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns { get; }

        public override IEnumerable<DataViewSchema.Column> GetDependencies(int outputIndex) => new[] { _input };

        public override Delegate MakeGetter(DataViewRow input, int outputIndex)
        {
            var getter = input.GetGetter<float>(_input);
            float c = _parent.Constant;
            return (ValueGetter<float>)((ref float dst) =>
            {
                float x = 0;
                getter(ref x);
                dst = x + c;
            });
        }
    }

    public sealed class Options
    {
        public string? Output;
        public string? Input;
    }

    public override void Save(ModelSaveContext ctx)
    {
        ctx.Kind = KindName;
        ctx.SetOptions(new Options { Output = Output, Input = Input });
        var bytes = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, Constant);
        ctx.WriteEntry("constant.bin", bytes);
        if (FailOnSave) throw new IOException("simulated failure while saving");
    }

    public sealed class Loader : IModelLoader
    {
        public string Kind => KindName;

        public ITransformer Load(ModelLoadContext ctx)
        {
            var o = ctx.GetOptions<Options>();
            var bytes = ctx.ReadEntry("constant.bin");
            if (bytes.Length != 4) throw ctx.Error($"constant.bin holds {bytes.Length} bytes, expected 4");
            return new AddConstantTransformer(o.Output!, o.Input!, BinaryPrimitives.ReadSingleLittleEndian(bytes));
        }
    }
}

/// <summary>
/// A stand-in for the minibatch trainer: a nearest-centroid classifier over Features with a key Label. It produces
/// Score (softmax of negative squared distances, Vector&lt;Single, K&gt;, with score annotations and the label's
/// key values as slot names) and PredictedLabel (Key&lt;UInt32, K&gt;, argmax + 1, carrying the key values).
/// </summary>
internal sealed class CentroidTrainer : IEstimator<CentroidTransformer>
{
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var label = SchemaErrors.CheckColumn(inputSchema, "label", "Label", "Key<UInt32>", c => c.IsKey && c.Kind == SchemaShape.Column.VectorKind.Scalar);
        SchemaErrors.CheckColumn(inputSchema, "feature", "Features", "Vector<Single>",
            c => c.Kind == SchemaShape.Column.VectorKind.Vector && c.ItemType.Equals(NumberDataViewType.Single));
        var columns = inputSchema.ToList();
        columns.Add(new SchemaShape.Column("Score", SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false));
        // Promise the label's key values on PredictedLabel, so that MapKeyToValue can follow in a chain.
        var keyValues = label.Annotations.TryFindColumn(AnnotationUtils.Kinds.KeyValues, out var kv)
            ? new SchemaShape(new[] { new SchemaShape.Column(kv.Name, kv.Kind, TextDataViewType.Instance, false) })
            : null;
        columns.Add(new SchemaShape.Column("PredictedLabel", SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true, keyValues));
        return new SchemaShape(columns);
    }

    public CentroidTransformer Fit(IDataView input)
    {
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var label = input.Schema["Label"];
        var features = input.Schema["Features"];
        int k = (int)label.Type.GetKeyCount();
        int d = features.Type.GetVectorSize();
        var sums = new double[k, d];
        var counts = new int[k];
        using (var cursor = input.GetRowCursor(new[] { label, features }))
        {
            var lg = cursor.GetGetter<uint>(label);
            var fg = cursor.GetGetter<VBuffer<float>>(features);
            uint y = 0;
            VBuffer<float> x = default;
            while (cursor.MoveNext())
            {
                lg(ref y);
                if (y == 0) continue;
                fg(ref x);
                var v = x.GetValues();
                counts[y - 1]++;
                for (int j = 0; j < d; j++) sums[y - 1, j] += v[j];
            }
        }
        var centroids = new float[k * d];
        for (int c = 0; c < k; c++)
            for (int j = 0; j < d; j++)
                centroids[c * d + j] = counts[c] == 0 ? 0 : (float)(sums[c, j] / counts[c]);
        ReadOnlyMemory<char>[]? names = null;
        (DataViewType Type, object Value)? keyValues = null;
        if (label.HasKeyValues())
        {
            var kvType = (VectorDataViewType)label.Annotations.Schema[AnnotationUtils.Kinds.KeyValues].Type;
            names = KeyValueTexts(label, kvType.ItemType.RawType);
            keyValues = (kvType, KeyValuesBoxed(label, kvType.ItemType.RawType));
        }
        return new CentroidTransformer(k, d, centroids, names, keyValues);
    }

    private static object KeyValuesBoxed(DataViewSchema.Column label, Type raw)
    {
        if (raw == typeof(float))
        {
            VBuffer<float> v = default;
            label.GetKeyValues(ref v);
            return v;
        }
        VBuffer<ReadOnlyMemory<char>> t = default;
        label.GetKeyValues(ref t);
        return t;
    }

    private static ReadOnlyMemory<char>[] KeyValueTexts(DataViewSchema.Column label, Type raw)
    {
        if (raw == typeof(float))
        {
            VBuffer<float> v = default;
            label.GetKeyValues(ref v);
            return v.DenseValues().Select(f => f.ToString(System.Globalization.CultureInfo.InvariantCulture).AsMemory()).ToArray();
        }
        VBuffer<ReadOnlyMemory<char>> t = default;
        label.GetKeyValues(ref t);
        return t.DenseValues().ToArray();
    }
}

internal sealed class CentroidTransformer : RowToRowTransformerBase
{
    public const string KindName = "Tests.Centroid";
    private readonly int _k;
    private readonly int _d;
    private readonly float[] _centroids;
    private readonly ReadOnlyMemory<char>[]? _names;
    private readonly (DataViewType Type, object Value)? _keyValues;

    public CentroidTransformer(int k, int d, float[] centroids, ReadOnlyMemory<char>[]? names, (DataViewType Type, object Value)? keyValues)
    {
        _k = k;
        _d = d;
        _centroids = centroids;
        _names = names;
        _keyValues = keyValues;
    }

    protected override RowMapperBase MakeRowMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema);

    private sealed class Mapper : RowMapperBase
    {
        private readonly CentroidTransformer _p;
        private readonly DataViewSchema.Column _features;

        public Mapper(CentroidTransformer p, DataViewSchema inputSchema) : base(inputSchema)
        {
            _p = p;
            _features = SchemaErrors.CheckColumn(inputSchema, "feature", "Features", "Vector<Single>",
                t => t is VectorDataViewType { Size: > 0 } v && v.Size == p._d && v.ItemType.Equals(NumberDataViewType.Single));
            var score = new DataViewSchema.Annotations.Builder();
            score.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreColumnKind, TextDataViewType.Instance, AnnotationUtils.Const.ScoreColumnKind.MulticlassClassification.AsMemory());
            score.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreValueKind, TextDataViewType.Instance, AnnotationUtils.Const.ScoreValueKind.Score.AsMemory());
            var predicted = new DataViewSchema.Annotations.Builder();
            if (p._names != null)
            {
                var names = p._names;
                score.AddSlotNames(p._k, (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(names.Length, names).CopyTo(ref dst));
                if (p._keyValues is { } kv)
                    ModelJson.AddBoxed(predicted, AnnotationUtils.Kinds.KeyValues, kv.Type, kv.Value);
            }
            OutputColumns = new[]
            {
                new DataViewSchema.DetachedColumn("Score", new VectorDataViewType(NumberDataViewType.Single, p._k), score.ToAnnotations()),
                new DataViewSchema.DetachedColumn("PredictedLabel", new KeyDataViewType(typeof(uint), p._k), predicted.ToAnnotations()),
            };
        }

        public override IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns { get; }

        public override IEnumerable<DataViewSchema.Column> GetDependencies(int outputIndex) => new[] { _features };

        private void Scores(ValueGetter<VBuffer<float>> getter, ref VBuffer<float> x, float[] scores)
        {
            getter(ref x);
            var v = x.GetValues();
            double max = double.NegativeInfinity;
            var logits = new double[_p._k];
            for (int c = 0; c < _p._k; c++)
            {
                double dist = 0;
                for (int j = 0; j < _p._d; j++)
                {
                    double diff = v[j] - _p._centroids[c * _p._d + j];
                    dist += diff * diff;
                }
                logits[c] = -dist;
                max = Math.Max(max, logits[c]);
            }
            double sum = 0;
            for (int c = 0; c < _p._k; c++) sum += Math.Exp(logits[c] - max);
            for (int c = 0; c < _p._k; c++) scores[c] = (float)(Math.Exp(logits[c] - max) / sum);
        }

        public override Delegate MakeGetter(DataViewRow input, int outputIndex)
        {
            var getter = input.GetGetter<VBuffer<float>>(_features);
            VBuffer<float> x = default;
            var scores = new float[_p._k];
            if (outputIndex == 0)
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    Scores(getter, ref x, scores);
                    VBuffer<float>.Copy(scores, 0, ref dst, scores.Length);
                });
            return (ValueGetter<uint>)((ref uint dst) =>
            {
                Scores(getter, ref x, scores);
                int best = 0;
                for (int c = 1; c < scores.Length; c++) if (scores[c] > scores[best]) best = c;
                dst = (uint)best + 1;
            });
        }
    }

    public sealed class Options
    {
        public int K;
        public int D;
        public string[]? Names;
        public System.Text.Json.Nodes.JsonNode? KeyValuesType;
        public System.Text.Json.Nodes.JsonNode? KeyValues;
    }

    public override void Save(ModelSaveContext ctx)
    {
        ctx.Kind = KindName;
        ctx.SetOptions(new Options
        {
            K = _k,
            D = _d,
            Names = _names?.Select(n => n.ToString()).ToArray(),
            KeyValuesType = _keyValues == null ? null : ModelJson.WriteType(_keyValues.Value.Type),
            KeyValues = _keyValues == null ? null : ModelJson.WriteValue(_keyValues.Value.Type, _keyValues.Value.Value),
        });
        ctx.WriteEntry("centroids.bin", System.Runtime.InteropServices.MemoryMarshal.AsBytes(_centroids.AsSpan()));
    }

    public sealed class Loader : IModelLoader
    {
        public string Kind => KindName;

        public ITransformer Load(ModelLoadContext ctx)
        {
            var o = ctx.GetOptions<Options>();
            var bytes = ctx.ReadEntry("centroids.bin");
            if (bytes.Length != o.K * o.D * 4) throw ctx.Error("centroids.bin has the wrong size");
            var centroids = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            (DataViewType, object)? keyValues = null;
            if (o.KeyValuesType != null)
            {
                var type = ModelJson.ReadType(o.KeyValuesType);
                keyValues = (type, ModelJson.ReadValue(type, o.KeyValues));
            }
            return new CentroidTransformer(o.K, o.D, centroids, o.Names?.Select(n => n.AsMemory()).ToArray(), keyValues);
        }
    }
}
