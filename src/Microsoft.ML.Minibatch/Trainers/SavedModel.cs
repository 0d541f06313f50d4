using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Training;

namespace Microsoft.ML.Minibatch;

/// <summary>What a saved <see cref="MinibatchTransformer"/> keeps besides its weights, as JSON in the ONNX model's
/// <c>metadata_props</c>: the architecture, the training options, the label's key values, the history and the
/// SHA-256 of the weights (so that a changed weight is detected, not loaded).</summary>
internal sealed class SavedModel
{
    /// <summary>The metadata key under which the JSON is stored.</summary>
    public const string MetadataKey = "minibatch.model";

    /// <summary>The version of this layout; a loader refuses a newer one. Format 2 added deskewing (a model that deskews
    /// was written as format 2, any other as format 1). Format 3, written for every model now, marks the ONNX graph that
    /// gives a row with a NaN or infinite feature no prediction (<see cref="Onnx.OnnxMlp.NoPrediction"/>): a version
    /// reading only formats 1 and 2 rebuilds the graph without it, so it must refuse such a file by its format rather
    /// than call it damaged. Files of formats 1 and 2 still load, and their graphs are rebuilt as they were written.</summary>
    public const int CurrentFormat = 3;

    /// <summary>The first format whose graph has the no-prediction guard.</summary>
    public const int GuardedFormat = 3;

    /// <summary>How the JSON is written and read: enums by name; a missing validation loss (NaN) as "NaN".</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public int Format { get; set; }
    public string WeightsSha256 { get; set; } = "";
    public string FeatureColumnName { get; set; } = "";
    public string LabelColumnName { get; set; } = "";
    public int InputSize { get; set; }
    public int ClassCount { get; set; }
    public int[] HiddenLayers { get; set; } = Array.Empty<int>();
    public float DropoutRate { get; set; }
    /// <summary>Deskewing (format 2); left out when off, so a model without it is the same file as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Deskew { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int ImageWidth { get; set; }
    public int BatchSize { get; set; }
    public int NumberOfEpochs { get; set; }
    /// <summary>Whether training standardised the features (folded into the first layer); left out when it did not.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FeatureScaling? FeatureScaling { get; set; }
    public float LearningRate { get; set; }
    public float Momentum { get; set; }
    public float WeightDecay { get; set; }
    public LearningRateSchedule LearningRateSchedule { get; set; }
    public OptimizerKind Optimizer { get; set; }
    /// <summary>The one-cycle parameters (absent in files written before one-cycle existed: the defaults).</summary>
    public float? OneCyclePctStart { get; set; }
    public float? OneCycleDiv { get; set; }
    public float? OneCycleDivFinal { get; set; }
    public float[]? OneCycleMomentums { get; set; }
    public SamplerKind Sampler { get; set; }
    public bool DropLast { get; set; }
    public int? ValidationBatchSize { get; set; }
    public int EarlyStoppingPatience { get; set; }
    public int? Seed { get; set; }
    public string? InitialWeightsPath { get; set; }
    public string? KeyValuesType { get; set; }
    public JsonArray? KeyValues { get; set; }
    public List<SavedEpoch> History { get; set; } = new();
    public SavedFinder? LearningRateFinder { get; set; }

    internal sealed class SavedFinder
    {
        public double[] LearningRates { get; set; } = [];
        public double[] Losses { get; set; } = [];
        public double? SuggestedLearningRate { get; set; }
        public bool Diverged { get; set; }
    }

    internal sealed class SavedEpoch
    {
        public int Epoch { get; set; }
        public double TrainLoss { get; set; }
        public double ValidLoss { get; set; }
        public double ValidAccuracy { get; set; }
        public double Seconds { get; set; }
        public double TrainSeconds { get; set; }
        public double LearningRate { get; set; }
    }

    /// <summary>The description of <paramref name="model"/> trained with <paramref name="o"/>, as format
    /// <paramref name="format"/> (<see cref="CurrentFormat"/> when null; an older one only to rewrite an older file).</summary>
    public static SavedModel From(MinibatchTransformer model, MinibatchTrainer.Options o, int? format = null)
    {
        var keyValues = KeyValuesJson.Write(model.LabelKeyValues);
        return new SavedModel
        {
            Format = format ?? CurrentFormat,
            WeightsSha256 = WeightsHash(model.Model),
            FeatureColumnName = o.FeatureColumnName,
            LabelColumnName = o.LabelColumnName,
            InputSize = model.InputSize,
            ClassCount = model.ClassCount,
            HiddenLayers = o.HiddenLayers,
            DropoutRate = o.DropoutRate,
            Deskew = o.Deskew,
            ImageWidth = o.ImageWidth,
            BatchSize = o.BatchSize,
            NumberOfEpochs = o.NumberOfEpochs ?? 0,
            FeatureScaling = o.FeatureScaling == Minibatch.FeatureScaling.Standardize ? Minibatch.FeatureScaling.Standardize : null,
            LearningRate = o.LearningRate,
            Momentum = o.Momentum,
            WeightDecay = o.WeightDecay,
            LearningRateSchedule = o.LearningRateSchedule,
            Optimizer = o.Optimizer,
            OneCyclePctStart = o.OneCyclePctStart,
            OneCycleDiv = o.OneCycleDiv,
            OneCycleDivFinal = o.OneCycleDivFinal,
            OneCycleMomentums = o.OneCycleMomentums,
            Sampler = o.Sampler,
            DropLast = o.DropLast,
            ValidationBatchSize = o.ValidationBatchSize,
            EarlyStoppingPatience = o.EarlyStoppingPatience,
            Seed = o.Seed,
            InitialWeightsPath = o.InitialWeightsPath,
            KeyValuesType = keyValues?.Type,
            KeyValues = keyValues?.Values,
            History = model.History.Select(m => new SavedEpoch
            {
                Epoch = m.Epoch,
                TrainLoss = m.TrainLoss,
                ValidLoss = m.ValidLoss,
                ValidAccuracy = m.ValidAccuracy,
                Seconds = m.Seconds,
                TrainSeconds = m.TrainSeconds,
                LearningRate = m.LearningRate,
            }).ToList(),
            LearningRateFinder = o.LearningRateFinder is { } finder ? new SavedFinder
            {
                LearningRates = finder.LearningRates.ToArray(),
                Losses = finder.Losses.ToArray(),
                SuggestedLearningRate = finder.SuggestedLearningRate,
                Diverged = finder.Diverged,
            } : null,
        };
    }

    /// <summary>The SHA-256 (hex) of the network's state dict in TorchSharp's format, the one serialisation of the
    /// weights this library defines.</summary>
    public static string WeightsHash(Module model)
    {
        using var bytes = new MemoryStream();
        StateDictFile.Save(model, bytes);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.GetBuffer().AsSpan(0, (int)bytes.Length)));
    }

    public MinibatchTrainer.Options ToOptions() => new()
    {
        FeatureColumnName = FeatureColumnName,
        LabelColumnName = LabelColumnName,
        HiddenLayers = HiddenLayers,
        DropoutRate = DropoutRate,
        Deskew = Deskew,
        ImageWidth = ImageWidth,
        BatchSize = BatchSize,
        NumberOfEpochs = NumberOfEpochs,
        FeatureScaling = FeatureScaling ?? Minibatch.FeatureScaling.None,
        LearningRate = LearningRate,
        Momentum = Momentum,
        WeightDecay = WeightDecay,
        LearningRateSchedule = LearningRateSchedule,
        Optimizer = Optimizer,
        OneCyclePctStart = OneCyclePctStart ?? 0.25f,
        OneCycleDiv = OneCycleDiv ?? 25f,
        OneCycleDivFinal = OneCycleDivFinal ?? 1e5f,
        OneCycleMomentums = OneCycleMomentums ?? [0.95f, 0.85f, 0.95f],
        Sampler = Sampler,
        DropLast = DropLast,
        ValidationBatchSize = ValidationBatchSize,
        EarlyStoppingPatience = EarlyStoppingPatience,
        Seed = Seed,
        InitialWeightsPath = InitialWeightsPath,
        LearningRateFinder = LearningRateFinder is { } finder
            ? new LearningRateFinderResult(finder.LearningRates, finder.Losses, finder.SuggestedLearningRate, finder.Diverged)
            : null,
    };

    public List<EpochMetrics> ToHistory() => History.Select(e => new EpochMetrics(Math.Max(0, e.Epoch), e.TrainLoss,
        e.ValidLoss, e.ValidAccuracy, e.Seconds, e.TrainSeconds, e.LearningRate)).ToList();
}
