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
/// A stand-in for the minibatch trainer: a nearest-centroid classifier over Features with a key Label. It shows how a
/// trainer plugs into the surface: schema checks with <see cref="SchemaErrors"/>, the output shape and columns from
/// <see cref="MulticlassOutputColumns"/>, and persistence of the label column (with its key values) via WriteSchema.
/// </summary>
internal sealed class CentroidTrainer : IEstimator<CentroidTransformer>
{
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var label = SchemaErrors.CheckColumn(inputSchema, "label", "Label", "Key<UInt32>", c => c.IsKey && c.Kind == SchemaShape.Column.VectorKind.Scalar);
        SchemaErrors.CheckColumn(inputSchema, "feature", "Features", "Vector<Single>",
            c => c.Kind == SchemaShape.Column.VectorKind.Vector && c.ItemType.Equals(NumberDataViewType.Single));
        return MulticlassOutputColumns.GetOutputShape(inputSchema, label);
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
        // Keep the label column (type and key values) so that the transformer can rebuild its outputs after loading.
        var labelSchema = new DataViewSchema.Builder();
        labelSchema.AddColumn(label.Name, label.Type, label.Annotations);
        return new CentroidTransformer(d, centroids, labelSchema.ToSchema()[0]);
    }
}

internal sealed class CentroidTransformer : RowToRowTransformerBase
{
    public const string KindName = "Tests.Centroid";
    private readonly int _k;
    private readonly int _d;
    private readonly float[] _centroids;
    private readonly DataViewSchema.Column _label;

    public CentroidTransformer(int d, float[] centroids, DataViewSchema.Column label)
    {
        _k = (int)label.Type.GetKeyCount();
        _d = d;
        _centroids = centroids;
        _label = label;
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
            OutputColumns = MulticlassOutputColumns.Create(p._label, p._k);
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
        public int D;
    }

    public override void Save(ModelSaveContext ctx)
    {
        ctx.Kind = KindName;
        ctx.SetOptions(new Options { D = _d });
        ctx.WriteEntry("centroids.bin", System.Runtime.InteropServices.MemoryMarshal.AsBytes(_centroids.AsSpan()));
        var label = new DataViewSchema.Builder();
        label.AddColumn(_label.Name, _label.Type, _label.Annotations);
        ctx.WriteSchema("label.json", label.ToSchema());
    }

    public sealed class Loader : IModelLoader
    {
        public string Kind => KindName;

        public ITransformer Load(ModelLoadContext ctx)
        {
            var o = ctx.GetOptions<Options>();
            var label = ctx.ReadSchema("label.json");
            if (label.Count != 1 || label[0].Type is not KeyDataViewType key) throw ctx.Error("label.json must hold one key column");
            var bytes = ctx.ReadEntry("centroids.bin");
            if (bytes.Length != (long)key.Count * o.D * 4) throw ctx.Error("centroids.bin has the wrong size");
            var centroids = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            return new CentroidTransformer(o.D, centroids, label[0]);
        }
    }
}
