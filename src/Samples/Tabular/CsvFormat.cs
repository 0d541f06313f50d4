using System.Globalization;

namespace Microsoft.ML.Minibatch.Samples.Tabular;

/// <summary>
/// How a CSV or TSV file is laid out: its separator (given, or detected among ',', tab and ';' from the first line),
/// whether its first line is a header (given, or decided by <see cref="HeaderDetection"/> from the first lines), and
/// its column names (the header's, or c0, c1, … without one).
/// </summary>
/// <param name="Path">The file.</param>
/// <param name="Separator">The cell separator.</param>
/// <param name="HasHeader">Whether line 1 is a header.</param>
/// <param name="ColumnNames">The header's names, or c0, c1, … without a header.</param>
/// <param name="Decision">When the header was detected rather than given: one line saying what was decided, why, and how
/// to override it; null when the user said.</param>
internal sealed record CsvFormat(string Path, char Separator, bool HasHeader, string[] ColumnNames, string? Decision = null)
{
    /// <summary>The separators detection chooses among, in order of preference on a tie.</summary>
    public static readonly char[] Candidates = [',', '\t', ';'];

    /// <summary>The names the model's columns take; a CSV column may not use them (the label column may be "Label").</summary>
    private static readonly string[] Reserved = ["Label", "Features", "Score", "PredictedLabel"];

    /// <summary>How many lines header detection compares line 1 with.</summary>
    private const int SampleLines = 1000;

    /// <summary>Reads the first lines of <paramref name="path"/> and settles the layout.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is empty, or its header names clash.</exception>
    public static CsvFormat Detect(string path, char? separator, bool? hasHeader)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        var lines = File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).Take(SampleLines + 1).ToList();
        if (lines.Count == 0) throw new InvalidDataException($"{path}: the file is empty.");
        char sep = separator ?? Candidates.OrderByDescending(c => lines[0].Count(ch => ch == c)).ThenBy(c => Array.IndexOf(Candidates, c)).First();
        string[] first = Split(lines[0], sep);
        if (first.Length < 2)
            throw new InvalidDataException($"{path}: line 1 has one column; a label and at least one feature are needed (separators tried: comma, tab, semicolon; or give --separator).");
        bool header;
        string? decision = null;
        if (hasHeader is bool given) header = given;
        else
        {
            var verdict = HeaderDetection.Judge(first, lines.Skip(1).Select(l => Split(l, sep)).ToList());
            header = verdict.IsHeader;
            string file = System.IO.Path.GetFileName(path);
            decision = header
                ? $"{file}: line 1 is read as a header ({verdict.Reason}); --has-header false reads it as data."
                : $"{file}: line 1 is read as data, not a header ({verdict.Reason}); --has-header true skips it.";
        }
        string[] names = header
            ? first.Select((n, i) => n.Length == 0 ? $"c{i}" : n).ToArray()
            : Enumerable.Range(0, first.Length).Select(GeneratedName).ToArray();
        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null)
        {
            var at = names.Select((n, i) => (n, i)).Where(p => p.n == duplicate.Key).Select(p => p.i.ToString(CultureInfo.InvariantCulture));
            throw new InvalidDataException($"{path}: header names clash: '{duplicate.Key}' names columns {string.Join(" and ", at)}.");
        }
        return new CsvFormat(path, sep, header, names, decision);
    }

    /// <summary>The name a column of a file without a header takes: c0, c1, ….</summary>
    public static string GeneratedName(int index) => "c" + index.ToString(CultureInfo.InvariantCulture);

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

    /// <summary>Splits one line into its cells, trimmed, a pair of double quotes around a cell removed (as R and
    /// spreadsheets write text cells; ML.NET's loader reads them with quoting on).</summary>
    public static string[] Split(string line, char separator) => line.Split(separator).Select(Cell).ToArray();

    /// <summary>A cell's value: trimmed, a pair of double quotes around it removed.</summary>
    public static string Cell(string cell)
    {
        cell = cell.Trim();
        return cell.Length >= 2 && cell[0] == '"' && cell[^1] == '"' ? cell[1..^1] : cell;
    }

    /// <summary>Whether a cell reads as a finite number (as ML.NET's loader reads a Single).</summary>
    public static bool IsNumber(string cell) =>
        float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v);
}
