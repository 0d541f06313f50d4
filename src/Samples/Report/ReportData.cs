using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Samples.Report;

/// <summary>Everything <see cref="HtmlReport"/> draws, gathered by `minibatch report` (or a test).</summary>
internal sealed record ReportData
{
    /// <summary>The model file the report describes (its name is shown).</summary>
    public required string ModelPath { get; init; }

    /// <summary>The network: its history, options and shape.</summary>
    public required MinibatchTransformer Network { get; init; }

    /// <summary>Which split was scored ("test" or "valid") and how many rows it has.</summary>
    public required string SplitName { get; init; }

    /// <summary>ML.NET's metrics of the model on that split.</summary>
    public required MulticlassClassificationMetrics Metrics { get; init; }

    /// <summary>The class names, in key order.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>CSV models: the feature columns whose values <see cref="Mistake.Values"/> holds; empty for images.</summary>
    public IReadOnlyList<string> ValueColumns { get; init; } = [];

    /// <summary>The most confidently misclassified rows, most confident first.</summary>
    public required IReadOnlyList<Mistake> Mistakes { get; init; }

    /// <summary>How many rows of the split were misclassified in all.</summary>
    public required int MistakeCount { get; init; }

    /// <summary>One misclassified image.</summary>
    /// <param name="Row">The row's index in the split.</param>
    /// <param name="Pixels">The image, row-major, 0 = black background, 255 = full ink (MNIST's convention).</param>
    /// <param name="Width">The image width.</param>
    /// <param name="Height">The image height.</param>
    /// <param name="Actual">The true class index.</param>
    /// <param name="Predicted">The predicted class index.</param>
    /// <param name="Probability">The model's probability of the predicted class.</param>
    /// <param name="ActualProbability">The model's probability of the true class.</param>
    public sealed record Mistake(long Row, byte[] Pixels, int Width, int Height, int Actual, int Predicted, float Probability, float ActualProbability)
    {
        /// <summary>CSV rows: the feature values as read from the file (no image); null for images.</summary>
        public float[]? Values { get; init; }
    }
}
