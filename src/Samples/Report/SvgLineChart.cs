using System.Globalization;
using System.Net;
using System.Text;

namespace Microsoft.ML.Minibatch.Samples.Report;

/// <summary>
/// A line chart drawn as inline SVG: labelled axes with "nice" ticks (1, 2 or 5 times a power of ten), a light grid,
/// one polyline with round markers per series, a legend, and a native tooltip (<c>&lt;title&gt;</c>) on every point.
/// The x axis counts epochs, or (<see cref="LogX"/>) spans decades of a rate, drawn without markers.
/// No script and no xmlns (inline SVG in HTML does not need one), so the page stays self-contained.
/// </summary>
internal sealed class SvgLineChart
{
    private const int Left = 64, Right = 20, Top = 36, Bottom = 52;

    /// <summary>One line: a name for the legend, a CSS colour and its points (NaN values are left out).</summary>
    public sealed record Series(string Name, string Color, IReadOnlyList<(double X, double Y)> Points);

    /// <summary>The chart's title, above the plot.</summary>
    public required string Title { get; init; }

    /// <summary>The label under the x axis.</summary>
    public required string XLabel { get; init; }

    /// <summary>The label beside the y axis.</summary>
    public required string YLabel { get; init; }

    /// <summary>The lines.</summary>
    public required IReadOnlyList<Series> Lines { get; init; }

    /// <summary>Whether the y axis starts at zero (losses) rather than near the smallest value (accuracies).</summary>
    public bool YFromZero { get; init; }

    /// <summary>How a y value is written on ticks and tooltips, given the tick step.</summary>
    public Func<double, double, string> FormatY { get; init; } = (value, step) => FormatNumber(value, step);

    /// <summary>Whether x is a positive rate on a logarithmic axis (ticks at powers of ten) instead of an epoch number.</summary>
    public bool LogX { get; init; }

    /// <summary>An x value to mark with a labelled vertical line (e.g. the suggested learning rate), or null.</summary>
    public (double X, string Label)? Marker { get; init; }

    /// <summary>The width and height of the SVG in CSS pixels.</summary>
    public int Width { get; init; } = 540;

    /// <inheritdoc cref="Width"/>
    public int Height { get; init; } = 320;

    /// <summary>The SVG element.</summary>
    public string ToSvg()
    {
        // On a log axis the chart works in log10(x) throughout.
        var lines = LogX ? Lines.Select(l => l with { Points = l.Points.Select(p => (Math.Log10(p.X), p.Y)).ToList() }).ToList() : Lines;
        var points = lines.SelectMany(l => l.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        double xMax = points.Count == 0 ? 1 : points.Max(p => p.X);
        double yMin = points.Count == 0 ? 0 : points.Min(p => p.Y), yMax = points.Count == 0 ? 1 : points.Max(p => p.Y);
        if (YFromZero) yMin = Math.Min(0, yMin);
        if (yMax - yMin < 1e-12) { yMin -= 0.5 * Math.Max(Math.Abs(yMin), 1e-3); yMax += 0.5 * Math.Max(Math.Abs(yMax), 1e-3); }
        var yTicks = NiceTicks(yMin, yMax, 5);
        // Epochs are whole numbers: ticks on integers, the plot padded half a step on both sides of 1 … n. Decades: from
        // the one below the smallest rate to the one above the largest.
        double xMin = points.Count == 0 ? 0 : points.Min(p => p.X);
        double xStep = LogX ? 1 : Math.Max(1, NiceTicks(1, Math.Max(xMax, 2), 8).Step);
        double x0 = LogX ? Math.Floor(xMin) : 0.5, x1 = LogX ? Math.Max(Math.Ceiling(xMax), x0 + 1) : Math.Max(xMax, 1) + 0.5;
        double xFirstTick = LogX ? x0 : 1;
        double y0 = yTicks.Min, y1 = yTicks.Max;
        int plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double Sx(double x) => Left + (x - x0) / (x1 - x0) * plotW;
        double Sy(double y) => Top + plotH - (y - y0) / (y1 - y0) * plotH;

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg class=\"chart\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"{Encode(Title)}\">\n"));
        svg.Append(Invariant($"<text class=\"title\" x=\"{Left}\" y=\"20\">{Encode(Title)}</text>\n"));
        // Grid and y ticks.
        foreach (double y in yTicks.Values)
        {
            double py = Sy(y);
            svg.Append(Invariant($"<line class=\"grid\" x1=\"{Left}\" y1=\"{py:F1}\" x2=\"{Left + plotW}\" y2=\"{py:F1}\"/>"));
            svg.Append(Invariant($"<text class=\"tick\" x=\"{Left - 8}\" y=\"{py + 4:F1}\" text-anchor=\"end\">{Encode(FormatY(y, yTicks.Step))}</text>\n"));
        }
        for (double x = xFirstTick; x <= x1; x += xStep)
        {
            double px = Sx(x);
            svg.Append(Invariant($"<line class=\"axis\" x1=\"{px:F1}\" y1=\"{Top + plotH}\" x2=\"{px:F1}\" y2=\"{Top + plotH + 5}\"/>"));
            svg.Append(Invariant($"<text class=\"tick\" x=\"{px:F1}\" y=\"{Top + plotH + 19}\" text-anchor=\"middle\">{Encode(FormatX(x))}</text>\n"));
        }
        if (Marker is (double markX, string markLabel))
        {
            double px = Sx(LogX ? Math.Log10(markX) : markX);
            svg.Append(Invariant($"<line class=\"marker\" x1=\"{px:F1}\" y1=\"{Top}\" x2=\"{px:F1}\" y2=\"{Top + plotH}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>"));
            svg.Append(Invariant($"<text class=\"tick\" x=\"{px + 4:F1}\" y=\"{Top + 12}\">{Encode(markLabel)}</text>\n"));
        }
        // Axes and their labels.
        svg.Append(Invariant($"<line class=\"axis\" x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + plotH}\"/>"));
        svg.Append(Invariant($"<line class=\"axis\" x1=\"{Left}\" y1=\"{Top + plotH}\" x2=\"{Left + plotW}\" y2=\"{Top + plotH}\"/>\n"));
        svg.Append(Invariant($"<text class=\"label\" x=\"{Left + plotW / 2}\" y=\"{Height - 10}\" text-anchor=\"middle\">{Encode(XLabel)}</text>\n"));
        svg.Append(Invariant($"<text class=\"label\" transform=\"translate(16 {Top + plotH / 2}) rotate(-90)\" text-anchor=\"middle\">{Encode(YLabel)}</text>\n"));
        // The lines, markers with tooltips, and the legend at the top right.
        int legendX = Left + plotW;
        for (int i = lines.Count - 1; i >= 0; i--)
        {
            var line = lines[i];
            var valid = line.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
            if (valid.Count > 1)
            {
                string coordinates = string.Join(" ", valid.Select(p => Invariant($"{Sx(p.X):F1},{Sy(p.Y):F1}")));
                svg.Append(Invariant($"<polyline class=\"series\" fill=\"none\" stroke=\"{line.Color}\" stroke-width=\"2.5\" points=\"{coordinates}\"/>\n"));
            }
            foreach (var p in LogX ? [] : valid)
            {
                svg.Append(Invariant($"<circle cx=\"{Sx(p.X):F1}\" cy=\"{Sy(p.Y):F1}\" r=\"4\" fill=\"{line.Color}\"><title>{Encode(line.Name)}, epoch {p.X:0}: {Encode(FormatY(p.Y, yTicks.Step / 100))}</title></circle>\n"));
            }
        }
        for (int i = Lines.Count - 1, slot = 0; i >= 0; i--, slot++)
        {
            var line = Lines[i];
            double textWidth = 8 * line.Name.Length + 30;
            legendX -= (int)textWidth;
            svg.Append(Invariant($"<rect x=\"{legendX}\" y=\"14\" width=\"14\" height=\"4\" fill=\"{line.Color}\"/>"));
            svg.Append(Invariant($"<text class=\"legend\" x=\"{legendX + 19}\" y=\"20\">{Encode(line.Name)}</text>\n"));
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    // An epoch number, or the power of ten at a decade tick.
    private string FormatX(double x) => LogX ? Invariant($"1e{x:0}") : Invariant($"{x:0}");

    /// <summary>
    /// Ticks covering [<paramref name="min"/>, <paramref name="max"/>]: a step of 1, 2 or 5 times a power of ten giving
    /// about <paramref name="count"/> intervals, and the multiples of it from just below min to just above max.
    /// </summary>
    internal static (double Min, double Max, double Step, IReadOnlyList<double> Values) NiceTicks(double min, double max, int count)
    {
        double range = Math.Max(max - min, 1e-12);
        double rough = range / Math.Max(1, count);
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / magnitude;
        double step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
        double lo = Math.Floor(min / step + 1e-9) * step, hi = Math.Ceiling(max / step - 1e-9) * step;
        var values = new List<double>();
        for (int i = 0; lo + i * step <= hi + step * 1e-6; i++) values.Add(Math.Round(lo + i * step, 12));
        return (lo, hi, step, values);
    }

    /// <summary>A number with as many decimals as the tick step needs.</summary>
    internal static string FormatNumber(double value, double step)
    {
        int decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(step) + 1e-9), 0, 6);
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
