using System.Globalization;

namespace Microsoft.ML.Minibatch.Samples.Tabular;

/// <summary>
/// One pass over a CSV file before ML.NET reads it, because ML.NET's loader turns a bad cell into a missing value and
/// pads short rows without a word: every row must have the header's width, every feature cell must be a finite number,
/// every label cell non-empty. Gives the row count and the label values in order of first appearance.
/// </summary>
internal sealed record CsvScan(int RowCount, IReadOnlyList<string> LabelValues)
{
    /// <summary>Scans <paramref name="format"/>'s file with <paramref name="labelIndex"/> as the label column.</summary>
    /// <exception cref="InvalidDataException">The first problem, naming the file, the line and the column.</exception>
    public static CsvScan Read(CsvFormat format, int labelIndex)
    {
        int width = format.ColumnNames.Length, rows = 0, lineNumber = 0;
        var labels = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
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
            for (int c = 0; c < width; c++)
            {
                if (c == labelIndex)
                {
                    if (cells[c].Length == 0)
                        throw new InvalidDataException($"{format.Path} line {lineNumber}, column {c} ('{format.ColumnNames[c]}'): the label is empty.");
                    if (seen.Add(cells[c])) labels.Add(cells[c]);
                }
                else if (!CsvFormat.IsNumber(cells[c]))
                {
                    throw new InvalidDataException($"{format.Path} line {lineNumber}, column {c} ('{format.ColumnNames[c]}'): '{Shorten(cells[c])}' is not a number; every column but the label must be numeric.");
                }
            }
            rows++;
        }
        if (rows == 0) throw new InvalidDataException($"{format.Path}: the file holds no data rows{(format.HasHeader ? " after its header" : "")}.");
        return new CsvScan(rows, labels);
    }

    private static string Shorten(string cell) => cell.Length > 40 ? cell[..40] + "…" : cell;
}
