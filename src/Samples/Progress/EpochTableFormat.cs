using System.Globalization;
using Microsoft.ML.Minibatch;

namespace Microsoft.ML.Minibatch.Samples.Progress;

/// <summary>
/// A rounded box table of epochs written a line at a time (header, one row per epoch as it ends, footer), as Spectre
/// markup. Spectre's Table widget draws a whole table at once; a training run needs each row on screen the moment its
/// epoch ends, so the columns have fixed widths here instead.
/// </summary>
internal sealed class EpochTableFormat(int screenWidth = 0)
{
    private static readonly (string Title, int Width)[] Columns =
    [
        ("epoch", 5), ("train loss", 10), ("valid loss", 10), ("valid accuracy", 14), ("lr", 8), ("time", 8),
    ];

    private double _bestAccuracy = double.NegativeInfinity;

    /// <summary>The visible width of every line of the table.</summary>
    public static int Width { get; } = Columns.Sum(c => c.Width + 3) + 1;

    /// <summary>The top border, the column titles and the rule under them.</summary>
    public string Header() =>
        Border('╭', '┬', '╮') +
        Line("[grey]│[/]" + string.Concat(Columns.Select(c => $" [bold]{c.Title.PadLeft(c.Width)}[/] [grey]│[/]"))) +
        Border('├', '┼', '┤');

    /// <summary>One epoch's row; its accuracy is green when it is the best so far.</summary>
    public string Row(EpochMetrics e)
    {
        string accuracy = double.IsNaN(e.ValidAccuracy) ? "–" : Invariant($"{e.ValidAccuracy * 100:F2} %");
        bool best = !double.IsNaN(e.ValidAccuracy) && e.ValidAccuracy > _bestAccuracy;
        if (best) _bestAccuracy = e.ValidAccuracy;
        string[] cells =
        [
            Invariant($"{e.Epoch + 1}"),
            Invariant($"{e.TrainLoss:F4}"),
            double.IsNaN(e.ValidLoss) ? "–" : Invariant($"{e.ValidLoss:F4}"),
            accuracy,
            Invariant($"{e.LearningRate:G4}"),
            Invariant($"{e.Seconds:F2} s"),
        ];
        var line = "[grey]│[/]";
        for (int i = 0; i < cells.Length; i++)
        {
            string text = cells[i].PadLeft(Columns[i].Width);
            if (i == 3 && best) text = $"[green]{text}[/]";
            line += $" {text} [grey]│[/]";
        }
        return Line(line);
    }

    /// <summary>The bottom border.</summary>
    public string Footer() => Border('╰', '┴', '╯');

    private string Border(char left, char middle, char right) =>
        Line("[grey]" + left + string.Join(middle, Columns.Select(c => new string('─', c.Width + 2))) + right + "[/]");

    // Written over the live progress line, which may be longer: trailing spaces to the screen's width blank its rest.
    private string Line(string markup) => markup + new string(' ', Math.Max(0, screenWidth - 1 - Width)) + "\n";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
