namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>One trainer of the tabular table: its name and how to make it on a context (on "Label" and "Features").</summary>
/// <param name="Name">What the table calls it.</param>
/// <param name="Create">Makes the trainer; called once per context.</param>
internal sealed record TabularContender(string Name, Func<MLContext, IEstimator<ITransformer>> Create)
{
    /// <summary>Our trainer at its defaults, exactly as a user swaps it in.</summary>
    public static TabularContender OursDefaults { get; } = new("Minibatch (defaults)",
        ml => ml.MulticlassClassification.Trainers.Minibatch(labelColumnName: "Label", featureColumnName: "Features"));

    /// <summary>
    /// One setting for every data set, chosen with <c>tabular-compare --sweep</c> on the sources before feature scaling
    /// and data-sized epochs: of the <see cref="SweepCandidates"/>, the one with the best mean accuracy on every data set
    /// in both pipelines but iris with min-max features. With those defaults it is no better than them (TabularResults.md).
    /// </summary>
    public static TabularContender OursRecommended { get; } =
        Ours("Minibatch (recommended: Adam 1e-3, 200 epochs, hidden 100, batch 32)", OptimizerKind.Adam, 1e-3f, epochs: 200, hidden: 100, batch: 32);

    /// <summary>ML.NET's own trainers, each at its defaults.</summary>
    public static IReadOnlyList<TabularContender> MlNet { get; } =
    [
        new("LbfgsMaximumEntropy", ml => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(labelColumnName: "Label", featureColumnName: "Features")),
        new("SdcaMaximumEntropy", ml => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(labelColumnName: "Label", featureColumnName: "Features")),
        new("LightGbm", ml => ml.MulticlassClassification.Trainers.LightGbm(labelColumnName: "Label", featureColumnName: "Features")),
    ];

    /// <summary>The candidates <c>--sweep</c> compares to choose <see cref="OursRecommended"/>.</summary>
    public static IReadOnlyList<TabularContender> SweepCandidates { get; } =
    [
        Ours("Adam 1e-3, 100 epochs, hidden 100, batch 32", OptimizerKind.Adam, 1e-3f, epochs: 100, hidden: 100, batch: 32),
        Ours("Adam 3e-3, 100 epochs, hidden 100, batch 32", OptimizerKind.Adam, 3e-3f, epochs: 100, hidden: 100, batch: 32),
        OursRecommended,
        Ours("Adam 3e-3, 50 epochs, hidden 50, batch 64", OptimizerKind.Adam, 3e-3f, epochs: 50, hidden: 50, batch: 64),
        Ours("SGD 0.1, 100 epochs, hidden 100, batch 32", OptimizerKind.Sgd, 0.1f, epochs: 100, hidden: 100, batch: 32),
    ];

    private static TabularContender Ours(string name, OptimizerKind optimizer, float learningRate, int epochs, int hidden, int batch) =>
        new(name, ml => ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options
        {
            LabelColumnName = "Label",
            FeatureColumnName = "Features",
            Optimizer = optimizer,
            LearningRate = learningRate,
            NumberOfEpochs = epochs,
            HiddenLayers = [hidden],
            BatchSize = batch,
        }));
}
