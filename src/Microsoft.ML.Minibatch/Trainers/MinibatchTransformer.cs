using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.NN;

[assembly: Microsoft.ML.ModelLoader(typeof(Microsoft.ML.Minibatch.MinibatchTransformerLoader))]

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The model <see cref="MinibatchTrainer"/> produces. <see cref="Transform"/> appends <c>Score</c>
/// (<c>Vector&lt;Single, K&gt;</c>, softmax probabilities, with ML.NET's score annotations and the label's key
/// values as slot names) and <c>PredictedLabel</c> (<c>Key&lt;UInt32, K&gt;</c>, argmax + 1, carrying the key values).
/// Scores are computed lazily as the output is read, a batch of rows at a time through the matrix multiply.
/// Every member is safe to call from many threads at once (but do not change <see cref="Model"/>'s weights while
/// scoring: scoring reads them in place).
/// </summary>
public sealed class MinibatchTransformer : ITransformer
{
    /// <summary>The name of the appended probabilities column.</summary>
    public const string ScoreColumnName = "Score";

    /// <summary>The name of the appended predicted-key column.</summary>
    public const string PredictedLabelColumnName = "PredictedLabel";

    internal const string KindName = "Minibatch.MulticlassMlp";

    /// <summary>How many rows a transform cursor scores at once.</summary>
    internal const int ScoringBatchSize = 256;

    private readonly MlpScorer _scorer;
    private readonly LabelInfo _label;
    private readonly MinibatchTrainer.Options _options;

    internal MinibatchTransformer(Sequential model, int inputSize, int classCount, LabelInfo label, MinibatchTrainer.Options options,
        IReadOnlyList<EpochMetrics> history)
    {
        Model = model;
        model.Eval();
        InputSize = inputSize;
        ClassCount = classCount;
        _label = label;
        _options = options;
        History = history;
        _scorer = new MlpScorer(model);
    }

    /// <summary>
    /// Wraps a network trained outside <see cref="MinibatchTrainer"/> (for example with the engine's fit loop) as a
    /// transformer that scores, saves and loads like a trained one.
    /// </summary>
    /// <param name="model">A Sequential of Linear layers with ReLU between them, e.g. from <see cref="MinibatchTrainer"/>'s
    /// architecture; it is used in place, not copied.</param>
    /// <param name="classNames">The class names, one per output (they become the key values of PredictedLabel and the
    /// slot names of Score); <see langword="null"/> for none.</param>
    /// <param name="history">The training history, if any.</param>
    /// <param name="options">The options it was trained with (architecture fields are taken from the model); null for defaults.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="ArgumentException">The model is not a Linear/ReLU stack with hidden layers matching its shapes, its
    /// weights are not finite, or <paramref name="classNames"/> has the wrong length.</exception>
    public static MinibatchTransformer FromNetwork(Sequential model, IReadOnlyList<string>? classNames = null,
        IReadOnlyList<EpochMetrics>? history = null, MinibatchTrainer.Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var scorer = new MlpScorer(model);
        var linears = Enumerable.Range(0, model.Count).Select(i => model[i]).OfType<Linear>().ToList();
        var hidden = linears.Take(linears.Count - 1).Select(l => l.OutFeatures).ToArray();
        var expected = MinibatchNetwork.ExpectedShapes(scorer.InputSize, hidden, scorer.OutputSize);
        var actual = model.StateDict();
        if (actual.Count != expected.Count || expected.Any(e => !actual.TryGetValue(e.Key, out var t) || !t.Shape.SequenceEqual(e.Shape)))
            throw new ArgumentException("The model must be Linear layers with ReLU between them, keyed 0, 2, 4, … and each with a bias.", nameof(model));
        if (!MinibatchNetwork.AllFinite(model))
            throw new ArgumentException("The model's weights are not all finite.", nameof(model));
        var label = new LabelInfo(null, null);
        if (classNames != null)
        {
            if (classNames.Count != scorer.OutputSize)
                throw new ArgumentException($"classNames has {classNames.Count} names for {scorer.OutputSize} outputs.", nameof(classNames));
            var names = classNames.Select(n => n.AsMemory()).ToArray();
            label = new LabelInfo(new VectorDataViewType(TextDataViewType.Instance, names.Length),
                new VBuffer<ReadOnlyMemory<char>>(names.Length, names));
        }
        var o = options?.Clone() ?? new MinibatchTrainer.Options();
        o.HiddenLayers = hidden;
        o.ValidationSet = null;
        o.EpochCompleted = null;
        o.CancellationToken = default;
        MinibatchTrainer.Validate(o);
        return new MinibatchTransformer(model, scorer.InputSize, scorer.OutputSize, label, o, history ?? Array.Empty<EpochMetrics>());
    }

    /// <summary>The trained network: <c>Sequential(Linear, ReLU, …, Linear)</c>, keyed like PyTorch's.</summary>
    public Sequential Model { get; }

    /// <summary>The number of features the network reads.</summary>
    public int InputSize { get; }

    /// <summary>The number of classes (K).</summary>
    public int ClassCount { get; }

    /// <summary>The metrics of every training epoch, in order.</summary>
    public IReadOnlyList<EpochMetrics> History { get; }

    /// <summary>The name of the feature column the model reads.</summary>
    public string FeatureColumnName => _options.FeatureColumnName;

    /// <summary>A copy of the options the model was trained with (the seed resolved; no validation set, callback or token).</summary>
    public MinibatchTrainer.Options TrainingOptions
    {
        get
        {
            var copy = _options.Clone();
            copy.HiddenLayers = (int[])_options.HiddenLayers.Clone();
            return copy;
        }
    }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <summary>
    /// Thread-safe batch scoring without an <see cref="IDataView"/>: writes the softmax probabilities of each row of
    /// <paramref name="features"/> (rows × <see cref="InputSize"/>, row-major) into <paramref name="scores"/>
    /// (rows × <see cref="ClassCount"/>).
    /// </summary>
    /// <param name="features">The rows' features, concatenated.</param>
    /// <param name="scores">Receives the probabilities.</param>
    /// <returns>The number of rows scored.</returns>
    public int Score(ReadOnlySpan<float> features, Span<float> scores)
    {
        if (features.Length % InputSize != 0)
            throw new ArgumentException($"features holds {features.Length} values, not a multiple of the {InputSize} features of a row.", nameof(features));
        int rows = features.Length / InputSize;
        if (scores.Length < (long)rows * ClassCount)
            throw new ArgumentException($"scores holds {scores.Length} values, fewer than {rows}×{ClassCount}.", nameof(scores));
        _scorer.ScorePooled(features, rows, scores);
        return rows;
    }

    /// <summary>Thread-safe prediction of one row: the key (1 … K) of the most probable class.</summary>
    /// <param name="features">The row's <see cref="InputSize"/> features.</param>
    /// <returns>The predicted key.</returns>
    public uint Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != InputSize)
            throw new ArgumentException($"features holds {features.Length} values, expected {InputSize}.", nameof(features));
        Span<float> scores = ClassCount <= 256 ? stackalloc float[ClassCount] : new float[ClassCount];
        _scorer.ScorePooled(features, 1, scores);
        return (uint)MlpScorer.ArgMax(scores) + 1;
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return MappedDataView.BuildSchema(new Mapper(this, inputSchema));
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ScoredDataView(input, new Mapper(this, input.Schema));
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new MappedRowToRowMapper(new Mapper(this, inputSchema));
    }

    /// <inheritdoc/>
    public void Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.Kind = KindName;
        ctx.SetOptions(SavedModel.From(this, _label, _options));
        ctx.WriteEntry(SavedModel.WeightsEntry, stream => StateDictFile.Save(Model, stream));
    }

    internal LabelInfo Label => _label;

    internal MlpScorer Scorer => _scorer;

    /// <summary>The label's key values (for PredictedLabel's KeyValues and Score's SlotNames), when it has them.</summary>
    internal sealed class LabelInfo
    {
        public LabelInfo(VectorDataViewType? keyValuesType, object? keyValues)
        {
            KeyValuesType = keyValuesType;
            KeyValues = keyValues;
            if (keyValuesType != null && keyValues != null)
            {
                var values = (System.Collections.IEnumerable)keyValues.GetType().GetMethod(nameof(VBuffer<int>.DenseValues))!.Invoke(keyValues, null)!;
                SlotNames = values.Cast<object>().Select(v => (v switch
                {
                    ReadOnlyMemory<char> t => t.ToString(),
                    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                    _ => v?.ToString() ?? "",
                }).AsMemory()).ToArray();
            }
        }

        public VectorDataViewType? KeyValuesType { get; }

        public object? KeyValues { get; }

        public ReadOnlyMemory<char>[]? SlotNames { get; }

        public static LabelInfo From(DataViewSchema.Column label)
        {
            var kvColumn = label.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues);
            if (kvColumn is not { Type: VectorDataViewType kvType }) return new LabelInfo(null, null);
            var method = typeof(LabelInfo).GetMethod(nameof(ReadKeyValues), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(kvType.ItemType.RawType);
            return new LabelInfo(kvType, method.Invoke(null, new object[] { label }));
        }

        private static object ReadKeyValues<T>(DataViewSchema.Column label)
        {
            VBuffer<T> values = default;
            label.GetKeyValues(ref values);
            return values;
        }
    }

    /// <summary>The per-schema part: validates the feature column and describes Score and PredictedLabel.</summary>
    internal sealed class Mapper : RowMapperBase
    {
        private readonly MinibatchTransformer _parent;

        public Mapper(MinibatchTransformer parent, DataViewSchema inputSchema) : base(inputSchema)
        {
            _parent = parent;
            string name = parent._options.FeatureColumnName;
            Features = inputSchema.GetColumnOrNull(name) ?? throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "feature", name);
            // The message shows the actual size, since a vector of the wrong length is the usual mistake here.
            if (Features.Type is not VectorDataViewType v || !v.ItemType.Equals(NumberDataViewType.Single) || v.Size != parent.InputSize)
                throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "feature", name,
                    $"Vector<Single, {parent.InputSize}>", Features.Type.ToString() ?? "");

            uint setId = 1;
            foreach (var c in inputSchema)
            {
                var id = c.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.ScoreColumnSetId);
                if (id is { Type: KeyDataViewType { RawType: var raw } } && raw == typeof(uint))
                {
                    uint value = 0;
                    c.Annotations.GetValue(AnnotationUtils.Kinds.ScoreColumnSetId, ref value);
                    setId = Math.Max(setId, value + 1);
                }
            }
            var setIdType = new KeyDataViewType(typeof(uint), int.MaxValue);
            var score = new DataViewSchema.Annotations.Builder();
            score.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreColumnKind, TextDataViewType.Instance, AnnotationUtils.Const.ScoreColumnKind.MulticlassClassification.AsMemory());
            score.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreValueKind, TextDataViewType.Instance, AnnotationUtils.Const.ScoreValueKind.Score.AsMemory());
            score.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreColumnSetId, setIdType, setId);
            var predicted = new DataViewSchema.Annotations.Builder();
            var label = parent._label;
            if (label.SlotNames is { } names && names.Length == parent.ClassCount)
                score.AddSlotNames(names.Length, (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(names.Length, names).CopyTo(ref dst));
            if (label.KeyValuesType != null && label.KeyValues != null)
                ModelJson.AddBoxed(predicted, AnnotationUtils.Kinds.KeyValues, label.KeyValuesType, label.KeyValues);
            predicted.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreColumnKind, TextDataViewType.Instance, AnnotationUtils.Const.ScoreColumnKind.MulticlassClassification.AsMemory());
            predicted.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreValueKind, TextDataViewType.Instance, AnnotationUtils.Const.ScoreValueKind.PredictedLabel.AsMemory());
            predicted.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreColumnSetId, setIdType, setId);
            OutputColumns = new[]
            {
                new DataViewSchema.DetachedColumn(ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, parent.ClassCount), score.ToAnnotations()),
                new DataViewSchema.DetachedColumn(PredictedLabelColumnName, new KeyDataViewType(typeof(uint), parent.ClassCount), predicted.ToAnnotations()),
            };
        }

        public DataViewSchema.Column Features { get; }

        public MinibatchTransformer Parent => _parent;

        public override IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns { get; }

        public override IEnumerable<DataViewSchema.Column> GetDependencies(int outputIndex) => new[] { Features };

        /// <summary>Row-at-a-time getters (for PredictionEngine and row mappers); each getter owns its buffers.</summary>
        public override Delegate MakeGetter(DataViewRow input, int outputIndex)
        {
            var getFeatures = input.GetGetter<VBuffer<float>>(Features);
            var parent = _parent;
            VBuffer<float> x = default;
            var scores = new float[parent.ClassCount];
            var scratch = new MlpScorer.Scratch();
            void Compute()
            {
                getFeatures(ref x);
                if (x.Length != parent.InputSize)
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"Row {input.Position}: feature column '{Features.Name}' holds {x.Length} values, expected {parent.InputSize}."));
                parent._scorer.Score(x.GetValues(), 1, scores, scratch);
            }
            if (outputIndex == 0)
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    Compute();
                    VBuffer<float>.Copy(scores, 0, ref dst, scores.Length);
                });
            return (ValueGetter<uint>)((ref uint dst) =>
            {
                Compute();
                dst = (uint)MlpScorer.ArgMax(scores) + 1;
            });
        }
    }
}
