namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>A one-line chart of a series in block characters ▁▂▃▄▅▆▇█, lowest value to highest.</summary>
internal static class Sparkline
{
    private const string Levels = "▁▂▃▄▅▆▇█";

    /// <summary>
    /// One character per value, or, for more than <paramref name="width"/> values, per run of consecutive values
    /// (their mean); a non-finite value (or a run holding one) is '×'.
    /// </summary>
    public static string Render(IReadOnlyList<double> values, int width = 60)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        int count = Math.Min(values.Count, width);
        var points = new double[count];
        for (int c = 0; c < count; c++)
        {
            int from = (int)((long)c * values.Count / count), to = (int)((long)(c + 1) * values.Count / count);
            double sum = 0;
            for (int i = from; i < to; i++) sum += values[i];
            points[c] = sum / (to - from);
        }
        var finite = points.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return new string('×', count);
        double min = finite.Min(), max = finite.Max();
        var chars = new char[count];
        for (int c = 0; c < count; c++)
        {
            if (!double.IsFinite(points[c])) { chars[c] = '×'; continue; }
            int level = max > min ? (int)Math.Round((points[c] - min) / (max - min) * (Levels.Length - 1)) : 0;
            chars[c] = Levels[level];
        }
        return new string(chars);
    }
}
