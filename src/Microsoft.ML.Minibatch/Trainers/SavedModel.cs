using System.Text.Json.Nodes;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>What <see cref="MinibatchTransformer"/> writes into the model manifest as its options: the architecture,
/// the training options, the label's key values and the history. The weights go into <see cref="WeightsEntry"/>.</summary>
internal sealed class SavedModel
{
    public const string WeightsEntry = "weights.bin";

    public string FeatureColumnName { get; set; } = "";
    public string LabelColumnName { get; set; } = "";
    public int InputSize { get; set; }
    public int ClassCount { get; set; }
    public int[] HiddenLayers { get; set; } = Array.Empty<int>();
    public int BatchSize { get; set; }
    public int NumberOfEpochs { get; set; }
    public float LearningRate { get; set; }
    public float Momentum { get; set; }
    public float WeightDecay { get; set; }
    public LearningRateSchedule LearningRateSchedule { get; set; }
    public OptimizerKind Optimizer { get; set; }
    public SamplerKind Sampler { get; set; }
    public bool DropLast { get; set; }
    public int? ValidationBatchSize { get; set; }
    public int EarlyStoppingPatience { get; set; }
    public int? Seed { get; set; }
    public string? InitialWeightsPath { get; set; }
    public JsonNode? KeyValuesType { get; set; }
    public JsonNode? KeyValues { get; set; }
    public List<SavedEpoch> History { get; set; } = new();

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

    public static SavedModel From(MinibatchTransformer model, MinibatchTransformer.LabelInfo label, MinibatchTrainer.Options o) => new()
    {
        FeatureColumnName = o.FeatureColumnName,
        LabelColumnName = o.LabelColumnName,
        InputSize = model.InputSize,
        ClassCount = model.ClassCount,
        HiddenLayers = o.HiddenLayers,
        BatchSize = o.BatchSize,
        NumberOfEpochs = o.NumberOfEpochs,
        LearningRate = o.LearningRate,
        Momentum = o.Momentum,
        WeightDecay = o.WeightDecay,
        LearningRateSchedule = o.LearningRateSchedule,
        Optimizer = o.Optimizer,
        Sampler = o.Sampler,
        DropLast = o.DropLast,
        ValidationBatchSize = o.ValidationBatchSize,
        EarlyStoppingPatience = o.EarlyStoppingPatience,
        Seed = o.Seed,
        InitialWeightsPath = o.InitialWeightsPath,
        KeyValuesType = label.KeyValuesType == null ? null : ModelJson.WriteType(label.KeyValuesType),
        KeyValues = label.KeyValuesType == null || label.KeyValues == null ? null : ModelJson.WriteValue(label.KeyValuesType, label.KeyValues),
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
    };

    public MinibatchTrainer.Options ToOptions() => new()
    {
        FeatureColumnName = FeatureColumnName,
        LabelColumnName = LabelColumnName,
        HiddenLayers = HiddenLayers,
        BatchSize = BatchSize,
        NumberOfEpochs = NumberOfEpochs,
        LearningRate = LearningRate,
        Momentum = Momentum,
        WeightDecay = WeightDecay,
        LearningRateSchedule = LearningRateSchedule,
        Optimizer = Optimizer,
        Sampler = Sampler,
        DropLast = DropLast,
        ValidationBatchSize = ValidationBatchSize,
        EarlyStoppingPatience = EarlyStoppingPatience,
        Seed = Seed,
        InitialWeightsPath = InitialWeightsPath,
    };

    public List<EpochMetrics> ToHistory() => History.Select(e => new EpochMetrics(Math.Max(0, e.Epoch), e.TrainLoss,
        e.ValidLoss, e.ValidAccuracy, e.Seconds, e.TrainSeconds, e.LearningRate)).ToList();
}
