using System.Globalization;

namespace Microsoft.ML.Minibatch.Samples.Tabular;

/// <summary>
/// Matches the label values of a file with the classes a model knows: the same text, or the same number written
/// another way (1.0 or 1e0 for a class 1). A value that matches no class is an error naming it, how many rows carry
/// it and the classes the model knows: such rows would otherwise drop out of every metric without a word.
/// </summary>
internal static class LabelMatch
{
    /// <summary>The model's spelling of each label value in <paramref name="scan"/>.</summary>
    /// <exception cref="InvalidDataException">Some label values are no class of the model.</exception>
    public static IReadOnlyDictionary<string, string> Map(string path, CsvScan scan, IReadOnlyList<string> known)
    {
        var exact = new HashSet<string>(known, StringComparer.Ordinal);
        var byNumber = new Dictionary<double, string>();
        foreach (string k in known)
            if (TryNumber(k, out double v)) byNumber.TryAdd(v, k);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (string value in scan.LabelValues)
        {
            if (exact.Contains(value)) map[value] = value;
            else if (TryNumber(value, out double v) && byNumber.TryGetValue(v, out string? spelled)) map[value] = spelled;
            else unknown.Add(value);
        }
        if (unknown.Count > 0)
        {
            int rows = unknown.Sum(u => scan.LabelCounts[u]);
            string listed = string.Join(", ", unknown.Take(5).Select(u => $"'{u}' ({Rows(scan.LabelCounts[u])})")) + (unknown.Count > 5 ? $" and {unknown.Count - 5} more" : "");
            string classes = string.Join(", ", known.Take(20)) + (known.Count > 20 ? ", …" : "");
            throw new InvalidDataException($"{path}: {Rows(rows)} carry a label the model does not know: {listed}; its classes are {classes}.");
        }
        return map;
    }

    /// <summary>The class of each label value of a training file: values that are one number written in several ways
    /// ("1", "1.0", "1e0") are one class, spelled as it first appears; any other value is a class of its own.</summary>
    public static IReadOnlyDictionary<string, string> Canonical(CsvScan scan)
    {
        var byNumber = new Dictionary<double, string>();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string value in scan.LabelValues)
        {
            if (TryNumber(value, out double v))
            {
                if (!byNumber.TryGetValue(v, out string? first)) byNumber[v] = first = value;
                map[value] = first;
            }
            else map[value] = value;
        }
        return map;
    }

    private static string Rows(int n) => n == 1 ? "1 row" : $"{n.ToString(CultureInfo.InvariantCulture)} rows";

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}
