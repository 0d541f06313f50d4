using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>What `minibatch data` reports for one split: size, labels per class, pixel mean and (population) standard deviation.</summary>
internal sealed record SplitStatistics(int Count, int[] ClassCounts, double Mean, double StandardDeviation)
{
    /// <summary>Statistics of images <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1.</summary>
    public static SplitStatistics Of(LabeledImages data, int start, int count)
    {
        var classCounts = new int[data.ClassCount];
        foreach (byte label in data.Labels.AsSpan(start, count)) classCounts[label]++;

        // Accumulate in double: tens of millions of floats summed in float would lose digits.
        ReadOnlySpan<float> values = data.Features.AsSpan(start * data.FeatureCount, count * data.FeatureCount);
        double sum = 0;
        foreach (float v in values) sum += v;
        double mean = sum / values.Length;
        double squares = 0;
        foreach (float v in values)
        {
            double d = v - mean;
            squares += d * d;
        }
        return new SplitStatistics(count, classCounts, mean, Math.Sqrt(squares / values.Length));
    }
}
