using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>
/// The command-line side of <c>tabular-compare</c>: writes each cross-validation fold's training and test rows as CSV
/// files laid out like the data set's own file (same header or none, label in the same column, cells as spelled), then
/// runs <c>minibatch train --data foldtrain.csv --valid foldtest.csv --model m.zip --json</c> and
/// <c>minibatch evaluate --model m.zip --data foldtest.csv --json</c>, each in its own process, as a user would.
/// </summary>
internal static class TabularCli
{
    /// <summary>One fold's files.</summary>
    public sealed record Fold(string TrainPath, string TestPath, int TestRows);

    /// <summary>
    /// Splits <paramref name="data"/> (the data set loaded from <paramref name="path"/>) with ML.NET's
    /// <c>CrossValidationSplit</c>, which <c>CrossValidate</c> calls with the same seed, and writes each fold's rows
    /// (the file's own lines) under <paramref name="directory"/>.
    /// </summary>
    public static IReadOnlyList<Fold> WriteFolds(MLContext ml, TabularDataSet set, string path, IDataView data, int folds, int seed, string directory)
    {
        var (header, lines) = set.Lines(path);
        var all = Rows(data);
        if (all.Count != lines.Length)
            throw new InvalidOperationException($"{path}: ML.NET read {all.Count} rows but the file has {lines.Length} data lines.");
        var result = new List<Fold>();
        var splits = ml.Data.CrossValidationSplit(data, folds, seed: seed);
        for (int f = 0; f < splits.Count; f++)
        {
            // A filter keeps file order, so the test rows are a subsequence of the file's rows; match them in order
            // (equal rows are interchangeable, so the first equal row is as good as any).
            var test = Rows(splits[f].TestSet);
            var inTest = new bool[all.Count];
            int next = 0;
            for (int i = 0; i < all.Count && next < test.Count; i++)
            {
                if (Same(all[i], test[next]))
                {
                    inTest[i] = true;
                    next++;
                }
            }
            if (next != test.Count)
                throw new InvalidOperationException($"{path} fold {f}: the test rows are not a subsequence of the file's rows.");
            string stem = Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(set.FileName)}-fold{f}");
            var fold = new Fold(stem + "-train.csv", stem + "-test.csv", test.Count);
            Write(fold.TrainPath, header, lines.Where((_, i) => !inTest[i]));
            Write(fold.TestPath, header, lines.Where((_, i) => inTest[i]));
            result.Add(fold);
        }
        return result;
    }

    /// <summary>
    /// The metrics of one fold from <c>evaluate</c>, the accuracy <c>train</c> reported on its <c>--valid</c> file (the
    /// same rows), and the one-line error of the command that failed, if one did.
    /// </summary>
    public sealed record Outcome(double MicroAccuracy, double LogLoss, double TrainSeconds, double ValidAccuracy, double WallSeconds, string? Error);

    /// <summary>Trains on the fold's training file (validating on its test file) and evaluates on its test file.</summary>
    public static Outcome Run(string minibatch, TabularDataSet set, Fold fold, string[] extraTrainArguments, string directory)
    {
        string model = Path.Combine(directory, Path.GetFileNameWithoutExtension(fold.TestPath) + ".zip");
        string[] label = set.LabelFirst ? ["--label-column", set.LabelName ?? "0"] : [];
        long start = Stopwatch.GetTimestamp();
        var (trainExit, trainOutput, trainErrors) = Start(minibatch,
            ["train", "--data", fold.TrainPath, "--valid", fold.TestPath, "--model", model, "--json", .. label, .. extraTrainArguments]);
        if (trainExit != 0) return Failed("train", trainExit, trainErrors, double.NaN, double.NaN, Stopwatch.GetElapsedTime(start).TotalSeconds);
        using JsonDocument trained = LastJson(trainOutput);
        double trainSeconds = Number(trained, "train_seconds");
        double validAccuracy = Number(trained, "valid_accuracy");
        var (evaluateExit, evaluateOutput, evaluateErrors) = Start(minibatch, ["evaluate", "--model", model, "--data", fold.TestPath, "--json"]);
        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (evaluateExit != 0) return Failed("evaluate", evaluateExit, evaluateErrors, trainSeconds, validAccuracy, wall);
        using JsonDocument evaluated = LastJson(evaluateOutput);
        int rows = evaluated.RootElement.GetProperty("rows").GetInt32();
        if (rows != fold.TestRows)
            throw new InvalidOperationException($"minibatch evaluate scored {rows} rows of {fold.TestPath}, which has {fold.TestRows}.");
        return new Outcome(Number(evaluated, "micro_accuracy"), Number(evaluated, "log_loss"),
            trainSeconds, validAccuracy, wall, null);
    }

    private static Outcome Failed(string verb, int exit, string errors, double trainSeconds, double validAccuracy, double wall)
    {
        string line = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        return new Outcome(double.NaN, double.NaN, trainSeconds, validAccuracy, wall, $"{verb} exit {exit}: {line}");
    }

    private static (int Exit, string Output, string Errors) Start(string minibatch, string[] arguments)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(minibatch);
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        using Process process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet " + minibatch);
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"minibatch {string.Join(' ', arguments)} did not finish in 10 minutes.");
        }
        return (process.ExitCode, output, errors.Result);
    }

    /// <summary>A number of the command's JSON; null (how it writes a value that is not finite) reads as NaN.</summary>
    private static double Number(JsonDocument document, string name) =>
        document.RootElement.GetProperty(name) is { ValueKind: JsonValueKind.Number } value ? value.GetDouble() : double.NaN;

    private static JsonDocument LastJson(string output)
    {
        string? last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (last is null || !last.StartsWith('{')) throw new InvalidOperationException("minibatch printed no JSON line: " + output);
        return JsonDocument.Parse(last);
    }

    private static List<(string Label, float[] Features)> Rows(IDataView view)
    {
        var label = view.Schema["Label"];
        var features = view.Schema[TabularDataSet.RawFeatures];
        var rows = new List<(string, float[])>();
        using DataViewRowCursor cursor = view.GetRowCursor([label, features]);
        var getLabel = cursor.GetGetter<ReadOnlyMemory<char>>(label);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        ReadOnlyMemory<char> text = default;
        VBuffer<float> vector = default;
        while (cursor.MoveNext())
        {
            getLabel(ref text);
            getFeatures(ref vector);
            rows.Add((text.ToString(), vector.DenseValues().ToArray()));
        }
        return rows;
    }

    private static bool Same((string Label, float[] Features) a, (string Label, float[] Features) b) =>
        a.Label == b.Label && a.Features.AsSpan().SequenceEqual(b.Features);

    private static void Write(string path, string? header, IEnumerable<string> lines)
    {
        using var writer = new StreamWriter(path);
        if (header != null) writer.WriteLine(header);
        foreach (string line in lines) writer.WriteLine(line);
    }
}
