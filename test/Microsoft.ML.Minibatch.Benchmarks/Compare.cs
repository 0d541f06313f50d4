using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>
/// `compare`: runs scripts/pytorch_reference.py, `minibatch train --json` (our engine) and `minibatch train --json
/// --engine torchsharp` in rotation, each in its own process (so that every peak working set is a whole-process
/// number), on the same data, hyperparameters, seed and 2 threads, and prints a Markdown table of medians.
/// </summary>
internal static class Compare
{
    private const string Usage = "compare [--runs N] [--config seeds|wide|all] [--epochs N] [--pytorch-epochs N] [--torchsharp-epochs N] " +
        "[--no-torchsharp] [--seed N] [--threads N] [--data DIR] [--python PATH] [--minibatch PATH/minibatch.dll]";

    /// <summary>One contender: its name and how to start it for a configuration and an epoch count.</summary>
    private sealed record Side(string Name, int? Epochs, Func<string[], string, (string Program, string[] Arguments)> Command);

    /// <summary>Runs the comparison; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int runs = 3, threads = 2;
        int? epochs = null, pytorchEpochs = null, torchSharpEpochs = null;
        bool torchSharp = true;
        string config = "seeds", python = "/usr/bin/python3", seed = "1";
        string? data = null, minibatch = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}", nameof(args));
            switch (args[i])
            {
                case "--runs": runs = PositiveInt(Next(), "--runs"); break;
                case "--config": config = Next(); break;
                case "--epochs": epochs = PositiveInt(Next(), "--epochs"); break;
                case "--pytorch-epochs": pytorchEpochs = PositiveInt(Next(), "--pytorch-epochs"); break;
                case "--torchsharp-epochs": torchSharpEpochs = PositiveInt(Next(), "--torchsharp-epochs"); break;
                case "--no-torchsharp": torchSharp = false; break;
                case "--seed": seed = PositiveInt(Next(), "--seed").ToString(CultureInfo.InvariantCulture); break;
                case "--threads": threads = PositiveInt(Next(), "--threads"); break;
                case "--data": data = Next(); break;
                case "--python": python = Next(); break;
                case "--minibatch": minibatch = Next(); break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: {Usage}", nameof(args));
            }
        }

        CompareConfiguration[] configurations = config switch
        {
            "seeds" => [CompareConfiguration.Seeds],
            "wide" => [CompareConfiguration.Wide],
            "all" => [CompareConfiguration.Seeds, CompareConfiguration.Wide],
            _ => throw new ArgumentException($"--config must be seeds, wide or all (got '{config}').", nameof(args)),
        };
        data ??= Environment.GetEnvironmentVariable("MINIBATCH_DATA")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "minibatch", "mnist");
        minibatch ??= FindMinibatch();
        string script = Path.Combine(AppContext.BaseDirectory, "scripts", "pytorch_reference.py");
        string threadText = threads.ToString(CultureInfo.InvariantCulture);
        string loadBefore = HostCheck.LoadAverage(), lostBefore = HostCheck.LostTime();

        var sides = new List<Side>
        {
            new("PyTorch", pytorchEpochs, (common, e) => (python, [script, .. common, "--epochs", e])),
            new("ours", null, (common, e) => ("dotnet", [minibatch, "train", "--json", .. common, "--epochs", e])),
        };
        if (torchSharp)
            sides.Add(new("TorchSharp", torchSharpEpochs, (common, e) => ("dotnet", [minibatch, "train", "--json", "--engine", "torchsharp", .. common, "--epochs", e])));

        var rows = new List<string>();
        foreach (CompareConfiguration c in configurations)
        {
            string[] common = [.. c.Arguments, "--data", data, "--seed", seed, "--threads", threadText];
            int EpochsOf(Side side) => side.Epochs ?? epochs ?? c.Epochs;
            var results = sides.ToDictionary(side => side.Name, _ => new List<JsonElement>());
            for (int r = 0; r < runs; r++)
            {
                // Rotate which side goes first, so that a slow phase of the shared machine does not hit one side only.
                for (int k = 0; k < sides.Count; k++)
                {
                    Side side = sides[(r + k) % sides.Count];
                    var (program, arguments) = side.Command(common, EpochsOf(side).ToString(CultureInfo.InvariantCulture));
                    JsonElement result = RunJson(program, arguments, threadText);
                    results[side.Name].Add(result);
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{c.Name} run {r + 1}/{runs} {side.Name}: {Get(result, "seconds_per_epoch"):F3} s/epoch, accuracy {Accuracy(result):F4}, peak {Get(result, "peak_working_set_mb"):F0} MB (load {HostCheck.LoadAverage()})"));
                }
            }

            string accuracyKind = c.Arguments.Contains("full") ? "test" : "valid";
            double pytorch = Median(results["PyTorch"], "seconds_per_epoch");
            foreach (Side side in sides)
            {
                var mine = results[side.Name];
                double seconds = Median(mine, "seconds_per_epoch");
                int sideEpochs = EpochsOf(side);
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {c.Name} | {side.Name} | {sideEpochs} | {seconds:F3} (best {Min(mine):F3}) | {pytorch / seconds:F1}× | {accuracyKind} {MedianAccuracy(mine):F4} | {Median(mine, "peak_working_set_mb"):F0} |"));
            }
        }

        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"PyTorch {StringOrUnknown(_torchVersion)} (OpenBLAS) vs Microsoft.ML.Minibatch on its own engine ({InstructionSet.Describe()}) and on TorchSharp, {threads} threads each, " +
            $"{runs} rotating runs per side, medians; load average before: {loadBefore}, after: {HostCheck.LoadAverage()}; " +
            $"time two spinning threads lost to other work before: {lostBefore}, after: {HostCheck.LostTime()}");
        sb.AppendLine();
        foreach (CompareConfiguration c in configurations) sb.AppendLine(CultureInfo.InvariantCulture, $"- {c.Name}: {c.Description}");
        sb.AppendLine();
        sb.AppendLine("| configuration | side | epochs | s/epoch | speed-up over PyTorch | accuracy | peak MB |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (string row in rows) sb.AppendLine(row);
        Console.Write(sb.ToString());
        return 0;
    }

    private static string? _torchVersion;

    private static string StringOrUnknown(string? s) => s ?? "?";

    private static int PositiveInt(string text, string name) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1
            ? v
            : throw new ArgumentOutOfRangeException(name, text, $"{name} must be a positive integer (got '{text}').");

    /// <summary>The Samples build next to this one (same configuration), found by walking up to the repository root.</summary>
    internal static string FindMinibatch()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Minibatch.ML.sln"))) dir = dir.Parent;
        if (dir == null) throw new FileNotFoundException("Cannot find the repository root above " + AppContext.BaseDirectory + "; pass --minibatch PATH/minibatch.dll.");
        string tfm = new DirectoryInfo(AppContext.BaseDirectory).Name;
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
        string path = Path.Combine(dir.FullName, "src", "Samples", "bin", configuration, tfm, "minibatch.dll");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} does not exist: build it first (dotnet build -c {configuration} src/Samples) or pass --minibatch.", path);
        return path;
    }

    /// <summary>Runs one side in its own process and parses the JSON object on its last line of output.</summary>
    private static JsonElement RunJson(string program, string[] arguments, string threads)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        // Both sides get the same number of threads: torch.set_num_threads and OpenBLAS/OpenMP on one side, --threads on ours.
        psi.Environment["OPENBLAS_NUM_THREADS"] = threads;
        psi.Environment["OMP_NUM_THREADS"] = threads;
        using Process process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string? last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (process.ExitCode != 0 || last is null || !last.StartsWith('{'))
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {errors.Result}{output}");
        using JsonDocument doc = JsonDocument.Parse(last);
        JsonElement root = doc.RootElement.Clone();
        if (root.TryGetProperty("torch", out JsonElement version)) _torchVersion = version.GetString();
        return root;
    }

    private static double Get(JsonElement e, string key) => e.GetProperty(key).GetDouble();

    private static double Accuracy(JsonElement e) =>
        e.TryGetProperty("test_accuracy", out JsonElement test) ? test.GetDouble() : Get(e, "valid_accuracy");

    private static double Median(List<JsonElement> results, string key) => Statistics.Median(results.Select(e => Get(e, key)));

    private static double Min(List<JsonElement> results) => results.Min(e => Get(e, "seconds_per_epoch"));

    private static double MedianAccuracy(List<JsonElement> results) => Statistics.Median(results.Select(Accuracy));

}
