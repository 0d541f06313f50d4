using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Minibatch.Samples.Tabular;

namespace Microsoft.ML.Minibatch.Samples.Commands;

// ML.NET has a namespace Microsoft.ML.Command, which would otherwise hide System.CommandLine.Command here.
using Command = System.CommandLine.Command;

/// <summary>`minibatch evaluate`: scores an MNIST split with a saved model and prints ML.NET's multiclass metrics.</summary>
internal static class EvaluateCommand
{
    public static Command Create(TextWriter? output = null)
    {
        var command = new Command("evaluate", "Evaluate a saved model on an MNIST split: accuracy, log-loss and the confusion table.");
        var model = new Option<string>("--model") { Description = "The model file (.zip) written by `minibatch train --model`.", Required = true };
        var data = new Option<string?>("--data") { Description = "A directory of IDX files (default: $MINIBATCH_DATA or ~/.cache/minibatch/mnist), or a CSV/TSV file (every row is scored)." };
        var split = new Option<string>("--split") { Description = "IDX: valid (the last sixth of the training file; MNIST: rows 50,000+) or test (t10k).", DefaultValueFactory = _ => "valid" };
        var csv = new CsvCommandOptions(training: false);
        csv.AddTo(command);
        split.AcceptOnlyFromAmong("valid", "test");
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        foreach (var option in new Option[] { model, data, split, json }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var writer = output ?? Console.Out;
            var ml = new MLContext(seed: 1);
            var rows = ScoredRows.Score(ml, parse.GetValue(model)!, parse.GetValue(data), parse.GetValue(split)!, csv.Read(parse));
            string splitName = rows.SplitName;
            var m = ml.MulticlassClassification.Evaluate(rows.Scored);
            if (!double.IsFinite(m.LogLossReduction))
            {
                // ML.NET divides by the log-loss of the file's class frequencies, which is 0 when the file holds one class.
                int classesPresent = m.ConfusionMatrix.Counts.Count(r => r.Sum() > 0);
                Console.Error.WriteLine(classesPresent == 1
                    ? "minibatch: warning: LogLossReduction is undefined: every row of the file has the same class."
                    : "minibatch: warning: LogLossReduction is not finite.");
            }
            if (parse.GetValue(json))
            {
                writer.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["split"] = splitName,
                    ["rows"] = m.ConfusionMatrix.Counts.Sum(r => r.Sum()),
                    ["micro_accuracy"] = JsonNumber.Finite(m.MicroAccuracy),
                    ["macro_accuracy"] = JsonNumber.Finite(m.MacroAccuracy),
                    ["log_loss"] = JsonNumber.Finite(m.LogLoss),
                    ["log_loss_reduction"] = JsonNumber.Finite(m.LogLossReduction),
                    ["confusion_matrix"] = m.ConfusionMatrix.Counts,
                    ["class_names"] = rows.ClassNames,
                }));
            }
            else
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MicroAccuracy     {m.MicroAccuracy:F4}"));
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MacroAccuracy     {m.MacroAccuracy:F4}"));
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LogLoss           {m.LogLoss:F6}"));
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LogLossReduction  {m.LogLossReduction:F6}"));
                writer.WriteLine();
                writer.WriteLine(m.ConfusionMatrix.GetFormattedConfusionTable());
            }
            writer.Flush();
            return 0;
        });
        return command;
    }
}
