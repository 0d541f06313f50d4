using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Samples.Commands;

// ML.NET has a namespace Microsoft.ML.Command, which would otherwise hide System.CommandLine.Command here.
using Command = System.CommandLine.Command;

/// <summary>`minibatch data`: ensures MNIST is present and describes it.</summary>
internal static class DataCommand
{
    // Light to dark; each pixel is drawn two characters wide so the digit keeps its square shape.
    private const string Shades = " ░▒▓█";

    /// <summary>Builds the verb. Writers default to the console; tests pass their own.</summary>
    public static Command Create(TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var command = new Command("data", "Fetch MNIST if needed (or use the IDX data set in --data) and print statistics for each split.");
        var data = new Option<string?>("--data")
        {
            Description = $"Data directory (default: ${MnistOptions.DataDirectoryVariable}, else ~/.cache/minibatch/mnist).",
            HelpName = "DIR",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        command.Options.Add(data);
        command.Options.Add(json);
        command.SetAction(parse => Run(parse.GetValue(data), parse.GetValue(json), stdout ?? Console.Out, stderr ?? Console.Error));
        return command;
    }

    private static int Run(string? directory, bool json, TextWriter output, TextWriter log)
    {
        // Progress goes to stderr so that stdout holds only the report (one JSON object with --json).
        var source = IdxDataSource.Open(DataPath.Existing(directory), null, log.WriteLine);
        MnistFiles files = source.Files;
        var differing = Mnist.FilesDifferingFromOriginal(files);
        string identity = differing.Count == 0
            ? "the original MNIST"
            : $"not the original MNIST: SHA-256 differs ({string.Join(", ", differing)}); used as given";
        log.WriteLine($"MNIST in {files.Directory} ({files.Source})");

        // Mapped, not read: the statistics stream through the files a few rows at a time, whatever their size.
        var (fullFile, fullLabels) = IdxReader.OpenLabeledImages(files.TrainImages, files.TrainLabels, source.ClassCount);
        using var fullImages = fullFile;
        var (testFile, testLabels) = IdxReader.OpenLabeledImages(files.TestImages, files.TestLabels, source.ClassCount);
        using var testImages = testFile;
        var full = fullImages.ToDataset(fullLabels);
        int validCount = IdxDataSource.ValidationCount(full.Count);
        int trainCount = full.Count - validCount;
        var splits = new (string Name, SplitStatistics Stats)[]
        {
            ("train", SplitStatistics.Of(full, 0, trainCount, source.ClassCount)),
            ("valid", SplitStatistics.Of(full, trainCount, validCount, source.ClassCount)),
            ("test", SplitStatistics.Of(testImages.ToDataset(testLabels), 0, testImages.Count, source.ClassCount)),
        };

        if (json)
        {
            output.WriteLine(ToJson(splits, differing.Count == 0, fullImages.Rows, fullImages.Columns, source.ClassCount));
        }
        else
        {
            output.WriteLine($"IDX data in {files.Directory}: {identity}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{fullImages.Rows}×{fullImages.Columns} images, {source.ClassCount} classes"));
            output.WriteLine();
            output.WriteLine(FormatTable(splits));
            output.WriteLine($"First training image (label {fullLabels[0]}):");
            var first = new float[full.FeatureCount];
            full.Gather([0], first, new int[1]);
            output.Write(Draw(first, fullImages.Rows, fullImages.Columns));
        }
        return 0;
    }

    private static string ToJson((string Name, SplitStatistics Stats)[] splits, bool original, int rows, int columns, int classes)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("original_mnist", original);
            writer.WriteNumber("rows", rows);
            writer.WriteNumber("columns", columns);
            writer.WriteNumber("classes", classes);
            foreach ((string name, SplitStatistics stats) in splits)
            {
                writer.WriteStartObject(name);
                writer.WriteNumber("count", stats.Count);
                writer.WriteStartArray("class_counts");
                foreach (int c in stats.ClassCounts) writer.WriteNumberValue(c);
                writer.WriteEndArray();
                writer.WriteNumber("mean", stats.Mean);
                writer.WriteNumber("std", stats.StandardDeviation);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string FormatTable((string Name, SplitStatistics Stats)[] splits)
    {
        var text = new StringBuilder();
        int classes = splits[0].Stats.ClassCounts.Length;
        text.Append(CultureInfo.InvariantCulture, $"{"split",-6}{"count",7}{"mean",8}{"std",8}  ");
        for (int k = 0; k < classes; k++) text.Append(CultureInfo.InvariantCulture, $"{k,6}");
        text.AppendLine();
        foreach ((string name, SplitStatistics stats) in splits)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name,-6}{stats.Count,7}{stats.Mean,8:F4}{stats.StandardDeviation,8:F4}  ");
            foreach (int c in stats.ClassCounts) text.Append(CultureInfo.InvariantCulture, $"{c,6}");
            text.AppendLine();
        }
        return text.ToString();
    }

    /// <summary>Draws an image with shade characters, one text line per pixel row.</summary>
    internal static string Draw(ReadOnlySpan<float> pixels, int rows, int columns)
    {
        var text = new StringBuilder(rows * (2 * columns + 1));
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                float v = Math.Clamp(pixels[r * columns + c], 0f, 1f);
                char shade = Shades[(int)MathF.Round(v * (Shades.Length - 1))];
                text.Append(shade).Append(shade);
            }
            text.Append('\n');
        }
        return text.ToString();
    }
}
