using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Onnx;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The model <see cref="MinibatchTrainer"/> produces. <see cref="Transform"/> appends <c>Score</c>
/// (<c>Vector&lt;Single, K&gt;</c>, softmax probabilities, with ML.NET's score annotations and the label's key
/// values as slot names) and <c>PredictedLabel</c> (<c>Key&lt;UInt32, K&gt;</c>, argmax + 1, carrying the key values).
/// Scores are computed lazily as the output is read, a batch of rows at a time through the matrix multiply.
/// A row with a NaN or infinite feature gets no prediction, as from ML.NET's own multiclass trainers: Score all NaN
/// and PredictedLabel key 0 (missing) — here, in <see cref="Score"/> and <see cref="Predict"/>, in a PredictionEngine,
/// in the chain that <c>ml.Model.Load</c> returns and in <see cref="ExportOnnx"/> (whose label output is then -1).
/// Every member is safe to call from many threads at once (but do not change <see cref="Model"/>'s weights while
/// scoring: scoring reads them in place).
/// </summary>
/// <remarks>
/// <c>ml.Model.Save</c> stores the network as an ONNX graph inside ML.NET's own components (<c>ApplyOnnxModel</c> and
/// the column mappings that give <c>PredictedLabel</c> the label's key values), because ML.NET lets no other assembly
/// register a loader: <c>ml.Model.Load</c> therefore returns that chain — which any ML.NET application with
/// Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime can run, without this library — and
/// <see cref="Load(string)"/> returns this type again, with its history and options.
/// </remarks>
public sealed class MinibatchTransformer : ITransformer
{
    /// <summary>The name of the appended probabilities column.</summary>
    public const string ScoreColumnName = "Score";

    /// <summary>The name of the appended predicted-key column.</summary>
    public const string PredictedLabelColumnName = "PredictedLabel";

    /// <summary>How many rows a transform cursor scores at once.</summary>
    internal const int ScoringBatchSize = 256;

    private readonly MinibatchTrainer.Options _options;

    internal MinibatchTransformer(Sequential model, int inputSize, int classCount, LabelKeyValues keyValues, MinibatchTrainer.Options options,
        IReadOnlyList<EpochMetrics> history)
    {
        Model = model;
        model.Eval();
        InputSize = inputSize;
        ClassCount = classCount;
        LabelKeyValues = keyValues;
        _options = options;
        History = history;
        Deskew = MinibatchTrainer.DeskewOf(options, inputSize);
        Scorer = new MlpScorer(model, Deskew);
    }

    /// <summary>What training found suspicious about this model, e.g. that it ended no better than predicting the class
    /// frequencies (also written to the <see cref="MLContext.Log"/> as warnings); empty for a model that was loaded.</summary>
    public IReadOnlyList<string> TrainingWarnings { get; internal init; } = [];

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
        const string expectedLayout = "The model must be Linear layers with ReLU (keyed 0, 2, 4, …) or ReLU and one Dropout rate below 1 "
            + "(keyed 0, 3, 6, …) between them, each Linear with a bias.";
        var layout = MinibatchNetwork.Describe(model);
        if (layout is not var (hidden, dropout) || dropout >= 1)
            throw new ArgumentException(expectedLayout, nameof(model));
        var expected = MinibatchNetwork.ExpectedShapes(scorer.InputSize, hidden, scorer.OutputSize, dropout != 0);
        var actual = model.StateDict();
        if (actual.Count != expected.Count || expected.Any(e => !actual.TryGetValue(e.Key, out var t) || !t.Shape.SequenceEqual(e.Shape)))
            throw new ArgumentException(expectedLayout, nameof(model));
        if (!MinibatchNetwork.AllFinite(model))
            throw new ArgumentException("The model's weights are not all finite.", nameof(model));
        var keyValues = LabelKeyValues.None;
        if (classNames != null)
        {
            if (classNames.Count != scorer.OutputSize)
                throw new ArgumentException($"classNames has {classNames.Count} names for {scorer.OutputSize} outputs.", nameof(classNames));
            var names = classNames.Select(n => n.AsMemory()).ToArray();
            keyValues = new LabelKeyValues(new VectorDataViewType(TextDataViewType.Instance, names.Length),
                new VBuffer<ReadOnlyMemory<char>>(names.Length, names));
        }
        var o = options?.Clone() ?? new MinibatchTrainer.Options();
        o.HiddenLayers = hidden;
        o.DropoutRate = (float)dropout;
        o.ValidationSet = null;
        o.EpochCompleted = null;
        o.Callbacks = null;
        o.CancellationToken = default;
        MinibatchTrainer.Validate(o);
        return new MinibatchTransformer(model, scorer.InputSize, scorer.OutputSize, keyValues, o, history ?? Array.Empty<EpochMetrics>());
    }

    /// <summary>How rows are deskewed before the network, or null (<see cref="MinibatchTrainer.Options.Deskew"/>).</summary>
    internal ImageDeskew? Deskew { get; }

    /// <summary>The image size the model reads each feature vector as when it deskews it
    /// (<see cref="MinibatchTrainer.Options.Deskew"/>, with <see cref="MinibatchTrainer.Options.ImageWidth"/> 0 resolved
    /// to a square), or null when it does not deskew.</summary>
    public (int Height, int Width)? DeskewImageSize => Deskew is { } deskew ? (deskew.Height, deskew.Width) : null;

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
    /// (rows × <see cref="ClassCount"/>). A row with a NaN or infinite feature gets NaN probabilities.
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
        Scorer.ScorePooled(features, rows, scores);
        return rows;
    }

    /// <summary>Thread-safe prediction of one row: the key (1 … K) of the most probable class.</summary>
    /// <param name="features">The row's <see cref="InputSize"/> features.</param>
    /// <returns>The predicted key; 0 (ML.NET's missing key) when a feature is NaN or infinite, or the network's output
    /// overflows to NaN.</returns>
    public uint Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != InputSize)
            throw new ArgumentException($"features holds {features.Length} values, expected {InputSize}.", nameof(features));
        Span<float> scores = ClassCount <= 256 ? stackalloc float[ClassCount] : new float[ClassCount];
        Scorer.ScorePooled(features, 1, scores);
        return MlpScorer.PredictedKey(scores);
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new ScoreColumns(this, inputSchema).OutputSchema;
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ScoredDataView(input, new ScoreColumns(this, input.Schema));
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new ScoringRowMapper(new ScoreColumns(this, inputSchema));
    }

    /// <summary>
    /// Saves the network for <c>ml.Model.Save</c>, alone or inside a chain: as ML.NET's own components around an ONNX
    /// graph of the network (see the remarks on this type), with the history, options and a SHA-256 of the weights in
    /// the graph's metadata.
    /// </summary>
    /// <param name="ctx">ML.NET's save context.</param>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        // Everything that can fail is done before anything is written into the context.
        byte[] onnx = SavedNetwork.ToOnnx(this, OnnxLayout.Row);
        var temp = Directory.CreateTempSubdirectory("minibatch-onnx-");
        try
        {
            // ApplyOnnxModel copies the graph into the context's temporary folder and leaves it there.
            var ml = new MLContext(seed: 0) { TempFilePath = temp.FullName };
            var builder = new DataViewSchema.Builder();
            builder.AddColumn(FeatureColumnName, new VectorDataViewType(NumberDataViewType.Single, InputSize));
            var chain = OnnxScoringChain.Build(ml, onnx, builder.ToSchema(), FeatureColumnName, ClassCount, LabelKeyValues.Type, LabelKeyValues.Values);
            try
            {
                chain.Save(ctx);
            }
            finally
            {
                (chain as IDisposable)?.Dispose();
            }
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Loads the network from a model zip written by <c>ml.Model.Save</c> (of this transformer, or of a chain holding
    /// it: then the last one) as this type, with its <see cref="History"/> and <see cref="TrainingOptions"/>. Unlike
    /// ML.NET's own loader it checks every entry's CRC-32 and the weights' SHA-256.
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, not a model zip, or holds no network of this
    /// library; the message names the file and the problem.</exception>
    public static MinibatchTransformer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return ModelZip.ReadNetwork(stream, path);
    }

    /// <summary>As <see cref="Load(string)"/>, from a stream holding the zip.</summary>
    /// <param name="stream">A readable, seekable stream; left open.</param>
    /// <param name="name">Names the stream in error messages.</param>
    /// <returns>The transformer.</returns>
    public static MinibatchTransformer Load(Stream stream, string name = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ModelZip.ReadNetwork(stream, name);
    }

    /// <summary>
    /// Writes the network as a standalone ONNX model with a batch dimension (input: the feature column's name,
    /// float [N, F]; outputs <c>Score</c>, float [N, K] probabilities, and the arg-max <c>PredictedLabel.Index</c>,
    /// int64 [N, 1]), for ONNX Runtime, PyTorch or any other ONNX consumer. A row with a NaN or infinite feature has no
    /// prediction there: its scores are NaN and its arg-max is -1. The file is replaced only once complete.
    /// </summary>
    /// <param name="path">The .onnx file to write.</param>
    public void ExportOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, stream => stream.Write(SavedNetwork.ToOnnx(this, OnnxLayout.Batch)));
    }

    /// <summary>The label's key values (for PredictedLabel's KeyValues and Score's SlotNames).</summary>
    internal LabelKeyValues LabelKeyValues { get; }

    internal MlpScorer Scorer { get; }
}
