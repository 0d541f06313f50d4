using System.Globalization;
using System.Text;

namespace Microsoft.ML.Data;

/// <summary>Counts of actual class (rows) against predicted class (columns), with per-class precision and recall.</summary>
public sealed class ConfusionMatrix
{
    private readonly string[] _classNames;
    private string? _formatted;

    internal ConfusionMatrix(double[][] counts, string[] classNames)
    {
        int k = counts.Length;
        NumberOfClasses = k;
        _classNames = classNames;
        Counts = counts.Select(r => (IReadOnlyList<double>)Array.AsReadOnly(r.ToArray())).ToArray();
        var precision = new double[k];
        var recall = new double[k];
        for (int i = 0; i < k; i++)
        {
            double row = 0, column = 0;
            for (int j = 0; j < k; j++)
            {
                row += counts[i][j];
                column += counts[j][i];
            }
            recall[i] = row > 0 ? counts[i][i] / row : 0;
            precision[i] = column > 0 ? counts[i][i] / column : 0;
        }
        PerClassPrecision = precision;
        PerClassRecall = recall;
    }

    /// <summary>The precision of each class: correct predictions of it over all predictions of it (0 if never predicted).</summary>
    public IReadOnlyList<double> PerClassPrecision { get; }

    /// <summary>The recall of each class: correct predictions of it over its rows (0 if it has none).</summary>
    public IReadOnlyList<double> PerClassRecall { get; }

    /// <summary>The counts; <c>Counts[actual][predicted]</c>.</summary>
    public IReadOnlyList<IReadOnlyList<double>> Counts { get; }

    /// <summary>The number of classes.</summary>
    public int NumberOfClasses { get; }

    /// <summary>The count of rows of class <paramref name="actualClassIndicatorIndex"/> predicted as <paramref name="predictedClassIndicatorIndex"/>.</summary>
    /// <param name="predictedClassIndicatorIndex">The predicted class index.</param>
    /// <param name="actualClassIndicatorIndex">The actual class index.</param>
    /// <returns>The count.</returns>
    public double GetCountForClassPair(int predictedClassIndicatorIndex, int actualClassIndicatorIndex)
    {
        if ((uint)predictedClassIndicatorIndex >= (uint)NumberOfClasses)
            throw new ArgumentOutOfRangeException(nameof(predictedClassIndicatorIndex), predictedClassIndicatorIndex, "Invalid index. Should be non-negative, less than the number of classes.");
        if ((uint)actualClassIndicatorIndex >= (uint)NumberOfClasses)
            throw new ArgumentOutOfRangeException(nameof(actualClassIndicatorIndex), actualClassIndicatorIndex, "Invalid index. Should be non-negative, less than the number of classes.");
        return Counts[actualClassIndicatorIndex][predictedClassIndicatorIndex];
    }

    /// <summary>
    /// The table in ML.NET's text layout: a header of predicted classes, one row per actual class with its counts and
    /// recall, and a precision line (numbers in the invariant culture).
    /// </summary>
    /// <returns>The table.</returns>
    public string GetFormattedConfusionTable() => _formatted ??= Format();

    private string Format()
    {
        var inv = CultureInfo.InvariantCulture;
        int n = NumberOfClasses;
        int colWidth = n == 2 ? 8 : 5;
        int maxNameLen = _classNames.Max(s => s.Length);
        // Long class names would not fit the column headers: number the classes instead.
        bool useNumbersInHeader = maxNameLen > colWidth;
        int rowLabelLen = maxNameLen;
        int rowDigitLen = 0;
        if (useNumbersInHeader)
        {
            rowDigitLen = Math.Max(n - 1, 0).ToString(inv).Length;
            rowLabelLen += rowDigitLen + 2;
        }
        int paddingLen = Math.Max(9, rowLabelLen);
        string pad = new(' ', paddingLen - 9);
        string rowLabelFormat = useNumbersInHeader
            ? "{0," + rowDigitLen + "}. {1," + (paddingLen - (rowDigitLen + 2)) + "} ||"
            : "{1," + paddingLen + "} ||";
        string rule = n > 2 ? "========" : "===========";

        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("Confusion table");
        sb.Append("          ").Append(pad).Append("||");
        for (int i = 0; i < n; i++) sb.Append(rule);
        sb.AppendLine();
        sb.Append("PREDICTED ").Append(pad).Append("||");
        string header = " {" + (useNumbersInHeader ? 0 : 1) + "," + colWidth + "} |";
        for (int i = 0; i < n; i++) sb.AppendFormat(inv, header, i, _classNames[i]);
        sb.AppendLine(" Recall");
        sb.Append("TRUTH     ").Append(pad).Append("||");
        for (int i = 0; i < n; i++) sb.Append(rule);
        sb.AppendLine();
        string cell = " {0," + colWidth + ":N0} |";
        for (int i = 0; i < n; i++)
        {
            sb.AppendFormat(inv, rowLabelFormat, i, _classNames[i]);
            for (int j = 0; j < n; j++) sb.AppendFormat(inv, cell, Counts[i][j]);
            sb.AppendFormat(inv, " {0,5:F4}", PerClassRecall[i]);
            sb.AppendLine();
        }
        sb.Append("          ").Append(pad).Append("||");
        for (int i = 0; i < n; i++) sb.Append(rule);
        sb.AppendLine();
        sb.Append("Precision ").Append(pad).Append("||");
        string precisionCell = "{0," + (colWidth + 1) + ":N4} |";
        for (int i = 0; i < n; i++) sb.AppendFormat(inv, precisionCell, PerClassPrecision[i]);
        sb.AppendLine();
        return sb.ToString();
    }
}
