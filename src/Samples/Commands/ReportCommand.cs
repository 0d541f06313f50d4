using System.CommandLine;
using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Samples.Report;

namespace Microsoft.ML.Minibatch.Samples.Commands;

// ML.NET has a namespace Microsoft.ML.Command, which would otherwise hide System.CommandLine.Command here.
using Command = System.CommandLine.Command;

/// <summary>
/// `minibatch report`: one self-contained HTML page about a saved model: loss and accuracy curves from its history,
/// the confusion matrix and per-class precision/recall on an MNIST split, the most confident mistakes drawn as images,
/// and the configuration.
/// </summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter? output = null)
    {
        var command = new Command("report", "Write an HTML report of a saved model: curves, confusion matrix, mistakes, configuration.");
        var model = new Option<string>("--model") { Description = "The model file (.zip) written by `minibatch train --model`.", Required = true };
        var data = new Option<string?>("--data") { Description = "Directory with the MNIST IDX files (default: $MINIBATCH_DATA or ~/.cache/minibatch/mnist)." };
        var outPath = new Option<string>("--out") { Description = "The HTML file to write.", DefaultValueFactory = _ => "report.html" };
        var split = new Option<string>("--split") { Description = "test (t10k) or valid (training rows 50,000+).", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "valid");
        var mistakes = new Option<int>("--mistakes") { Description = "How many misclassified digits to show.", DefaultValueFactory = _ => 24 };
        mistakes.Validators.Add(result =>
        {
            int value;
            try { value = result.GetValueOrDefault<int>(); }
            catch (InvalidOperationException) { return; } // Not a number: the parser says so itself.
            if (value is < 0 or > 1000) result.AddError($"--mistakes must be between 0 and 1000 (got '{value}').");
        });
        foreach (var option in new Option[] { model, data, outPath, split, mistakes }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var writer = output ?? Console.Out;
            string path = parse.GetValue(outPath)!;
            var report = Gather(parse.GetValue(model)!, parse.GetValue(data), parse.GetValue(split)!, parse.GetValue(mistakes));
            string html = HtmlReport.Build(report);
            WriteAtomically(path, html);
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {path} ({html.Length / 1024.0:F0} KB): accuracy {report.Metrics.MicroAccuracy * 100:F2} % on the {report.SplitName} split, {report.MistakeCount} mistakes"));
            writer.Flush();
            return 0;
        });
        return command;
    }

    /// <summary>Loads the model, scores the split and picks the most confident mistakes.</summary>
    internal static ReportData Gather(string modelPath, string? dataDirectory, string splitName, int mistakeCount)
    {
        var ml = new MLContext(seed: 1);
        var network = ModelCommandSupport.LoadModel(modelPath);
        var rows = ModelCommandSupport.LoadSplit(ml, dataDirectory, splitName);
        var scored = network.Transform(rows);
        var metrics = ml.MulticlassClassification.Evaluate(scored);

        int side = (int)Math.Round(Math.Sqrt(network.InputSize));
        if (side * side != network.InputSize) throw new InvalidDataException($"Model file '{modelPath}' reads {network.InputSize} features, which are not a square image.");
        var wrong = new List<ReportData.Mistake>();
        long row = 0;
        foreach (var r in ml.Data.CreateEnumerable<ScoredDigit>(scored, reuseRowObject: true))
        {
            int actual = (int)r.Label - 1, predicted = (int)r.PredictedLabel - 1;
            if (actual != predicted && actual >= 0)
            {
                // Features are the bytes divided by 255 (LoadIdx): rounding gives the original pixels back exactly.
                var pixels = new byte[r.Features.Length];
                for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)Math.Clamp(Math.Round(r.Features[i] * 255f), 0, 255);
                wrong.Add(new ReportData.Mistake(row, pixels, side, side, actual, predicted, r.Score[predicted], r.Score[actual]));
            }
            row++;
        }
        var classNames = metrics.ConfusionMatrix.NumberOfClasses == ModelCommandSupport.Digits.Length
            ? ModelCommandSupport.Digits
            : Enumerable.Range(0, metrics.ConfusionMatrix.NumberOfClasses).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        return new ReportData
        {
            ModelPath = modelPath,
            Network = network,
            SplitName = splitName,
            Metrics = metrics,
            ClassNames = classNames,
            // Most confident first; ties (rare in float32) by row, so the page is the same on every run.
            Mistakes = wrong.OrderByDescending(w => w.Probability).ThenBy(w => w.Row).Take(mistakeCount).ToList(),
            MistakeCount = wrong.Count,
        };
    }

    private static void WriteAtomically(string path, string text)
    {
        string full = Path.GetFullPath(path);
        string temp = full + ".tmp";
        File.WriteAllText(temp, text, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>One scored row as the report reads it.</summary>
    private sealed class ScoredDigit
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }

        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }
}
