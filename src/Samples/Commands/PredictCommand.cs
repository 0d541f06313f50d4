using System.CommandLine;
using System.Globalization;
using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Samples.Tabular;

namespace Microsoft.ML.Minibatch.Samples.Commands;

// ML.NET has a namespace Microsoft.ML.Command, which would otherwise hide System.CommandLine.Command here.
using Command = System.CommandLine.Command;

/// <summary>`minibatch predict`: draws one image in shade characters (or lists one CSV row's values) and prints the model's class scores.</summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter? output = null)
    {
        var command = new Command("predict", "Draw one image (or list one CSV row) and print the model's scores for it.");
        var model = new Option<string>("--model") { Description = "The model file (.zip).", Required = true };
        var index = new Option<int>("--index") { Description = "The row of the split (of the CSV file), from 0.", Required = true };
        var data = new Option<string?>("--data") { Description = "A directory of IDX files (default: $MINIBATCH_DATA or ~/.cache/minibatch/mnist), or a CSV/TSV file." };
        var split = new Option<string>("--split") { Description = "IDX: test (t10k) or valid (the last sixth of the training file).", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("valid", "test");
        index.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--index must be ≥ 0."); });
        var csv = new CsvCommandOptions(training: false);
        csv.AddTo(command);
        foreach (var option in new Option[] { model, index, data, split }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var writer = output ?? Console.Out;
            var ml = new MLContext(seed: 1);
            var rows = ScoredRows.Score(ml, parse.GetValue(model)!, parse.GetValue(data), parse.GetValue(split)!, csv.Read(parse));
            int n = parse.GetValue(index);
            long count = RowCount.Of(rows.Scored);
            if (n >= count)
                throw new ArgumentOutOfRangeException("--index", n, $"--index {n} is past the last row ({count - 1}) of {(rows.IsImage ? $"the {rows.SplitName} split" : rows.SplitName)}.");
            // ML.NET's SkipRows refuses a count of zero, so the first row needs no skip.
            var from = n > 0 ? ml.Data.SkipRows(rows.Scored, n) : rows.Scored;
            var one = ml.Data.TakeRows(from, 1);
            var schema = one.Schema;
            float[] pixels = [], scores = [];
            var values = new float[rows.ValueColumns.Count];
            uint label = 0, predicted = 0;
            using (var cursor = one.GetRowCursor(schema))
            {
                if (!cursor.MoveNext()) throw new InvalidOperationException($"Row {n} could not be read.");
                VBuffer<float> v = default;
                if (rows.IsImage)
                {
                    cursor.GetGetter<VBuffer<float>>(schema["Features"])(ref v);
                    pixels = v.DenseValues().ToArray();
                }
                for (int i = 0; i < values.Length; i++) cursor.GetGetter<float>(schema[rows.ValueColumns[i]])(ref values[i]);
                cursor.GetGetter<VBuffer<float>>(schema["Score"])(ref v);
                scores = v.DenseValues().ToArray();
                cursor.GetGetter<uint>(schema["Label"])(ref label);
                cursor.GetGetter<uint>(schema["PredictedLabel"])(ref predicted);
            }
            var names = rows.ClassNames;
            if (rows.IsImage) writer.Write(DataCommand.Draw(pixels, rows.ImageRows, rows.ImageColumns).Replace(" \n", "\n").TrimEndLines());
            else writer.Write(ValueTable(rows.ValueColumns, values));
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"row {n}: label {Name(names, label)}, predicted {Name(names, predicted)} ({(label == predicted ? "correct" : "wrong")})"));
            int width = Math.Max(3, names.Max(s => s.Length));
            for (int k = 0; k < scores.Length; k++)
            {
                string bar = new('█', (int)MathF.Round(scores[k] * 40));
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[k].PadLeft(width)} {scores[k]:F6} {bar}"));
            }
            writer.Flush();
            return 0;
        });
        return command;
    }

    private static string TrimEndLines(this string drawing) =>
        string.Concat(drawing.Split('\n').SkipLast(1).Select(l => l.TrimEnd() + "\n"));

    /// <summary>A CSV row's values, four "name value" pairs a line.</summary>
    private static string ValueTable(IReadOnlyList<string> columns, float[] values)
    {
        var text = new StringBuilder();
        int width = columns.Count == 0 ? 1 : columns.Max(c => c.Length);
        for (int i = 0; i < columns.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{columns[i].PadLeft(width)} {values[i],10:G6}");
            text.Append(i % 4 == 3 || i == columns.Count - 1 ? "\n" : "   ");
        }
        return text.ToString();
    }

    private static string Name(string[] names, uint key) => key >= 1 && key <= names.Length ? names[key - 1] : "?";
}
