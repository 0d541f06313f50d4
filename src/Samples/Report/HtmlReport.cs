using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.ML.Minibatch.Samples.Commands;

namespace Microsoft.ML.Minibatch.Samples.Report;

/// <summary>
/// The training report as one self-contained HTML page: no script, no external stylesheet, font or image. Charts are
/// inline SVG, digits are PNG data: URIs. The markup is also well-formed XML (void elements closed, numeric character
/// references only), so tools and tests can read it with an XML parser.
/// </summary>
internal static class HtmlReport
{
    private const string TrainColor = "#1f77b4", ValidColor = "#e8710a", AccuracyColor = "#2ca02c";

    /// <summary>Builds the page.</summary>
    public static string Build(ReportData data)
    {
        var network = data.Network;
        var history = network.History;
        var m = data.Metrics;
        var cm = m.ConfusionMatrix;
        long rows = (long)cm.Counts.Sum(r => r.Sum());
        string modelName = Path.GetFileName(data.ModelPath);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
        html.Append($"<title>Training report: {E(modelName)}</title>\n<style>\n{Css}</style>\n</head>\n<body>\n<main>\n");

        html.Append($"<header id=\"summary\">\n<h1>Training report <span class=\"file\">{E(modelName)}</span></h1>\n<div class=\"cards\">\n");
        Card(html, Invariant($"{m.MicroAccuracy * 100:F2} %"), $"accuracy on the {data.SplitName} split");
        Card(html, Invariant($"{data.MistakeCount:N0} / {rows:N0}"), "misclassified");
        Card(html, Invariant($"{m.LogLoss:F4}"), "log-loss");
        if (history.Count > 0)
        {
            Card(html, Invariant($"{history.Count}"), history.Count == 1 ? "epoch" : "epochs");
            Card(html, Invariant($"{history.Sum(e => e.Seconds):F1} s"), "training time");
        }
        html.Append("</div>\n</header>\n");

        html.Append("<section id=\"curves\">\n<h2>Training curves</h2>\n");
        if (history.Count == 0)
        {
            html.Append("<p class=\"note\">This model file holds no training history (it was not trained by this library's trainer or fit loop).</p>\n");
        }
        else
        {
            html.Append("<div class=\"row\">\n");
            html.Append(new SvgLineChart
            {
                Title = "Loss per epoch",
                XLabel = "epoch",
                YLabel = "cross-entropy loss",
                YFromZero = true,
                Lines =
                [
                    new("train", TrainColor, history.Select(e => ((double)e.Epoch + 1, e.TrainLoss)).ToList()),
                    new("valid", ValidColor, history.Select(e => ((double)e.Epoch + 1, e.ValidLoss)).ToList()),
                ],
            }.ToSvg());
            html.Append('\n');
            html.Append(new SvgLineChart
            {
                Title = "Validation accuracy per epoch",
                XLabel = "epoch",
                YLabel = "accuracy (%)",
                FormatY = (v, step) => SvgLineChart.FormatNumber(v, step),
                Lines = [new("valid accuracy", AccuracyColor, history.Select(e => ((double)e.Epoch + 1, e.ValidAccuracy * 100)).ToList())],
            }.ToSvg());
            html.Append("\n</div>\n");
            html.Append("<p class=\"note\">Train loss is the mean over each epoch's batches while the weights were still changing; valid loss and accuracy are measured after the epoch.</p>\n");
        }
        html.Append("</section>\n");
        AppendLearningRateFinder(html, network.TrainingOptions);

        html.Append("<div class=\"row\">\n");
        AppendConfusion(html, data);
        AppendPerClass(html, data);
        html.Append("</div>\n");
        AppendMistakes(html, data);
        AppendConfiguration(html, data, rows);
        html.Append("<footer>Made by <code>minibatch report</code> (Microsoft.ML.Minibatch). Self-contained: no scripts, no external assets.</footer>\n");
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    // The finder's sweep, when the model's learning rate was chosen from one (train --find-lr).
    private static void AppendLearningRateFinder(StringBuilder html, MinibatchTrainer.Options options)
    {
        if (options.LearningRateFinder is not { LearningRates.Count: > 0 } finder) return;
        int shown = LrFindCommand.PlottedPoints(finder.Losses.Count);
        string suggested = finder.SuggestedLearningRate is double lr ? Invariant($"{lr:0.###e+0}") : "none";
        html.Append("<section id=\"lr-finder\">\n<h2>Learning-rate finder</h2>\n");
        html.Append(new SvgLineChart
        {
            Title = "Smoothed loss against the learning rate",
            XLabel = "learning rate (log scale)",
            YLabel = "smoothed loss",
            LogX = true,
            Marker = finder.SuggestedLearningRate is double mark ? (mark, "suggested " + suggested) : null,
            Lines = [new("smoothed loss", TrainColor, Enumerable.Range(0, shown).Select(i => (finder.LearningRates[i], finder.Losses[i])).ToList())],
        }.ToSvg());
        html.Append(Invariant($"\n<p class=\"note\">{finder.LearningRates.Count} batches at exponentially growing rates from the initial weights (fast.ai's lr_find){(finder.Diverged ? ", stopped when the loss diverged" : "")}; the suggestion (fast.ai's valley) is {E(suggested)}, and the model was trained with {options.LearningRate:0.###e+0}.</p>\n</section>\n"));
    }

    private static void Card(StringBuilder html, string value, string label) =>
        html.Append($"<div class=\"card\"><div class=\"value\">{E(value)}</div><div class=\"caption\">{E(label)}</div></div>\n");

    private static void AppendConfusion(StringBuilder html, ReportData data)
    {
        var cm = data.Metrics.ConfusionMatrix;
        int k = cm.NumberOfClasses;
        // Correct counts shade blue by the class's recall; errors shade red relative to the largest error, so the few
        // hundred mistakes stay visible next to thousands of correct rows.
        double maxError = 0;
        for (int a = 0; a < k; a++)
            for (int p = 0; p < k; p++)
                if (a != p) maxError = Math.Max(maxError, cm.Counts[a][p]);
        html.Append($"<section id=\"confusion\">\n<h2>Confusion matrix ({E(data.SplitName)} split)</h2>\n");
        html.Append("<table class=\"confusion\">\n<thead>\n<tr><th class=\"corner\" rowspan=\"2\">true ↓</th>");
        html.Append(Invariant($"<th colspan=\"{k}\">predicted →</th><th rowspan=\"2\">recall</th></tr>\n<tr>"));
        for (int p = 0; p < k; p++) html.Append($"<th>{E(data.ClassNames[p])}</th>");
        html.Append("</tr>\n</thead>\n<tbody>\n");
        for (int a = 0; a < k; a++)
        {
            double rowTotal = cm.Counts[a].Sum();
            html.Append($"<tr><th>{E(data.ClassNames[a])}</th>");
            for (int p = 0; p < k; p++)
            {
                double count = cm.Counts[a][p];
                double shade = a == p ? (rowTotal > 0 ? count / rowTotal : 0) : (maxError > 0 ? count / maxError : 0);
                string background = count == 0 ? "transparent"
                    : a == p ? Invariant($"rgba(31, 119, 180, {0.15 + 0.85 * shade:F3})")
                    : Invariant($"rgba(214, 39, 40, {0.08 + 0.82 * shade:F3})");
                string ink = (a == p && shade > 0.5) || (a != p && shade > 0.6) ? " light" : "";
                string kind = a == p ? "hit" : "miss";
                html.Append(Invariant($"<td class=\"{kind}{ink}\" style=\"background: {background}\" data-actual=\"{a}\" data-predicted=\"{p}\" title=\"true {E(data.ClassNames[a])}, predicted {E(data.ClassNames[p])}: {count:0}\">{count:0}</td>"));
            }
            html.Append(Invariant($"<td class=\"num\">{cm.PerClassRecall[a]:F4}</td></tr>\n"));
        }
        html.Append("</tbody>\n<tfoot>\n<tr><th>precision</th>");
        for (int p = 0; p < k; p++) html.Append(Invariant($"<td class=\"num small\">{cm.PerClassPrecision[p]:F3}</td>"));
        html.Append("<td></td></tr>\n</tfoot>\n</table>\n</section>\n");
    }

    private static void AppendPerClass(StringBuilder html, ReportData data)
    {
        var cm = data.Metrics.ConfusionMatrix;
        html.Append("<section id=\"per-class\">\n<h2>Per-class precision and recall</h2>\n");
        html.Append("<table class=\"per-class\">\n<thead><tr><th>class</th><th>rows</th><th>precision</th><th>recall</th></tr></thead>\n<tbody>\n");
        // Bars start at 80 % (or lower, in steps of 10 %, when a class scores below that).
        double floor = Math.Min(0.8, Math.Floor(cm.PerClassPrecision.Concat(cm.PerClassRecall).DefaultIfEmpty(1).Min() * 10) / 10);
        for (int c = 0; c < cm.NumberOfClasses; c++)
        {
            double precision = cm.PerClassPrecision[c], recall = cm.PerClassRecall[c];
            html.Append(Invariant($"<tr><th>{E(data.ClassNames[c])}</th><td class=\"num\">{cm.Counts[c].Sum():N0}</td>"));
            html.Append(Invariant($"<td>{Bar(precision, TrainColor, floor)}</td><td>{Bar(recall, ValidColor, floor)}</td></tr>\n"));
        }
        html.Append("</tbody>\n</table>\n");
        html.Append(Invariant($"<p class=\"note\">Bars start at {floor * 100:F0} %, so that differences between classes show.</p>\n</section>\n"));
    }

    private static string Bar(double value, string color, double floor)
    {
        // A horizontal bar from the floor to 100 %, with the value written beside it.
        double width = Math.Clamp((value - floor) / (1 - floor), 0, 1) * 100;
        return Invariant($"<span class=\"bar\"><span style=\"width: {width:F1}%; background: {color}\"></span></span><span class=\"num\">{value * 100:F2} %</span>");
    }

    private static void AppendMistakes(StringBuilder html, ReportData data)
    {
        if (data.ValueColumns.Count > 0)
        {
            AppendMistakeRows(html, data);
            return;
        }
        html.Append("<section id=\"mistakes\">\n");
        html.Append(Invariant($"<h2>The {data.Mistakes.Count} most confident mistakes ({data.SplitName} split, {data.MistakeCount:N0} mistakes in all)</h2>\n"));
        html.Append("<div class=\"digits\">\n");
        var ink = new byte[0];
        foreach (var d in data.Mistakes)
        {
            // Dark ink on white reads better on the page than MNIST's white on black.
            if (ink.Length != d.Pixels.Length) ink = new byte[d.Pixels.Length];
            for (int i = 0; i < ink.Length; i++) ink[i] = (byte)(255 - d.Pixels[i]);
            string png = Convert.ToBase64String(PngEncoder.EncodeGray(ink, d.Width, d.Height));
            html.Append(Invariant($"<figure class=\"digit\" data-row=\"{d.Row}\" data-actual=\"{d.Actual}\" data-predicted=\"{d.Predicted}\">"));
            html.Append(Invariant($"<img src=\"data:image/png;base64,{png}\" width=\"{d.Width * 3}\" height=\"{d.Height * 3}\" alt=\"row {d.Row}: a {E(data.ClassNames[d.Actual])} predicted as {E(data.ClassNames[d.Predicted])}\"/>"));
            html.Append(Invariant($"<figcaption><span class=\"predicted\">{E(data.ClassNames[d.Predicted])}</span> <span class=\"p\">{d.Probability * 100:F1} %</span><br/>"));
            html.Append(Invariant($"true <b>{E(data.ClassNames[d.Actual])}</b> <span class=\"p\">({d.ActualProbability * 100:F1} %)</span><br/><span class=\"rowid\">row {d.Row}</span></figcaption></figure>\n"));
        }
        html.Append("</div>\n<p class=\"note\">Large: the predicted class and its probability. Below: the true class and the probability the model gave it.</p>\n</section>\n");
    }

    /// <summary>CSV rows have no image: the mistakes are a table of the rows' values as read from the file.</summary>
    private static void AppendMistakeRows(StringBuilder html, ReportData data)
    {
        html.Append("<section id=\"mistakes\">\n");
        html.Append(Invariant($"<h2>The {data.Mistakes.Count} most confident mistakes ({E(data.SplitName)}, {data.MistakeCount:N0} mistakes in all)</h2>\n"));
        html.Append("<table class=\"mistake-rows\">\n<thead><tr><th>row</th><th>predicted</th><th>true</th><th>values</th></tr></thead>\n<tbody>\n");
        foreach (var d in data.Mistakes)
        {
            string values = string.Join(", ", data.ValueColumns.Zip(d.Values ?? []).Select(p => Invariant($"{p.First} {p.Second:G6}")));
            html.Append(Invariant($"<tr data-row=\"{d.Row}\" data-actual=\"{d.Actual}\" data-predicted=\"{d.Predicted}\"><td class=\"num\">{d.Row}</td>"));
            html.Append(Invariant($"<td><b>{E(data.ClassNames[d.Predicted])}</b> {d.Probability * 100:F1} %</td><td>{E(data.ClassNames[d.Actual])} ({d.ActualProbability * 100:F1} %)</td>"));
            html.Append($"<td class=\"values\">{E(values)}</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n<p class=\"note\">Rows count the file's data rows from 0; values are the feature columns as read from the file, before normalisation.</p>\n</section>\n");
    }

    private static void AppendConfiguration(StringBuilder html, ReportData data, long rows)
    {
        var n = data.Network;
        var o = n.TrainingOptions;
        var widths = new[] { n.InputSize }.Concat(o.HiddenLayers).Append(n.ClassCount).ToArray();
        long parameters = 0;
        for (int i = 1; i < widths.Length; i++) parameters += (long)widths[i - 1] * widths[i] + widths[i];
        var items = new List<(string, string)>
        {
            ("model file", data.ModelPath),
            ("architecture", string.Join(" → ", widths.Select(w => w.ToString(CultureInfo.InvariantCulture))) + $"  ({Layers(o, n.DeskewImageSize)})"),
            ("parameters", parameters.ToString("N0", CultureInfo.InvariantCulture)),
            ("optimizer", Invariant($"{o.Optimizer}, learning rate {o.LearningRate:G6}, momentum {o.Momentum:G6}, weight decay {o.WeightDecay:G6}")),
            ("batch size", Invariant($"{o.BatchSize} (validation {o.ValidationBatchSize?.ToString(CultureInfo.InvariantCulture) ?? "2 × " + o.BatchSize.ToString(CultureInfo.InvariantCulture)})")),
            ("epochs", Invariant($"{n.History.Count} trained of {o.NumberOfEpochs} requested") + (o.EarlyStoppingPatience > 0 ? Invariant($", early stopping patience {o.EarlyStoppingPatience}") : "")),
            ("sampler", o.Sampler + (o.DropLast ? ", last short batch dropped" : "")),
            ("seed", o.Seed?.ToString(CultureInfo.InvariantCulture) ?? "from the MLContext"),
            ("initial weights", o.InitialWeightsPath ?? "seeded initialisation"),
            ("columns", $"features '{o.FeatureColumnName}', label '{o.LabelColumnName}'"),
            ("scored rows", Invariant($"{rows:N0} ({data.SplitName} split)")),
        };
        html.Append("<section id=\"configuration\">\n<h2>Model configuration</h2>\n<table class=\"config\">\n<tbody>\n");
        foreach (var (key, value) in items) html.Append($"<tr><th>{E(key)}</th><td>{E(value)}</td></tr>\n");
        html.Append("</tbody>\n</table>\n");
        if (n.History.Count > 0)
        {
            html.Append("<h3>History</h3>\n<table class=\"history\">\n<thead><tr><th>epoch</th><th>train loss</th><th>valid loss</th><th>valid accuracy</th><th>learning rate</th><th>seconds</th><th>train seconds</th></tr></thead>\n<tbody>\n");
            foreach (var e in n.History)
            {
                html.Append(Invariant($"<tr><td>{e.Epoch + 1}</td><td>{e.TrainLoss:F4}</td><td>{e.ValidLoss:F4}</td><td>{e.ValidAccuracy * 100:F2} %</td><td>{e.LearningRate:G6}</td><td>{e.Seconds:F3}</td><td>{e.TrainSeconds:F3}</td></tr>\n"));
            }
            html.Append("</tbody>\n</table>\n");
        }
        html.Append("</section>\n");
    }

    /// <summary>What the architecture's widths leave out: the layers between them, dropout and deskewing.</summary>
    private static string Layers(MinibatchTrainer.Options o, (int Height, int Width)? deskewed)
    {
        string layers = o.HiddenLayers.Length == 0 ? "one Linear layer"
            : "Linear, ReLU between" + (o.DropoutRate > 0 ? Invariant($", dropout {o.DropoutRate:G6} after each ReLU") : "");
        return deskewed is var (height, width) ? layers + Invariant($"; each input deskewed as a {height} × {width} image") : layers;
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private const string Css = """
        :root { color-scheme: light; --ink: #1d2330; --muted: #5f6b7a; --line: #d9dee5; --panel: #f6f8fa; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
        main { max-width: 1240px; margin: 0 auto; padding: 24px 32px 48px; }
        h1 { font-size: 26px; margin: 0 0 14px; }
        h1 .file { font-weight: 400; color: var(--muted); font-size: 18px; margin-left: 8px; }
        h2 { font-size: 19px; margin: 30px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
        h3 { font-size: 16px; margin: 20px 0 8px; }
        .cards { display: flex; gap: 14px; flex-wrap: wrap; }
        .card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 18px; min-width: 150px; }
        .card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .card .caption { color: var(--muted); font-size: 13px; }
        .row { display: flex; gap: 32px; flex-wrap: wrap; align-items: flex-start; }
        .note { color: var(--muted); font-size: 13px; }
        svg.chart { background: #fff; border: 1px solid var(--line); border-radius: 8px; }
        svg .title { font-size: 15px; font-weight: 600; fill: var(--ink); }
        svg .tick { font-size: 12px; fill: var(--muted); font-variant-numeric: tabular-nums; }
        svg .label { font-size: 13px; fill: var(--ink); }
        svg .legend { font-size: 13px; fill: var(--ink); }
        svg .grid { stroke: #eceff3; stroke-width: 1; }
        svg .axis { stroke: #8a94a3; stroke-width: 1; }
        table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th, td { padding: 4px 8px; }
        th { font-weight: 600; }
        table.confusion td { width: 36px; height: 32px; text-align: center; border: 1px solid #fff; font-size: 13px; }
        table.confusion td.light { color: #fff; }
        table.confusion td.miss { color: #6b1a1a; }
        table.confusion td.miss.light { color: #fff; }
        table.confusion th { text-align: center; color: var(--muted); font-size: 13px; }
        table.confusion th.corner { font-weight: 400; }
        td.num { text-align: right; }
        td.small { font-size: 12px; color: var(--muted); }
        table.per-class td, table.per-class th { border-bottom: 1px solid var(--line); }
        .bar { display: inline-block; width: 70px; height: 10px; background: #eef1f4; border-radius: 5px; overflow: hidden; vertical-align: middle; margin-right: 8px; }
        .bar span { display: block; height: 100%; }
        span.num { display: inline-block; width: 64px; text-align: right; font-size: 13px; }
        td.values { font-family: ui-monospace, monospace; font-size: 11px; color: #555; }
        .digits { display: grid; grid-template-columns: repeat(8, minmax(0, 1fr)); gap: 12px; }
        figure.digit { margin: 0; padding: 8px; border: 1px solid var(--line); border-radius: 8px; text-align: center; background: #fff; }
        figure.digit img { image-rendering: pixelated; display: block; margin: 0 auto 6px; border: 1px solid #eef1f4; }
        figcaption { font-size: 13px; color: var(--muted); line-height: 1.35; }
        figcaption .predicted { font-size: 20px; font-weight: 700; color: #c62828; }
        figcaption b { color: var(--ink); font-size: 15px; }
        figcaption .rowid { font-size: 11px; }
        table.config th { text-align: left; color: var(--muted); font-weight: 500; width: 160px; vertical-align: top; }
        table.config td, table.config th { border-bottom: 1px solid var(--line); padding: 6px 8px; }
        table.history td, table.history th { border-bottom: 1px solid var(--line); text-align: right; padding: 4px 12px; }
        footer { margin-top: 36px; color: var(--muted); font-size: 12px; }

        """;
}
