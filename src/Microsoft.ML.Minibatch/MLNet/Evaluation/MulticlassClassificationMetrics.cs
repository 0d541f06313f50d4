namespace Microsoft.ML.Data;

/// <summary>The metrics of a multiclass classifier, as ML.NET defines them.</summary>
public sealed class MulticlassClassificationMetrics
{
    internal MulticlassClassificationMetrics(double microAccuracy, double macroAccuracy, double logLoss, double logLossReduction,
        int topKPredictionCount, IReadOnlyList<double>? topKAccuracyForAllK, IReadOnlyList<double> perClassLogLoss, ConfusionMatrix confusionMatrix)
    {
        MicroAccuracy = microAccuracy;
        MacroAccuracy = macroAccuracy;
        LogLoss = logLoss;
        LogLossReduction = logLossReduction;
        TopKPredictionCount = topKPredictionCount;
        TopKAccuracyForAllK = topKAccuracyForAllK;
        TopKAccuracy = topKAccuracyForAllK is { Count: > 0 } all ? all[^1] : 0;
        PerClassLogLoss = perClassLogLoss;
        ConfusionMatrix = confusionMatrix;
    }

    /// <summary>The average log-loss: −(1/m) Σ log p(true class), with p clamped to [1e-15, 1].</summary>
    public double LogLoss { get; }

    /// <summary>
    /// The relative log-loss reduction against predicting the label prior for every row:
    /// (LL(prior) − LL) / LL(prior), where LL(prior) is the entropy of the label distribution. A fraction, at most 1.
    /// </summary>
    public double LogLossReduction { get; }

    /// <summary>The mean over classes present in the labels of the fraction of their rows predicted correctly.</summary>
    public double MacroAccuracy { get; }

    /// <summary>The fraction of rows predicted correctly.</summary>
    public double MicroAccuracy { get; }

    /// <summary>When <see cref="TopKPredictionCount"/> is positive, the fraction of rows whose label is among the top-k scores.</summary>
    public double TopKAccuracy { get; }

    /// <summary>The k of <see cref="TopKAccuracy"/> (0 when not computed).</summary>
    public int TopKPredictionCount { get; }

    /// <summary>The top-k accuracies for k = 1..<see cref="TopKPredictionCount"/>, or <see langword="null"/> when not computed.</summary>
    public IReadOnlyList<double>? TopKAccuracyForAllK { get; }

    /// <summary>The average log-loss of the rows of each class (0 for classes without rows).</summary>
    public IReadOnlyList<double> PerClassLogLoss { get; }

    /// <summary>The confusion matrix: rows are actual classes, columns predicted classes.</summary>
    public ConfusionMatrix ConfusionMatrix { get; }
}
