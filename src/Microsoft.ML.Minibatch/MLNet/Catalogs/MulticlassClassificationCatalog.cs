using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Multiclass classification: trainers (as extension methods on <see cref="Trainers"/>) and evaluation.</summary>
public sealed class MulticlassClassificationCatalog : TrainCatalogBase
{
    internal MulticlassClassificationCatalog(MLContext context) : base(context)
    {
        Trainers = new MulticlassClassificationTrainers(context);
    }

    /// <summary>The multiclass trainers.</summary>
    public MulticlassClassificationTrainers Trainers { get; }

    /// <summary>The catalog multiclass trainers extend.</summary>
    public sealed class MulticlassClassificationTrainers : CatalogInstantiatorBase
    {
        internal MulticlassClassificationTrainers(MLContext context) : base(context)
        {
        }
    }

    /// <summary>
    /// Evaluates scored data: the label (a key, or a Single class index) against the score vector (class probabilities).
    /// Rows with a missing label (key 0 or NaN) or non-finite scores are skipped.
    /// </summary>
    /// <param name="data">The scored data.</param>
    /// <param name="labelColumnName">The label column.</param>
    /// <param name="scoreColumnName">The score column (<c>Vector&lt;Single, K&gt;</c>, K ≥ 2).</param>
    /// <param name="predictedLabelColumnName">The predicted label column (must exist; the prediction is taken from the scores).</param>
    /// <param name="topKPredictionCount">When positive, also compute top-k accuracies for k = 1..this.</param>
    /// <returns>The metrics.</returns>
    public MulticlassClassificationMetrics Evaluate(IDataView data, string labelColumnName = "Label", string scoreColumnName = "Score",
        string predictedLabelColumnName = "PredictedLabel", int topKPredictionCount = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (string.IsNullOrEmpty(labelColumnName)) throw new ArgumentOutOfRangeException(nameof(labelColumnName), "labelColumnName cannot be null or empty");
        if (string.IsNullOrEmpty(scoreColumnName)) throw new ArgumentOutOfRangeException(nameof(scoreColumnName), "scoreColumnName cannot be null or empty");
        if (string.IsNullOrEmpty(predictedLabelColumnName)) throw new ArgumentOutOfRangeException(nameof(predictedLabelColumnName), "predictedLabelColumnName cannot be null or empty");
        if (topKPredictionCount < 0)
            throw new ArgumentOutOfRangeException(nameof(topKPredictionCount), topKPredictionCount, "Must be non-negative");
        return MulticlassEvaluator.Evaluate(data, labelColumnName, scoreColumnName, predictedLabelColumnName, topKPredictionCount);
    }
}
