using System.Globalization;

namespace Microsoft.ML.Minibatch.Samples.Tabular;

/// <summary>
/// Decides whether line 1 of a CSV file is a header by comparing its cells with the lines below, so that neither a
/// header of numbers (pandas writes integer column names) nor a data row with a missing or NaN cell fools it. Line 1
/// is a header when
/// <list type="bullet">
/// <item>none of its cells is a number and one of them is text above a column of numbers (or nothing is below it);</item>
/// <item>its numbers count the columns (0, 1, 2, … or 1, 2, 3, …), the rest of it text;</item>
/// <item>each of its numbers lies far outside its column's range below (by more than the range's width).</item>
/// </list>
/// A missing-value marker (empty, NaN, NA, ?, null, ±infinity) is never evidence of a header, and a line of data-like
/// numbers with one bad cell is data (the scan then names the cell).
/// </summary>
internal static class HeaderDetection
{
    private enum Kind { Number, Missing, Text }

    private static readonly HashSet<string> MissingMarkers = new(StringComparer.OrdinalIgnoreCase)
    {
        "", "nan", "-nan", "na", "n/a", "#n/a", "null", "none", "?", "-", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity",
    };

    /// <summary>Whether <paramref name="first"/> is a header above <paramref name="below"/>, and why, in words.</summary>
    public static (bool IsHeader, string Reason) Judge(string[] first, IReadOnlyList<string[]> below)
    {
        var kinds = first.Select(KindOf).ToArray();
        int width = first.Length;
        var numbers = Enumerable.Range(0, width).Where(c => kinds[c] == Kind.Number).ToArray();
        if (numbers.Length == 0)
        {
            // A line of names: some name stands above numbers (a label column of text is text below a name too).
            for (int c = 0; c < width; c++)
            {
                if (kinds[c] != Kind.Text) continue;
                if (below.Count == 0) return (true, "none of its cells is a number");
                if (Column(below, c).Any(cell => KindOf(cell) == Kind.Number))
                    return (true, $"'{Shorten(first[c])}' is text above a column of numbers");
            }
            return (false, "no cell of it is a name above numbers");
        }
        // Numbers in a header: pandas' integer column names, or values such as wavelengths.
        if (numbers.Length >= 2 && !kinds.Contains(Kind.Missing) && CountsColumns(first, numbers))
            return (true, "its numbers count the columns, as pandas writes integer column names");
        if (numbers.Length >= 2 && below.Count >= 2 && numbers.All(c => FarOutside(Value(first[c]), Column(below, c))))
            return (true, "each of its numbers lies far outside its column's range in the lines below");
        return (false, "its numbers are like those below");
    }

    private static Kind KindOf(string cell)
    {
        if (MissingMarkers.Contains(cell)) return Kind.Missing;
        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return Kind.Text;
        return double.IsFinite(v) ? Kind.Number : Kind.Missing;
    }

    private static double Value(string cell) => double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static IEnumerable<string> Column(IReadOnlyList<string[]> rows, int c) => rows.Where(r => c < r.Length).Select(r => r[c]);

    /// <summary>Whether the numbers at <paramref name="columns"/> are those columns' indices, counted from 0 or from 1.</summary>
    private static bool CountsColumns(string[] first, int[] columns)
    {
        bool IndexedFrom(int origin) => columns.All(c => Value(first[c]) == c + origin);
        return IndexedFrom(0) || IndexedFrom(1);
    }

    /// <summary>Whether <paramref name="value"/> lies outside the numbers of <paramref name="column"/> by more than their
    /// range's width (a header value such as a wavelength, 400, above reflectances in [0, 1]).</summary>
    private static bool FarOutside(double value, IEnumerable<string> column)
    {
        var values = column.Where(cell => KindOf(cell) == Kind.Number).Select(Value).ToList();
        if (values.Count < 2) return false;
        double min = values.Min(), max = values.Max(), width = max - min;
        return value < min - width || value > max + width;
    }

    private static string Shorten(string cell) => cell.Length > 30 ? cell[..30] + "…" : cell;
}
