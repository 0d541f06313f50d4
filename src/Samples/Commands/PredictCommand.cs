using System.CommandLine;
using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Samples.Commands;

// ML.NET has a namespace Microsoft.ML.Command, which would otherwise hide System.CommandLine.Command here.
using Command = System.CommandLine.Command;

/// <summary>`minibatch predict`: draws one MNIST digit in shade characters and prints the model's class scores.</summary>
internal static class PredictCommand
{
    private const string Shades = " ░▒▓█";

    public static Command Create(TextWriter? output = null)
    {
        var command = new Command("predict", "Draw one MNIST digit and print the model's scores for it.");
        var model = new Option<string>("--model") { Description = "The model file (.zip).", Required = true };
        var index = new Option<int>("--index") { Description = "The row of the split, from 0.", Required = true };
        var data = new Option<string?>("--data") { Description = "Directory with the MNIST IDX files (default: $MINIBATCH_DATA or ~/.cache/minibatch/mnist)." };
        var split = new Option<string>("--split") { Description = "test (t10k) or valid (training rows 50,000+).", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("valid", "test");
        index.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--index must be ≥ 0."); });
        foreach (var option in new Option[] { model, index, data, split }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var writer = output ?? Console.Out;
            var ml = new MLContext(seed: 1);
            var transformer = ModelCommandSupport.LoadModel(parse.GetValue(model)!);
            var rows = ModelCommandSupport.LoadSplit(ml, parse.GetValue(data), parse.GetValue(split)!);
            int n = parse.GetValue(index);
            long count = rows.GetRowCount() ?? long.MaxValue;
            if (n >= count)
                throw new ArgumentOutOfRangeException("--index", n, $"--index {n} is past the last row ({count - 1}) of the {parse.GetValue(split)} split.");
            // ML.NET's SkipRows refuses a count of zero, so the first row needs no skip.
            var from = n > 0 ? ml.Data.SkipRows(rows, n) : rows;
            var scored = transformer.Transform(ml.Data.TakeRows(from, 1));
            var schema = scored.Schema;
            float[] pixels = Array.Empty<float>(), scores = Array.Empty<float>();
            uint label = 0, predicted = 0;
            using (var cursor = scored.GetRowCursor(new[] { schema["Features"], schema["Label"], schema["Score"], schema["PredictedLabel"] }))
            {
                if (!cursor.MoveNext()) throw new InvalidOperationException($"Row {n} could not be read.");
                VBuffer<float> v = default;
                cursor.GetGetter<VBuffer<float>>(schema["Features"])(ref v);
                pixels = v.DenseValues().ToArray();
                cursor.GetGetter<VBuffer<float>>(schema["Score"])(ref v);
                scores = v.DenseValues().ToArray();
                cursor.GetGetter<uint>(schema["Label"])(ref label);
                cursor.GetGetter<uint>(schema["PredictedLabel"])(ref predicted);
            }
            var names = SlotNames(schema["Score"], scores.Length);
            int side = (int)Math.Round(Math.Sqrt(pixels.Length));
            if (side * side == pixels.Length)
            {
                for (int r = 0; r < side; r++)
                {
                    var line = new char[side * 2];
                    for (int c = 0; c < side; c++)
                    {
                        int shade = (int)Math.Clamp(MathF.Round(pixels[r * side + c] * (Shades.Length - 1)), 0, Shades.Length - 1);
                        line[2 * c] = line[2 * c + 1] = Shades[shade];
                    }
                    writer.WriteLine(new string(line).TrimEnd());
                }
            }
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"row {n}: label {Name(names, label)}, predicted {Name(names, predicted)} ({(label == predicted ? "correct" : "wrong")})"));
            for (int k = 0; k < scores.Length; k++)
            {
                string bar = new('█', (int)MathF.Round(scores[k] * 40));
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[k],3} {scores[k]:F6} {bar}"));
            }
            writer.Flush();
            return 0;
        });
        return command;
    }

    private static string Name(string[] names, uint key) => key >= 1 && key <= names.Length ? names[key - 1] : "?";

    private static string[] SlotNames(DataViewSchema.Column score, int count)
    {
        if (score.Annotations.Schema.GetColumnOrNull("SlotNames")?.Type is VectorDataViewType { Size: var size } && size == count)
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            score.GetSlotNames(ref names);
            return names.DenseValues().Select(m => m.ToString()).ToArray();
        }
        return Enumerable.Range(0, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
    }
}
