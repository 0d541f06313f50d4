using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>What `minibatch data` reports for one split: size, labels per class, pixel mean and (population) standard deviation.</summary>
internal sealed record SplitStatistics(int Count, int[] ClassCounts, double Mean, double StandardDeviation)
{
    // Rows gathered at a time: the images are read from their (mapped) file a chunk at a time, never all at once.
    private const int Chunk = 256;

    /// <summary>Statistics of rows <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1.</summary>
    public static SplitStatistics Of(Dataset data, int start, int count, int classCount)
    {
        var classCounts = new int[classCount];
        // Accumulate in double: tens of millions of floats summed in float would lose digits.
        double sum = 0;
        Scan(data, start, count, (values, labels) =>
        {
            foreach (int label in labels.Span) classCounts[label]++;
            foreach (float v in values.Span) sum += v;
        });
        long n = (long)count * data.FeatureCount;
        double mean = sum / n;
        double squares = 0;
        Scan(data, start, count, (values, _) =>
        {
            foreach (float v in values.Span)
            {
                double d = v - mean;
                squares += d * d;
            }
        });
        return new SplitStatistics(count, classCounts, mean, Math.Sqrt(squares / n));
    }

    /// <summary>Hands the rows' features and labels to <paramref name="visit"/> in order, a chunk at a time.</summary>
    private static void Scan(Dataset data, int start, int count, Action<ReadOnlyMemory<float>, ReadOnlyMemory<int>> visit)
    {
        int f = data.FeatureCount;
        var features = new float[Chunk * f];
        var labels = new int[Chunk];
        var indices = new int[Chunk];
        for (int done = 0; done < count; done += Chunk)
        {
            int n = Math.Min(Chunk, count - done);
            for (int i = 0; i < n; i++) indices[i] = start + done + i;
            data.Gather(indices.AsSpan(0, n), features.AsSpan(0, n * f), labels.AsSpan(0, n));
            visit(features.AsMemory(0, n * f), labels.AsMemory(0, n));
        }
    }
}
