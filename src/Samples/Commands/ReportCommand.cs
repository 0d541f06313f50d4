using System.CommandLine;
using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Samples.Report;
using Microsoft.ML.Minibatch.Samples.Tabular;

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
        var data = new Option<string?>("--data") { Description = "A directory of IDX files (default: $MINIBATCH_DATA or ~/.cache/minibatch/mnist), or a CSV/TSV file (every row is scored)." };
        var csv = new CsvCommandOptions(training: false);
        csv.AddTo(command);
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
            var report = Gather(parse.GetValue(model)!, parse.GetValue(data), parse.GetValue(split)!, parse.GetValue(mistakes), csv.Read(parse));
            string html = HtmlReport.Build(report);
            WriteAtomically(path, html);
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {path} ({html.Length / 1024.0:F0} KB): accuracy {report.Metrics.MicroAccuracy * 100:F2} % on {(report.ValueColumns.Count > 0 ? report.SplitName : $"the {report.SplitName} split")}, {report.MistakeCount} mistakes"));
            writer.Flush();
            return 0;
        });
        return command;
    }

    /// <summary>Loads the model, scores the split (or CSV file) and picks the most confident mistakes.</summary>
    internal static ReportData Gather(string modelPath, string? dataDirectory, string splitName, int mistakeCount, CsvOptions? csv = null)
    {
        var ml = new MLContext(seed: 1);
        var rows = ScoredRows.Score(ml, modelPath, dataDirectory, splitName, csv ?? new CsvOptions());
        var scored = rows.Scored;
        var metrics = ml.MulticlassClassification.Evaluate(scored);

        var wrong = new List<ReportData.Mistake>();
        var schema = scored.Schema;
        var columns = new List<DataViewSchema.Column> { schema["Features"], schema["Label"], schema["Score"], schema["PredictedLabel"] };
        columns.AddRange(rows.ValueColumns.Select(c => schema[c]));
        using var cursor = scored.GetRowCursor(columns);
        var features = cursor.GetGetter<VBuffer<float>>(schema["Features"]);
        var labelGetter = cursor.GetGetter<uint>(schema["Label"]);
        var scoreGetter = cursor.GetGetter<VBuffer<float>>(schema["Score"]);
        var predictedGetter = cursor.GetGetter<uint>(schema["PredictedLabel"]);
        var valueGetters = rows.ValueColumns.Select(c => cursor.GetGetter<float>(schema[c])).ToArray();
        VBuffer<float> featureBuffer = default, scoreBuffer = default;
        uint label = 0, predictedKey = 0;
        long row = 0;
        while (cursor.MoveNext())
        {
            labelGetter(ref label);
            predictedGetter(ref predictedKey);
            int actual = (int)label - 1, predicted = (int)predictedKey - 1;
            if (actual != predicted && actual >= 0)
            {
                scoreGetter(ref scoreBuffer);
                var score = scoreBuffer.DenseValues().ToArray();
                byte[] pixels = [];
                float[]? values = null;
                if (rows.IsImage)
                {
                    // Features are the bytes divided by 255 (LoadIdx): rounding gives the original pixels back exactly.
                    features(ref featureBuffer);
                    var f = featureBuffer.DenseValues().ToArray();
                    pixels = new byte[f.Length];
                    for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)Math.Clamp(Math.Round(f[i] * 255f), 0, 255);
                }
                else
                {
                    values = new float[valueGetters.Length];
                    for (int i = 0; i < values.Length; i++) valueGetters[i](ref values[i]);
                }
                wrong.Add(new ReportData.Mistake(row, pixels, rows.ImageColumns, rows.ImageRows, actual, predicted, score[predicted], score[actual]) { Values = values });
            }
            row++;
        }
        return new ReportData
        {
            ModelPath = modelPath,
            Network = rows.Network,
            SplitName = rows.SplitName,
            Metrics = metrics,
            ClassNames = rows.ClassNames,
            ValueColumns = rows.ValueColumns,
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
}
