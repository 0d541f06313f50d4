using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>Hands every row of a dataset to a check or a statistic, a chunk at a time.</summary>
internal static class RowScan
{
    // Small chunks: the scan's buffer lives through the whole fit's peak (1024 MNIST rows cost the lesson's run 5 MB
    // of its 107 MB peak working set; 128 rows scan as fast).
    private const int Chunk = 128;

    /// <summary>Calls <paramref name="visit"/> with the first row's index, the row count, and the rows' features
    /// (row-major) and labels, until every row of <paramref name="data"/> has been seen.</summary>
    public static void Run(Dataset data, CancellationToken token, Action<int, int, float[], int[]> visit) =>
        Scan(data, data.Count, token, visit);

    /// <summary><see cref="Run"/> over at most <paramref name="most"/> rows spread evenly over <paramref name="data"/>
    /// (every row when it has no more): a sample that reads a set too large to read again only in part. The first
    /// argument of <paramref name="visit"/> then counts the rows visited.</summary>
    public static void Spread(Dataset data, int most, CancellationToken token, Action<int, int, float[], int[]> visit) =>
        Scan(data, Math.Min(most, data.Count), token, visit);

    /// <summary>Row <paramref name="i"/> of <paramref name="n"/> spread evenly over <paramref name="count"/> rows (row
    /// <paramref name="i"/> itself when <paramref name="n"/> is <paramref name="count"/>).</summary>
    public static int SpreadIndex(int i, int n, int count) => (int)((long)i * count / n);

    private static void Scan(Dataset data, int rows, CancellationToken token, Action<int, int, float[], int[]> visit)
    {
        int width = data.FeatureCount;
        var features = new float[Chunk * width];
        var labels = new int[Chunk];
        var indices = new int[Chunk];
        for (int start = 0; start < rows; start += Chunk)
        {
            token.ThrowIfCancellationRequested();
            int n = Math.Min(Chunk, rows - start);
            for (int i = 0; i < n; i++) indices[i] = SpreadIndex(start + i, rows, data.Count);
            data.Gather(indices.AsSpan(0, n), features.AsSpan(0, n * width), labels.AsSpan(0, n));
            visit(start, n, features, labels);
        }
    }
}
