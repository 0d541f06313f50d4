namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>What the benchmarks report of repeated measurements.</summary>
internal static class Statistics
{
    /// <summary>The median: the middle value, or the mean of the two middle ones.</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
