using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Training;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// Trains a multilayer perceptron (Linear, ReLU, …, Linear) for multiclass classification with minibatch SGD or
/// Adam, on a known-size <c>Vector&lt;Single&gt;</c> feature column and a <c>Key&lt;UInt32&gt;</c> label column.
/// Create it with <c>MulticlassClassification.Trainers.Minibatch(...)</c>.
/// </summary>
public sealed class MinibatchTrainer : IEstimator<MinibatchTransformer>
{
    private readonly IHost _host;
    private readonly Options _options;
    private readonly int _contextSeed;

    /// <summary>The trainer's options (ML.NET style: public fields with defaults).</summary>
    public sealed class Options
    {
        /// <summary>The feature column: a known-size vector of <see cref="float"/>.</summary>
        public string FeatureColumnName = "Features";

        /// <summary>The label column: a <c>Key&lt;UInt32&gt;</c>; rows whose key is 0 (missing) are skipped.</summary>
        public string LabelColumnName = "Label";

        /// <summary>The sizes of the hidden layers; empty gives multinomial logistic regression.</summary>
        public int[] HiddenLayers = { 50 };

        /// <summary>The probability with which dropout zeroes each hidden activation during training, in [0, 1); 0 (the
        /// default) adds no dropout. When not 0 the network is PyTorch's <c>nn.Sequential(Linear, ReLU, Dropout(p), Linear,
        /// …)</c>, keyed <c>0</c>, <c>3</c>, <c>6</c>, …; the masks come from the seeded generator, so runs stay
        /// reproducible, and scoring (evaluation mode) has no dropout.</summary>
        public float DropoutRate;

        /// <summary>Whether the network reads each feature vector deskewed: as an image (<see cref="ImageWidth"/> wide) of ink
        /// intensities ≥ 0, its ink's centroid moved to the centre and its slant sheared upright by its moments (the
        /// "deskewing" of LeCun's MNIST table). Training, scoring, the saved model's ONNX graph and
        /// <see cref="MinibatchTransformer.ExportOnnx"/> all apply it, so a loaded model takes the raw images.</summary>
        public bool Deskew;

        /// <summary>With <see cref="Deskew"/>: the width of the images the feature vectors hold, row by row; 0 (the default)
        /// means square images.</summary>
        public int ImageWidth;

        /// <summary>The number of rows per training batch.</summary>
        public int BatchSize = 64;

        /// <summary>The number of passes over the training rows (0 returns the initial network). <see langword="null"/>
        /// (the default) chooses it from the data: enough epochs for at least 3,000 training batches, at least 5 and at most
        /// 1,000 (MNIST's 50,000 rows in batches of 64: 5 epochs; 150 rows: 1,000). The model's
        /// <see cref="MinibatchTransformer.TrainingOptions"/> hold the number used.</summary>
        public int? NumberOfEpochs;

        /// <summary>How the trainer meets features that are not scaled; see <see cref="Minibatch.FeatureScaling"/>. With
        /// <see cref="FeatureScaling.Auto"/> (the default) features outside [-1, 1] without ML.NET's <c>IsNormalized</c>
        /// annotation are standardised with the training rows' mean and standard deviation, and the standardisation is
        /// folded into the first layer when training ends: the model reads raw features. The model's
        /// <see cref="MinibatchTransformer.TrainingOptions"/> say what was done (<see cref="FeatureScaling.None"/> or
        /// <see cref="FeatureScaling.Standardize"/>).</summary>
        public FeatureScaling FeatureScaling = FeatureScaling.Auto;

        /// <summary>The most memory, in bytes, the rows read from an <see cref="IDataView"/> may take as float32 (the
        /// training rows and the validation rows each); beyond it they are written once to a temporary file in
        /// <see cref="CacheDirectory"/> and trained on through a memory map — the same batches, the same model — and the
        /// file is deleted when <c>Fit</c> ends, fails or is cancelled. <see langword="null"/> (the default) allows half
        /// the memory available to the process; 0 always uses the file.</summary>
        public long? RowMemoryLimit;

        /// <summary>Where rows beyond <see cref="RowMemoryLimit"/> are written; <see langword="null"/> means the system's
        /// temporary directory.</summary>
        public string? CacheDirectory;

        /// <summary>A file to keep the training rows in, as float32, between fits; <see langword="null"/> (the default) keeps
        /// none. <c>Fit</c> writes the rows there (whatever <see cref="RowMemoryLimit"/> says) and trains through a memory
        /// map of it; a later fit reads its data view once, without writing, compares every row and label with the file's,
        /// and reuses the file when they are the same rows, else writes it anew. It is replaced only once complete, so an
        /// interrupted fit leaves the old file or none. A file that is not such a cache, or is damaged (cut short), is
        /// refused and left alone. Validation rows are not kept.</summary>
        public string? CacheFile;

        /// <summary>Whether to read the rows through the data view's cursor in every epoch instead of holding them in memory
        /// or in a file: for sources too large for both. Memory then holds <see cref="ShufflePoolSize"/> rows and a batch;
        /// one pass before training counts and checks the rows (<see cref="FeatureScaling.Auto"/> and
        /// <see cref="Deskew"/> add passes of their own), then each epoch is one pass. With
        /// <see cref="SamplerKind.Random"/> the rows come in a shuffle pool's order (ML.NET's <c>ShuffleRows</c>; see
        /// <see cref="Data.ShufflePoolSampler"/>), not in the permutation of the rows held in memory, so the model differs
        /// from the one the other paths train. The data view must give the same rows on every pass.</summary>
        public bool Streaming;

        /// <summary>With <see cref="Streaming"/> and <see cref="SamplerKind.Random"/>: the rows of the shuffle pool, at least
        /// 1 (1 keeps the source's order). The default is ML.NET's <c>ShuffleRows</c> default, 1,000; a larger pool mixes
        /// rows from further apart and holds more of them in memory.</summary>
        public int ShufflePoolSize = 1000;

        /// <summary>The learning rate.</summary>
        public float LearningRate = 0.5f;

        /// <summary>SGD momentum, in [0, 1).</summary>
        public float Momentum;

        /// <summary>Weight decay, passed unchanged as PyTorch's <c>weight_decay</c>, not negative: an L2 term added to the
        /// gradient for <see cref="OptimizerKind.Sgd"/> and <see cref="OptimizerKind.Adam"/>, the decoupled decay (weights
        /// scaled by 1 − lr·WeightDecay each step) for <see cref="OptimizerKind.AdamW"/>. The default 0 applies to every
        /// optimizer, AdamW included (PyTorch's AdamW defaults to 0.01; set it to get that).</summary>
        public float WeightDecay;

        /// <summary>How the learning rate changes during training; <see cref="LearningRateSchedule.Constant"/> keeps
        /// <see cref="LearningRate"/> throughout.</summary>
        public LearningRateSchedule LearningRateSchedule = LearningRateSchedule.Constant;

        /// <summary>One-cycle (<see cref="LearningRateSchedule.OneCycle"/>): the fraction of the batches spent warming the
        /// learning rate up (fast.ai's <c>pct_start</c>), in (0, 1).</summary>
        public float OneCyclePctStart = 0.25f;

        /// <summary>One-cycle: the first learning rate is <see cref="LearningRate"/> (lr_max) divided by this (fast.ai's
        /// <c>div</c>), ≥ 1.</summary>
        public float OneCycleDiv = 25f;

        /// <summary>One-cycle: the last learning rate is <see cref="LearningRate"/> divided by this (fast.ai's
        /// <c>div_final</c>), ≥ 1.</summary>
        public float OneCycleDivFinal = 1e5f;

        /// <summary>One-cycle: the momentum at the start, at the peak learning rate and at the end (fast.ai's <c>moms</c>),
        /// each in [0, 1). It replaces SGD's <see cref="Momentum"/> (when that is not 0: SGD without momentum keeps none)
        /// and Adam's and AdamW's β1.</summary>
        public float[] OneCycleMomentums = { 0.95f, 0.85f, 0.95f };

        /// <summary>The optimisation rule.</summary>
        public OptimizerKind Optimizer = OptimizerKind.Sgd;

        /// <summary>The order of the training rows in each epoch.</summary>
        public SamplerKind Sampler = SamplerKind.Random;

        /// <summary>Whether to drop the last, incomplete training batch of each epoch (kept when it is the only one).</summary>
        public bool DropLast;

        /// <summary>Rows to validate on after each epoch (same feature and label columns), or <see langword="null"/>.</summary>
        public IDataView? ValidationSet;

        /// <summary>The validation batch size; <see langword="null"/> means twice <see cref="BatchSize"/>.</summary>
        public int? ValidationBatchSize;

        /// <summary>Stop when the validation loss has not improved for this many epochs and keep the best weights;
        /// 0 turns early stopping off. Needs <see cref="ValidationSet"/>.</summary>
        public int EarlyStoppingPatience;

        /// <summary>The seed of initialisation and sampling. Seed s initialises and samples exactly as
        /// <c>torch.manual_seed(s)</c> followed by building the same <c>nn.Sequential</c> and <c>DataLoader</c>s.
        /// <see langword="null"/> draws one from the <see cref="MLContext"/> when the trainer is created: a seeded
        /// context gives the same models run after run, an unseeded one a random seed.</summary>
        public int? Seed;

        /// <summary>A state-dict file (TorchSharp format, e.g. from <c>minibatch export</c>) to start from instead of a
        /// random initialisation.</summary>
        public string? InitialWeightsPath;

        /// <summary>The learning-rate finder's sweep that <see cref="LearningRate"/> was chosen from
        /// (<see cref="FindLearningRate(IDataView, LearningRateFinderSettings?)"/>), or <see langword="null"/>. It changes
        /// nothing in training; it is saved with the model, and <c>minibatch report</c> draws it.</summary>
        public LearningRateFinderResult? LearningRateFinder;

        /// <summary>Called after every epoch with its metrics (they are also written to the <see cref="MLContext.Log"/>).</summary>
        public Action<EpochMetrics>? EpochCompleted;

        /// <summary>Where the batches are computed: <see cref="ManagedEngine.Instance"/> (the default) or another
        /// engine, such as Microsoft.ML.Minibatch.TorchSharp's.</summary>
        public TrainingEngine Engine = ManagedEngine.Instance;

        /// <summary>More callbacks for the fit loop (per batch and per epoch, e.g. a progress display), called after the
        /// trainer's own; not kept in the model.</summary>
        public IReadOnlyList<FitCallback>? Callbacks;

        /// <summary>Cancels training: <see cref="MinibatchTrainer.Fit(IDataView)"/> throws <see cref="OperationCanceledException"/>
        /// within one batch and returns nothing.</summary>
        public CancellationToken CancellationToken;

        internal Options Clone() => (Options)MemberwiseClone();
    }

    internal MinibatchTrainer(IHostEnvironment environment, Options options)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _host = environment.Register(nameof(MinibatchTrainer));
        _options = options;
        // Drawn once, as the trainer is made: a seeded MLContext gives the same sequence of trainers the same seeds,
        // and fitting one trainer twice gives the same model twice.
        _contextSeed = _host.Rand.Next();
        EngineWarmUp.Start(options);
    }

    /// <summary>Checks every option; throws <see cref="ArgumentOutOfRangeException"/> naming the option and its value.</summary>
    internal static void Validate(Options o)
    {
        if (string.IsNullOrEmpty(o.FeatureColumnName))
            throw new ArgumentOutOfRangeException(nameof(o.FeatureColumnName), o.FeatureColumnName, "FeatureColumnName must be a column name.");
        if (string.IsNullOrEmpty(o.LabelColumnName))
            throw new ArgumentOutOfRangeException(nameof(o.LabelColumnName), o.LabelColumnName, "LabelColumnName must be a column name.");
        if (o.HiddenLayers is null)
            throw new ArgumentOutOfRangeException(nameof(o.HiddenLayers), null, "HiddenLayers must not be null (use an empty array for no hidden layer).");
        for (int i = 0; i < o.HiddenLayers.Length; i++)
            if (o.HiddenLayers[i] <= 0)
                throw new ArgumentOutOfRangeException(nameof(o.HiddenLayers), o.HiddenLayers[i], $"HiddenLayers[{i}] must be positive.");
        if (!(o.DropoutRate >= 0 && o.DropoutRate < 1))
            throw new ArgumentOutOfRangeException(nameof(o.DropoutRate), o.DropoutRate, "DropoutRate must be in [0, 1).");
        if (o.ImageWidth < 0)
            throw new ArgumentOutOfRangeException(nameof(o.ImageWidth), o.ImageWidth, "ImageWidth must not be negative (0 means square images).");
        if (o.BatchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(o.BatchSize), o.BatchSize, "BatchSize must be positive.");
        if (o.NumberOfEpochs < 0)
            throw new ArgumentOutOfRangeException(nameof(o.NumberOfEpochs), o.NumberOfEpochs, "NumberOfEpochs must not be negative.");
        if (!(o.LearningRate > 0) || !float.IsFinite(o.LearningRate))
            throw new ArgumentOutOfRangeException(nameof(o.LearningRate), o.LearningRate, "LearningRate must be positive and finite.");
        if (!(o.Momentum >= 0 && o.Momentum < 1))
            throw new ArgumentOutOfRangeException(nameof(o.Momentum), o.Momentum, "Momentum must be in [0, 1).");
        if (!(o.WeightDecay >= 0) || !float.IsFinite(o.WeightDecay))
            throw new ArgumentOutOfRangeException(nameof(o.WeightDecay), o.WeightDecay, "WeightDecay must be finite and not negative.");
        if (!Enum.IsDefined(o.FeatureScaling))
            throw new ArgumentOutOfRangeException(nameof(o.FeatureScaling), o.FeatureScaling, "FeatureScaling must be Auto, None or Standardize.");
        if (!Enum.IsDefined(o.Optimizer))
            throw new ArgumentOutOfRangeException(nameof(o.Optimizer), o.Optimizer, "Optimizer must be Sgd, Adam or AdamW.");
        if (!Enum.IsDefined(o.LearningRateSchedule))
            throw new ArgumentOutOfRangeException(nameof(o.LearningRateSchedule), o.LearningRateSchedule, "LearningRateSchedule must be Constant, Cosine, Step or OneCycle.");
        if (!(o.OneCyclePctStart > 0 && o.OneCyclePctStart < 1))
            throw new ArgumentOutOfRangeException(nameof(o.OneCyclePctStart), o.OneCyclePctStart, "OneCyclePctStart must be in (0, 1).");
        if (!(o.OneCycleDiv >= 1) || !float.IsFinite(o.OneCycleDiv))
            throw new ArgumentOutOfRangeException(nameof(o.OneCycleDiv), o.OneCycleDiv, "OneCycleDiv must be finite and at least 1.");
        if (!(o.OneCycleDivFinal >= 1) || !float.IsFinite(o.OneCycleDivFinal))
            throw new ArgumentOutOfRangeException(nameof(o.OneCycleDivFinal), o.OneCycleDivFinal, "OneCycleDivFinal must be finite and at least 1.");
        if (o.OneCycleMomentums is not { Length: 3 } moms || !moms.All(m => m >= 0 && m < 1))
            throw new ArgumentOutOfRangeException(nameof(o.OneCycleMomentums), o.OneCycleMomentums is null ? null : string.Join(", ", o.OneCycleMomentums),
                "OneCycleMomentums must be three momentums (start, middle, end), each in [0, 1).");
        if (!Enum.IsDefined(o.Sampler))
            throw new ArgumentOutOfRangeException(nameof(o.Sampler), o.Sampler, "Sampler must be Random or Sequential.");
        if (o.ValidationBatchSize is <= 0)
            throw new ArgumentOutOfRangeException(nameof(o.ValidationBatchSize), o.ValidationBatchSize, "ValidationBatchSize must be positive.");
        if (o.RowMemoryLimit is < 0)
            throw new ArgumentOutOfRangeException(nameof(o.RowMemoryLimit), o.RowMemoryLimit, "RowMemoryLimit must not be negative (0 always writes the rows to a file).");
        if (o.CacheDirectory is { Length: 0 })
            throw new ArgumentOutOfRangeException(nameof(o.CacheDirectory), o.CacheDirectory, "CacheDirectory must be a directory path or null.");
        if (o.CacheFile is { Length: 0 })
            throw new ArgumentOutOfRangeException(nameof(o.CacheFile), o.CacheFile, "CacheFile must be a file path or null.");
        if (o.ShufflePoolSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(o.ShufflePoolSize), o.ShufflePoolSize, "ShufflePoolSize must be positive.");
        if (o.Streaming && o.CacheFile != null)
            throw new ArgumentOutOfRangeException(nameof(o.CacheFile), o.CacheFile, "Streaming reads the data view in every epoch and keeps no file: set Streaming or CacheFile, not both.");
        if (o.EarlyStoppingPatience < 0)
            throw new ArgumentOutOfRangeException(nameof(o.EarlyStoppingPatience), o.EarlyStoppingPatience, "EarlyStoppingPatience must not be negative.");
        if (o.EarlyStoppingPatience > 0 && o.ValidationSet is null)
            throw new ArgumentOutOfRangeException(nameof(o.EarlyStoppingPatience), o.EarlyStoppingPatience, "EarlyStoppingPatience needs a ValidationSet.");
        if (o.Engine is null)
            throw new ArgumentOutOfRangeException(nameof(o.Engine), null, "Engine must be a training engine (ManagedEngine.Instance by default).");
        if (o.InitialWeightsPath is { Length: 0 })
            throw new ArgumentOutOfRangeException(nameof(o.InitialWeightsPath), o.InitialWeightsPath, "InitialWeightsPath must be a file path or null.");
        if (o.LearningRateFinder is { } finder && (finder.LearningRates is null || finder.Losses is null || finder.LearningRates.Count != finder.Losses.Count))
            throw new ArgumentOutOfRangeException(nameof(o.LearningRateFinder), finder, "LearningRateFinder must hold one smoothed loss per learning rate.");
    }

    /// <summary>The deskewing <paramref name="o"/> asks for on rows of <paramref name="featureCount"/> features, or null;
    /// throws <see cref="ArgumentOutOfRangeException"/> naming <see cref="Options.ImageWidth"/> when they are not such images.</summary>
    internal static ImageDeskew? DeskewOf(Options o, int featureCount)
    {
        if (!o.Deskew) return null;
        return ImageDeskew.For(featureCount, o.ImageWidth, out string? problem)
            ?? throw new ArgumentOutOfRangeException(nameof(o.ImageWidth), o.ImageWidth, $"Deskew: {problem}.");
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaChecks.CheckShape(inputSchema, _options.LabelColumnName, _options.FeatureColumnName);
        // SchemaShape.Column has no public constructor. The columns we add are exactly those ML.NET's own multiclass
        // trainers declare for the same label and features (Score with its annotations and slot names, PredictedLabel
        // with the label's key values), so one of them describes our output.
        return new MLContext(seed: 0).MulticlassClassification.Trainers
            .LbfgsMaximumEntropy(_options.LabelColumnName, _options.FeatureColumnName)
            .GetOutputSchema(inputSchema);
    }

    /// <summary>The double a user means by a float option: 0.1f becomes 0.1 (its shortest decimal form), as PyTorch's
    /// Python float would be, not 0.100000001490116.</summary>
    private static double AsDouble(float value) => double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>The one-cycle parameters of the options, as the doubles the user means.</summary>
    private static OneCyclePolicy OneCycle(Options o) => new(AsDouble(o.OneCyclePctStart), AsDouble(o.OneCycleDiv),
        AsDouble(o.OneCycleDivFinal), AsDouble(o.OneCycleMomentums[0]), AsDouble(o.OneCycleMomentums[1]), AsDouble(o.OneCycleMomentums[2]));

    /// <summary>Trains the network on <paramref name="input"/>; see <see cref="Options"/>.</summary>
    /// <param name="input">The training rows.</param>
    /// <returns>The trained transformer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option or the input schema is invalid.</exception>
    /// <exception cref="ArgumentException">A row has a features vector of the wrong size or a non-finite value.</exception>
    /// <exception cref="InvalidOperationException">There are no labelled rows, or training diverged.</exception>
    /// <exception cref="OperationCanceledException">The options' token was cancelled.</exception>
    public MinibatchTransformer Fit(IDataView input)
    {
        using var rows = Prepare(input);
        return Train(rows);
    }

    /// <summary>
    /// fast.ai's learning-rate finder (<c>lr_find</c>) on this trainer's network and options: the initial network of
    /// <see cref="Fit(IDataView)"/> (same seed, architecture, optimizer, momentum, weight decay, dropout) trained batch
    /// after batch at exponentially growing rates; see <see cref="LearningRateFinder"/>. Nothing is kept: the weights are
    /// restored and the network discarded. The options' learning rate and schedule are not used.
    /// </summary>
    /// <param name="input">The training rows.</param>
    /// <param name="settings">The sweep; fast.ai's defaults (1e-7 to 10 over up to 100 batches) when null.</param>
    /// <returns>The rates, smoothed losses and the suggested rate.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option, a setting or the input schema is invalid.</exception>
    public LearningRateFinderResult FindLearningRate(IDataView input, LearningRateFinderSettings? settings = null)
    {
        (settings ??= new LearningRateFinderSettings()).Validate();
        using var rows = Prepare(input);
        return Sweep(rows, settings);
    }

    /// <summary><see cref="FindLearningRate(IDataView, LearningRateFinderSettings?)"/> on the engine room's datasets, as
    /// <see cref="Fit(Dataset, Dataset?, IReadOnlyList{string})"/> takes them.</summary>
    /// <param name="train">The training rows.</param>
    /// <param name="classNames">One name per class (K = their count).</param>
    /// <param name="settings">The sweep; fast.ai's defaults when null.</param>
    /// <returns>The rates, smoothed losses and the suggested rate.</returns>
    public LearningRateFinderResult FindLearningRate(Dataset train, IReadOnlyList<string> classNames, LearningRateFinderSettings? settings = null)
    {
        (settings ??= new LearningRateFinderSettings()).Validate();
        return Sweep(Prepare(train, null, classNames), settings);
    }

    /// <summary>The checked options and rows both <c>Fit</c>s and both finders start from.</summary>
    /// <remarks>MarkedNormalized: whether the feature column carries ML.NET's IsNormalized annotation; Owners: what
    /// holds rows read from an IDataView (memory-mapped files among them), released when the fit is done; Streamed:
    /// whether the rows are read through the data view's cursor in every epoch.</remarks>
    private sealed record PreparedRows(Options Options, Dataset Train, Dataset? Valid, int Dimension, int Classes, LabelKeyValues KeyValues,
        bool MarkedNormalized = false, IReadOnlyList<IDisposable>? Owners = null, bool Streamed = false) : IDisposable
    {
        /// <summary>The shuffle pool of the random sampler: for streamed rows only.</summary>
        public int? ShufflePool => Streamed ? Options.ShufflePoolSize : null;

        public void Dispose()
        {
            foreach (var owner in Owners ?? []) owner.Dispose();
        }
    }

    /// <summary>The labelled rows of <paramref name="data"/> as a dataset, and what holds them: with
    /// <see cref="Options.Streaming"/> the data view itself, read anew in every epoch; with <see cref="Options.CacheFile"/>
    /// (training rows) the kept file; an IDX file straight from <c>LoadIdx</c> is gathered from its mapping as it is,
    /// with no copy; any other view is read once into a <see cref="RowBuffer"/>.</summary>
    private static (Dataset Rows, IDisposable? Owner) ReadRows(IDataView data, Options o, int dimension, int classes, string what,
        bool training, IChannel channel)
    {
        if (o.Streaming)
        {
            // The pool, and a batch for the rows a dropped last batch leaves behind; validation reads in order and holds none.
            int held = training && o.Sampler == SamplerKind.Random ? o.ShufflePoolSize + o.BatchSize : 0;
            var streamed = new StreamedRows(data, o.FeatureColumnName, o.LabelColumnName, dimension, classes, what, held, o.CancellationToken);
            return (streamed, streamed);
        }
        if (training && o.CacheFile != null)
        {
            var kept = RowCacheFile.Open(o.CacheFile, data, o.FeatureColumnName, o.LabelColumnName, dimension, classes, channel, o.CancellationToken);
            return (kept, kept);
        }
        if (data is IdxDataView idx) return (idx.OpenRows(out var mapping), mapping);
        var buffer = RowBuffer.Read(data, o.FeatureColumnName, o.LabelColumnName, dimension, classes, what, RowMemoryLimitOf(o),
            o.CacheDirectory ?? Path.GetTempPath(), message => channel.Info(MessageSensitivity.None, message), o.CancellationToken);
        try
        {
            return (buffer.ToDataset(), buffer);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>The memory the rows of one data view may take before they go to a file: the option, else half of what
    /// the process may use (the GC's view of the machine or container).</summary>
    private static long RowMemoryLimitOf(Options o) => o.RowMemoryLimit ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;

    private PreparedRows Prepare(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = _options.Clone();
        Validate(o);
        // The model keeps these options; a later change to the caller's array must not change it.
        o.HiddenLayers = (int[])o.HiddenLayers.Clone();
        o.OneCycleMomentums = (float[])o.OneCycleMomentums.Clone();
        var (label, dimension, classes) = SchemaChecks.CheckTrainingSchema(input.Schema, o.LabelColumnName, o.FeatureColumnName, "inputSchema");
        var keyValues = LabelKeyValues.Of(label);
        var token = o.CancellationToken;
        token.ThrowIfCancellationRequested();

        if (o.ValidationSet != null)
        {
            var (_, vDimension, vClasses) = SchemaChecks.CheckTrainingSchema(o.ValidationSet.Schema, o.LabelColumnName, o.FeatureColumnName, nameof(o.ValidationSet));
            if (vDimension != dimension)
                throw new ArgumentOutOfRangeException(nameof(o.ValidationSet), vDimension,
                    $"The validation set's feature column '{o.FeatureColumnName}' has {vDimension} slots, the training set's {dimension}.");
            if (vClasses != classes)
                throw new ArgumentOutOfRangeException(nameof(o.ValidationSet), vClasses,
                    $"The validation set's label column '{o.LabelColumnName}' has {vClasses} key values, the training set's {classes}.");
        }
        var owners = new List<IDisposable>();
        try
        {
            using var channel = _host.Start("Reading rows");
            var (train, trainOwner) = ReadRows(input, o, dimension, classes, "training data", training: true, channel);
            if (trainOwner != null) owners.Add(trainOwner);
            if (train.Count == 0)
                throw new InvalidOperationException("Training set has 0 instances with a label, aborting training.");
            Dataset? valid = null;
            if (o.ValidationSet != null)
            {
                (valid, var validOwner) = ReadRows(o.ValidationSet, o, dimension, classes, "validation set", training: false, channel);
                if (validOwner != null) owners.Add(validOwner);
                if (valid.Count == 0) throw EmptyValidationSet(nameof(o.ValidationSet));
            }
            return new PreparedRows(o, train, valid, dimension, classes, keyValues, IsMarkedNormalized(input.Schema[o.FeatureColumnName]), owners,
                Streamed: o.Streaming);
        }
        catch
        {
            foreach (var owner in owners) owner.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains on the engine room's datasets directly (e.g. MNIST kept as bytes in a <see cref="ByteImageDataset"/>),
    /// through the same engine, loaders, callbacks and checks as <see cref="Fit(IDataView)"/>; the feature and label
    /// column options do not apply, and <see cref="Options.ValidationSet"/> must be unset (pass
    /// <paramref name="valid"/> instead).
    /// </summary>
    /// <param name="train">The training rows.</param>
    /// <param name="valid">Rows to validate on after each epoch, or <see langword="null"/>.</param>
    /// <param name="classNames">One name per class (K = their count); they become the key values of PredictedLabel.</param>
    /// <returns>The trained transformer, reading a <c>Features</c> column.</returns>
    /// <exception cref="ArgumentException">The sets are empty or disagree in width, a label is outside 0 … K−1, or a
    /// feature is not finite.</exception>
    public MinibatchTransformer Fit(Dataset train, Dataset? valid, IReadOnlyList<string> classNames)
    {
        return Train(Prepare(train, valid, classNames));
    }

    private PreparedRows Prepare(Dataset train, Dataset? valid, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(classNames);
        var o = _options.Clone();
        Validate(o);
        o.HiddenLayers = (int[])o.HiddenLayers.Clone();
        o.OneCycleMomentums = (float[])o.OneCycleMomentums.Clone();
        if (o.ValidationSet != null)
            throw new ArgumentException("Pass the validation rows as the valid argument, not as Options.ValidationSet.", nameof(valid));
        if (classNames.Count is 0 or > 1 << 20)
            throw new ArgumentOutOfRangeException(nameof(classNames), classNames.Count, "There must be between 1 and 1048576 class names.");
        if (train.Count == 0)
            throw new InvalidOperationException("Training set has 0 instances with a label, aborting training.");
        if (valid is { Count: 0 }) throw EmptyValidationSet(nameof(valid));
        if (valid != null && valid.FeatureCount != train.FeatureCount)
            throw new ArgumentException($"The validation set has {valid.FeatureCount} features per row, the training set {train.FeatureCount}.", nameof(valid));
        CheckRows(train, classNames.Count, "training set", nameof(train), o.CancellationToken);
        if (valid != null) CheckRows(valid, classNames.Count, "validation set", nameof(valid), o.CancellationToken);
        var names = classNames.Select(n => (n ?? "").AsMemory()).ToArray();
        var keyValues = new LabelKeyValues(new VectorDataViewType(TextDataViewType.Instance, names.Length),
            new VBuffer<ReadOnlyMemory<char>>(names.Length, names));
        o.FeatureColumnName = "Features";
        return new PreparedRows(o, train, valid, train.FeatureCount, names.Length, keyValues);
    }

    /// <summary>Whether ML.NET's normalizers marked <paramref name="features"/> as normalised (annotation IsNormalized = true).</summary>
    private static bool IsMarkedNormalized(DataViewSchema.Column features)
    {
        if (features.Annotations.Schema.GetColumnOrNull(AnnotationNames.IsNormalized) is not { Type: BooleanDataViewType } column) return false;
        bool marked = false;
        features.Annotations.GetValue(column.Name, ref marked);
        return marked;
    }

    // Metrics of no rows are NaN: an empty validation set would report them as if it had been measured.
    private static ArgumentException EmptyValidationSet(string paramName) =>
        new("The validation set has 0 rows with a label; give it rows or leave it out.", paramName);

    /// <summary>Checks every label and feature of a dataset once, before any training.</summary>
    private static void CheckRows(Dataset data, int classes, string what, string paramName, CancellationToken token) =>
        RowScan.Run(data, token, (start, n, features, labels) =>
        {
            int width = data.FeatureCount;
            for (int i = 0; i < n; i++)
            {
                if ((uint)labels[i] >= (uint)classes)
                    throw new ArgumentException($"Row {start + i} of the {what}: label {labels[i]} is outside 0..{classes - 1}.", paramName);
                int bad = System.Numerics.Tensors.TensorPrimitives.IndexOfMaxMagnitude<float>(features.AsSpan(i * width, width));
                if (bad >= 0 && !float.IsFinite(features[i * width + bad]))
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"Row {start + i} of the {what}: feature {bad} is {features[i * width + bad]}; features must be finite."), paramName);
            }
        });

    /// <summary>The rows as the network reads them: deskewed when the options say so, after checking that every feature is
    /// an ink intensity (not negative).</summary>
    private static Dataset Deskewed(Options o, Dataset data, string what, string paramName)
    {
        if (DeskewOf(o, data.FeatureCount) is not { } deskew) return data;
        int width = data.FeatureCount;
        RowScan.Run(data, o.CancellationToken, (start, n, features, _) =>
        {
            int bad = features.AsSpan(0, n * width).IndexOfAnyInRange(float.NegativeInfinity, -float.Epsilon);
            if (bad >= 0)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Row {start + bad / width} of the {what}: feature {bad % width} is {features[bad]}; Deskew needs ink intensities, not negative values (deskew before normalizing to a mean of 0)."), paramName);
        });
        return new DeskewedDataset(data, deskew);
    }

    /// <summary>The training (and validation) rows as the network reads them — deskewed, then standardised when the
    /// options ask for it — and the standardisation, or null.</summary>
    private static (Dataset Train, Dataset? Valid, FeatureStandardization? Scaling) NetworkInputs(PreparedRows rows)
    {
        var o = rows.Options;
        var train = Deskewed(o, rows.Train, "training set", "train");
        var valid = rows.Valid is null ? null : Deskewed(o, rows.Valid, "validation set", "valid");
        var scaling = FeatureStandardization.Choose(o.FeatureScaling, train, rows.MarkedNormalized, o.CancellationToken);
        return scaling is null ? (train, valid, null) : (scaling.Apply(train), valid is null ? null : scaling.Apply(valid), scaling);
    }

    /// <summary>The network the options start from: seeded initialisation, or the initial weights file (read as taking
    /// raw features, so moved onto the standardised ones when training standardises).</summary>
    private static Sequential InitialNetwork(Options o, PreparedRows rows, Generator generator, FeatureStandardization? scaling)
    {
        var model = MinibatchNetwork.Create(rows.Dimension, o.HiddenLayers, rows.Classes, generator, AsDouble(o.DropoutRate));
        if (o.InitialWeightsPath != null)
        {
            StateDictFile.Load(model, o.InitialWeightsPath);
            scaling?.UnfoldFrom((Linear)model[0]);
        }
        return model;
    }

    /// <summary>The number of epochs <see cref="Options.NumberOfEpochs"/> asks for; when null, enough for 3,000 batches,
    /// at least 5 and at most 1,000.</summary>
    internal static int EpochsFor(Options o, int rows)
    {
        if (o.NumberOfEpochs is int given) return given;
        bool dropLast = o.DropLast && rows >= o.BatchSize;
        long batches = Math.Max(1, dropLast ? rows / o.BatchSize : (rows + o.BatchSize - 1L) / o.BatchSize);
        return (int)Math.Clamp((3000 + batches - 1) / batches, 5, 1000);
    }

    /// <summary>What both finders share once the rows are checked: the initial network of <see cref="Train"/>, its engine
    /// step at the sweep's first rate and the training loader, then the sweep.</summary>
    private LearningRateFinderResult Sweep(PreparedRows rows, LearningRateFinderSettings settings)
    {
        var o = rows.Options;
        var (train, _, scaling) = NetworkInputs(rows with { Valid = null });
        int seed = o.Seed ?? _contextSeed;
        var generator = new Generator(unchecked((ulong)(long)seed));
        var model = InitialNetwork(o, rows, generator, scaling);
        using var step = o.Engine.CreateStep(model, new OptimizerSettings(o.Optimizer, settings.StartLearningRate,
            o.Optimizer == OptimizerKind.Sgd ? AsDouble(o.Momentum) : 0, AsDouble(o.WeightDecay)));
        var sampler = MinibatchFitLoop.TrainingSampler(o.Sampler, rows.ShufflePool, train, generator);
        bool dropLast = o.DropLast && train.Count >= o.BatchSize;
        var loader = new DataLoader(train, o.BatchSize, sampler: sampler, dropLast: dropLast, generator: generator);
        return LearningRateFinder.Run(step, loader, settings, o.CancellationToken);
    }

    /// <summary>What both <c>Fit</c>s share once the rows are checked: initialise, train on the engine, check the result,
    /// fold the scaling into the first layer, wrap.</summary>
    private MinibatchTransformer Train(PreparedRows rows)
    {
        var o = rows.Options;
        var (train, valid, scaling) = NetworkInputs(rows);
        var token = o.CancellationToken;
        // Options.Seed = s means torch.manual_seed(s): the same initial weights and sampling order as the PyTorch
        // program, which is what users compare against. Without it the seed comes from the MLContext.
        int seed = o.Seed ?? _contextSeed;
        o.Seed = seed;
        o.NumberOfEpochs = EpochsFor(o, train.Count);
        o.FeatureScaling = scaling is null ? FeatureScaling.None : FeatureScaling.Standardize;
        var generator = new Generator(unchecked((ulong)(long)seed));
        var model = InitialNetwork(o, rows, generator, scaling);

        using var step = o.Engine.CreateStep(model, new OptimizerSettings(o.Optimizer, AsDouble(o.LearningRate),
            o.Optimizer == OptimizerKind.Sgd ? AsDouble(o.Momentum) : 0, AsDouble(o.WeightDecay)));
        var userCallback = o.EpochCompleted;
        using var channel = _host.Start("Training");
        var settings = new MinibatchFitLoop.Settings(o.BatchSize, o.ValidationBatchSize ?? 2 * o.BatchSize, o.NumberOfEpochs.Value,
            o.Sampler, rows.ShufflePool, o.DropLast, o.EarlyStoppingPatience, generator, o.LearningRateSchedule, OneCycle(o), m =>
            {
                channel.Info(MessageSensitivity.None, m.ToString());
                userCallback?.Invoke(m);
            }, o.Callbacks ?? [], token);
        IReadOnlyList<EpochMetrics> history;
        try
        {
            history = MinibatchFitLoop.Run(step, train, valid, settings);
        }
        catch (TrainingDivergedException e)
        {
            // The same report, in ML.NET's exception type for a failed training; no model leaves this method.
            throw new InvalidOperationException(e.Message, e);
        }
        if (!MinibatchNetwork.AllFinite(model))
            throw new InvalidOperationException("Training produced non-finite weights. Try a smaller learning rate.");
        var warnings = new List<string>();
        if (TrainingCollapse.Check(model, train, history, o, scaling != null, token) is { } warning)
        {
            channel.Warning(MessageSensitivity.None, warning);
            warnings.Add(warning);
        }
        scaling?.FoldInto((Linear)model[0]);
        o.ValidationSet = null;
        o.EpochCompleted = null;
        o.Callbacks = null;
        o.CancellationToken = default;
        return new MinibatchTransformer(model, rows.Dimension, rows.Classes, rows.KeyValues, o, history) { TrainingWarnings = warnings };
    }
}
