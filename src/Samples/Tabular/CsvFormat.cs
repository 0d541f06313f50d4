using System.Globalization;

namespace Microsoft.ML.Minibatch.Samples.Tabular;

/// <summary>
/// How a CSV or TSV file is laid out: its separator (given, or detected among ',', tab and ';' from the first line),
/// whether its first line is a header (given, or detected: the first line is a header when one of its cells is not a
/// number while the cell below it is, or when none of its cells is a number), and its column names (the header's, or
/// c0, c1, … without one).
/// </summary>
internal sealed record CsvFormat(string Path, char Separator, bool HasHeader, string[] ColumnNames)
{
    /// <summary>The separators detection chooses among, in order of preference on a tie.</summary>
    public static readonly char[] Candidates = [',', '\t', ';'];

    /// <summary>The names the model's columns take; a CSV column may not use them (the label column may be "Label").</summary>
    private static readonly string[] Reserved = ["Label", "Features", "Score", "PredictedLabel"];

    /// <summary>Reads the first two non-blank lines of <paramref name="path"/> and settles the layout.</summary>
    /// <exception cref="InvalidDataException">The file is empty, or its header names clash.</exception>
    public static CsvFormat Detect(string path, char? separator, bool? hasHeader)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        var lines = File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).Take(2).ToList();
        if (lines.Count == 0) throw new InvalidDataException($"{path}: the file is empty.");
        char sep = separator ?? Candidates.OrderByDescending(c => lines[0].Count(ch => ch == c)).ThenBy(c => Array.IndexOf(Candidates, c)).First();
        string[] first = Split(lines[0], sep);
        if (first.Length < 2)
            throw new InvalidDataException($"{path}: line 1 has one column; a label and at least one feature are needed (separators tried: comma, tab, semicolon; or give --separator).");
        bool header = hasHeader ?? LooksLikeHeader(first, lines.Count > 1 ? Split(lines[1], sep) : null);
        string[] names = header
            ? first.Select((n, i) => n.Length == 0 ? $"c{i}" : n).ToArray()
            : Enumerable.Range(0, first.Length).Select(i => $"c{i}").ToArray();
        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null)
        {
            var at = names.Select((n, i) => (n, i)).Where(p => p.n == duplicate.Key).Select(p => p.i.ToString(CultureInfo.InvariantCulture));
            throw new InvalidDataException($"{path}: header names clash: '{duplicate.Key}' names columns {string.Join(" and ", at)}.");
        }
        return new CsvFormat(path, sep, header, names);
    }

    /// <summary>Checks that no column other than the label takes a name the model's columns use.</summary>
    public void CheckNames(int labelIndex)
    {
        for (int i = 0; i < ColumnNames.Length; i++)
        {
            string name = ColumnNames[i];
            bool clash = i == labelIndex ? Reserved.Skip(1).Contains(name) : Reserved.Contains(name);
            if (clash)
                throw new InvalidDataException($"{Path}: header names clash: column {i} is named '{name}', a column the model makes; rename it.");
        }
    }

    /// <summary>The column <paramref name="labelColumn"/> names: a header name, else a 0-based index; null means the last.</summary>
    public int ResolveLabel(string? labelColumn)
    {
        if (labelColumn is null) return ColumnNames.Length - 1;
        int byName = Array.IndexOf(ColumnNames, labelColumn);
        if (byName >= 0) return byName;
        if (int.TryParse(labelColumn, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < ColumnNames.Length) return index;
        string what = HasHeader ? $"no header name '{labelColumn}' and no column index {labelColumn}" : $"no column index {labelColumn}";
        throw new InvalidDataException($"{Path}: the label column does not exist: {what} among its {ColumnNames.Length} columns (0..{ColumnNames.Length - 1}).");
    }

    /// <summary>Splits one line into its cells, trimmed.</summary>
    public static string[] Split(string line, char separator) => line.Split(separator).Select(c => c.Trim()).ToArray();

    /// <summary>Whether a cell reads as a finite number (as ML.NET's loader reads a Single).</summary>
    public static bool IsNumber(string cell) =>
        float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v);

    private static bool LooksLikeHeader(string[] first, string[]? second)
    {
        if (!first.Any(IsNumber)) return true;
        if (second == null) return false;
        for (int i = 0; i < Math.Min(first.Length, second.Length); i++)
            if (!IsNumber(first[i]) && IsNumber(second[i])) return true;
        return false;
    }
}
