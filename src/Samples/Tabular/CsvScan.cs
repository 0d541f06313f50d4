using System.Globalization;

namespace Microsoft.ML.Minibatch.Samples.Tabular;

/// <summary>
/// One pass over a CSV file before ML.NET reads it, because ML.NET's loader turns a bad cell into a missing value and
/// pads short rows without a word: every row must have the header's width, every feature cell must be a finite number,
/// every label cell non-empty. Gives the row count and the label values in order of first appearance, with their counts.
/// </summary>
internal sealed record CsvScan(int RowCount, IReadOnlyList<string> LabelValues, IReadOnlyDictionary<string, int> LabelCounts)
{
    /// <summary>Scans <paramref name="format"/>'s file with <paramref name="labelIndex"/> as the label column and
    /// <paramref name="featureIndices"/> as the feature columns (other columns are not read).</summary>
    /// <exception cref="InvalidDataException">The first problem, naming the file, the line and the column.</exception>
    public static CsvScan Read(CsvFormat format, int labelIndex, IReadOnlyCollection<int> featureIndices)
    {
        int width = format.ColumnNames.Length, rows = 0, lineNumber = 0;
        var labels = new List<string>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var isFeature = new bool[width];
        foreach (int c in featureIndices) isFeature[c] = true;
        bool skipHeader = format.HasHeader;
        foreach (string line in File.ReadLines(format.Path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (skipHeader)
            {
                skipHeader = false;
                continue;
            }
            string[] cells = CsvFormat.Split(line, format.Separator);
            if (cells.Length != width)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{format.Path} line {lineNumber}: ragged rows: {cells.Length} cells where {(format.HasHeader ? "the header has" : "line 1 has")} {width}."));
            string label = cells[labelIndex];
            if (label.Length == 0)
                throw new InvalidDataException($"{format.Path} line {lineNumber}, column {labelIndex} ('{format.ColumnNames[labelIndex]}'): the label is empty.");
            if (counts.TryGetValue(label, out int seen)) counts[label] = seen + 1;
            else
            {
                counts[label] = 1;
                labels.Add(label);
            }
            for (int c = 0; c < width; c++)
            {
                if (isFeature[c] && !CsvFormat.IsNumber(cells[c]))
                    throw new InvalidDataException($"{format.Path} line {lineNumber}, column {c} ('{format.ColumnNames[c]}'): '{Shorten(cells[c])}' is not a number; every column but the label must be numeric{HeaderHint(format, isFirstRow: rows == 0)}.");
            }
            rows++;
        }
        if (rows == 0) throw new InvalidDataException($"{format.Path}: the file holds no data rows{(format.HasHeader ? " after its header" : "")}.");
        return new CsvScan(rows, labels, counts);
    }

    // A bad cell on the first line may be a header that detection took for data: say how to skip it.
    private static string HeaderHint(CsvFormat format, bool isFirstRow) =>
        isFirstRow && !format.HasHeader ? " (if line 1 is a header, pass --has-header true)" : "";

    private static string Shorten(string cell) => cell.Length > 40 ? cell[..40] + "…" : cell;
}
