using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>
/// `tabular-compare`: our trainer beside ML.NET's own multiclass trainers on the small tabular data sets of
/// test/Microsoft.ML.Minibatch.Tests/Fixtures/Tabular, by k-fold <c>CrossValidate</c> with one seed (so the same folds
/// for every trainer), each trainer in a raw pipeline (LoadFromTextFile → MapValueToKey(Label) → Concatenate(Features))
/// and a normalised one (+ NormalizeMinMax), and the `minibatch` command line on the same folds written as CSV files.
/// Prints a Markdown table of mean ± standard deviation over the folds, and writes it to --out.
/// </summary>
internal static class TabularCompare
{
    private const string Usage = "tabular-compare [--out FILE] [--datasets iris,wine,breast-cancer,digits] [--folds N] [--seed N] " +
        "[--sweep] [--no-cli] [--no-build] [--minibatch PATH/minibatch.dll] [--data DIR]";

    /// <summary>The command line's row: raw is `train --normalize none`, normalised is `train` at its defaults (min-max).</summary>
    private const string CliName = "`minibatch` CLI (raw: `--normalize none`; normalised: defaults)";

    /// <summary>One cell of the table: the per-fold numbers, or the error that stopped the run.</summary>
    private sealed record Cell(double[] Accuracy, double[] LogLoss, double[] Seconds, string? Error);

    /// <summary>Runs the comparison; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        try
        {
            return RunChecked(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine("tabular-compare: " + e.Message);
            return 2;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or Win32Exception)
        {
            Console.Error.WriteLine("tabular-compare: " + e.Message);
            return 1;
        }
    }

    private static int RunChecked(string[] args)
    {
        int folds = 5, seed = 1;
        bool sweep = false, cli = true, build = true;
        string? output = null, minibatch = null, data = null;
        string[] names = [.. TabularDataSet.All.Select(Slug)];
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}", nameof(args));
            switch (args[i])
            {
                case "--out": output = Next(); break;
                case "--datasets": names = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--folds": folds = Integer(Next(), "--folds", 2); break;
                case "--seed": seed = Integer(Next(), "--seed", 0); break;
                case "--sweep": sweep = true; break;
                case "--no-cli": cli = false; break;
                case "--no-build": build = false; break;
                case "--minibatch": minibatch = Next(); build = false; break;
                case "--data": data = Next(); break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: {Usage}", nameof(args));
            }
        }
        var unknown = names.Where(n => TabularDataSet.All.All(s => Slug(s) != n)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"--datasets: no data set '{string.Join("', '", unknown)}' (there are {string.Join(", ", TabularDataSet.All.Select(Slug))}).", nameof(args));
        var sets = TabularDataSet.All.Where(s => names.Contains(Slug(s))).ToList();
        if (sets.Count == 0) throw new ArgumentException("--datasets names no data set. Usage: " + Usage, nameof(args));

        long started = Stopwatch.GetTimestamp();
        DateTime startedAt = DateTime.UtcNow;
        string root = RepositoryRoot();
        data ??= Path.Combine(root, "test", "Microsoft.ML.Minibatch.Tests", "Fixtures", "Tabular");
        foreach (string file in sets.Select(s => Path.Combine(data, s.FileName)).Where(f => !File.Exists(f)))
            throw new IOException($"{file} does not exist (make it with make_tabular_fixtures.py, or pass --data DIR).");
        cli &= !sweep;
        if (cli && build) BuildCommandLine(root);
        if (cli) minibatch ??= Compare.FindMinibatch();
        string loadBefore = HostCheck.LoadAverage(), lostBefore = HostCheck.LostTime();

        TabularContender[] contenders = sweep
            ? [TabularContender.OursDefaults, .. TabularContender.SweepCandidates]
            : [TabularContender.OursDefaults, TabularContender.OursRecommended, .. TabularContender.MlNet];
        WarmUp(sets[0], Path.Combine(data, sets[0].FileName), contenders, seed);
        var rows = new List<(TabularDataSet Set, string Trainer, Cell Raw, Cell Normalised)>();
        foreach (TabularDataSet set in sets)
        {
            string path = Path.Combine(data, set.FileName);
            int[]? foldRows = null;
            foreach (TabularContender contender in contenders)
            {
                var cells = new Cell[2];
                for (int n = 0; n < 2; n++)
                {
                    cells[n] = CrossValidate(set, path, contender, normalised: n == 1, folds, seed, ref foldRows);
                    Console.Error.WriteLine($"{set.Name} | {contender.Name} | {(n == 1 ? "normalised" : "raw")}: {Describe(cells[n])}");
                }
                rows.Add((set, contender.Name, cells[0], cells[1]));
            }
            if (cli)
            {
                var (raw, normalised) = CommandLine(set, path, minibatch!, folds, seed, foldRows);
                rows.Add((set, CliName, raw, normalised));
            }
        }

        string report = Report(rows, sets, folds, seed, sweep, cli, loadBefore, lostBefore, root, startedAt, Stopwatch.GetElapsedTime(started));
        Console.Write(report);
        if (output != null) File.WriteAllText(output, report);
        return 0;
    }

    /// <summary>Cross-validates one trainer in one pipeline on a fresh context seeded with <paramref name="seed"/>.</summary>
    private static Cell CrossValidate(TabularDataSet set, string path, TabularContender contender, bool normalised, int folds, int seed, ref int[]? foldRows)
    {
        var ml = new MLContext(seed: seed);
        IDataView data = set.Load(ml, path);
        var timed = new TimedEstimator(contender.Create(ml));
        try
        {
            var results = ml.MulticlassClassification.CrossValidate(data, Pipeline(ml, timed, normalised), folds, "Label", seed: seed);
            int[] rows = [.. results.Select(r => (int)r.Metrics.ConfusionMatrix.Counts.Sum(c => c.Sum()))];
            if (foldRows != null && !rows.SequenceEqual(foldRows))
                throw new InvalidOperationException($"{set.Name}: the folds differ between trainers ({string.Join('/', rows)} rows, earlier {string.Join('/', foldRows)}).");
            foldRows = rows;
            return new Cell([.. results.Select(r => r.Metrics.MicroAccuracy)], [.. results.Select(r => r.Metrics.LogLoss)], [.. timed.Seconds], null);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or InvalidDataException or ArithmeticException)
        {
            // A trainer that refuses (e.g. reports a collapse) is a result of the table, not the end of the run.
            return new Cell([], [], [], OneLine(e.Message));
        }
    }

    /// <summary>
    /// The pipeline of ML.NET's getting-started samples: MapValueToKey(Label) → Concatenate(Features) (→ NormalizeMinMax
    /// when <paramref name="normalised"/>) → a cache checkpoint, as ML.NET recommends before a trainer → the trainer.
    /// </summary>
    private static IEstimator<ITransformer> Pipeline(MLContext ml, IEstimator<ITransformer> trainer, bool normalised)
    {
        IEstimator<ITransformer> pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.Concatenate("Features", TabularDataSet.RawFeatures));
        if (normalised) pipeline = pipeline.Append(ml.Transforms.NormalizeMinMax("Features"));
        return pipeline.AppendCacheCheckpoint(ml).Append(trainer);
    }

    /// <summary>
    /// Fits every trainer in both pipelines once on <paramref name="path"/>, untimed, so that no cell of the table pays
    /// for compiling the trainer's code on first use. A failure here is left for the measured run to report.
    /// </summary>
    private static void WarmUp(TabularDataSet set, string path, IEnumerable<TabularContender> contenders, int seed)
    {
        foreach (TabularContender contender in contenders)
        {
            for (int n = 0; n < 2; n++)
            {
                var ml = new MLContext(seed: seed);
                try
                {
                    Pipeline(ml, contender.Create(ml), normalised: n == 1).Fit(set.Load(ml, path));
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException or InvalidDataException or ArithmeticException)
                {
                    Console.Error.WriteLine($"warm-up of {contender.Name}: {OneLine(e.Message)}");
                }
            }
        }
    }

    /// <summary>The command line on the same folds: with <c>--normalize none</c> (raw) and at its defaults (min-max).</summary>
    private static (Cell Raw, Cell Normalised) CommandLine(TabularDataSet set, string path, string minibatch, int folds, int seed, int[]? foldRows)
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("tabular-compare-");
        try
        {
            var ml = new MLContext(seed: seed);
            var written = TabularCli.WriteFolds(ml, set, path, set.Load(ml, path), folds, seed, directory.FullName);
            if (foldRows != null && !written.Select(f => f.TestRows).SequenceEqual(foldRows))
                throw new InvalidOperationException($"{set.Name}: CrossValidationSplit's folds ({string.Join('/', written.Select(f => f.TestRows))} test rows) are not CrossValidate's ({string.Join('/', foldRows)}).");
            var cells = new Cell[2];
            for (int n = 0; n < 2; n++)
            {
                string[] extra = n == 0 ? ["--normalize", "none"] : [];
                var outcomes = written.Select(f => TabularCli.Run(minibatch, set, f, extra, directory.FullName)).ToList();
                string? error = outcomes.FirstOrDefault(o => o.Error != null)?.Error;
                int failed = outcomes.Count(o => o.Error != null);
                var ok = outcomes.Where(o => o.Error == null).ToList();
                // When only evaluate failed, what train said of the same rows (its --valid file) still tells how the model did.
                var validAccuracy = outcomes.Select(o => o.ValidAccuracy).ToArray();
                string trainSaid = validAccuracy.All(double.IsFinite) ? $"; `train --valid` reported accuracy {MeanStd(validAccuracy, "F4")}" : "";
                cells[n] = failed > 0
                    ? new Cell([], [], [], $"{failed}/{outcomes.Count} folds failed: {Shorten(error!)}{trainSaid}")
                    : new Cell([.. ok.Select(o => o.MicroAccuracy)], [.. ok.Select(o => o.LogLoss)], [.. ok.Select(o => o.TrainSeconds)], null);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{set.Name} | minibatch CLI | {(n == 1 ? "defaults (min-max)" : "--normalize none")}: {(failed > 0 ? error : Describe(cells[n]))}{trainSaid}; processes {outcomes.Sum(o => o.WallSeconds):F1} s wall for {outcomes.Count} train + evaluate pairs"));
            }
            return (cells[0], cells[1]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string Report(List<(TabularDataSet Set, string Trainer, Cell Raw, Cell Normalised)> rows, List<TabularDataSet> sets,
        int folds, int seed, bool sweep, bool cli, string loadBefore, string lostBefore, string root, DateTime startedAt, TimeSpan elapsed)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"tabular-compare{(sweep ? " --sweep" : "")}, started {startedAt:yyyy-MM-dd HH:mm} UTC, commit {Git(root)}");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"machine: {CpuModel()}, {Environment.ProcessorCount} logical cores; {RuntimeInformation.FrameworkDescription}; ML.NET {VersionOf(typeof(MLContext))}, " +
            $"Microsoft.ML.LightGbm {VersionOf(typeof(Trainers.LightGbm.LightGbmMulticlassTrainer))}");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"load average before: {loadBefore}, after: {HostCheck.LoadAverage()}; time two spinning threads lost to other work before: {lostBefore}, after: {HostCheck.LostTime()}");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"{folds}-fold CrossValidate, seed {seed} (same folds for every trainer); accuracy = micro-accuracy; mean ± sample standard deviation over the folds; " +
            $"train s = mean seconds per fold of the trainer's Fit{(cli ? " (CLI: train_seconds of `train --json`)" : "")}; whole run {elapsed.TotalMinutes:F1} min");
        sb.AppendLine();
        sb.AppendLine("| data set | trainer | raw: accuracy | raw: log-loss | raw: train s | normalised: accuracy | normalised: log-loss | normalised: train s |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (set, trainer, raw, normalised) in rows)
            sb.AppendLine($"| {set.Name} | {trainer} | {Columns(raw)} | {Columns(normalised)} |");
        if (sweep) return sb.ToString();

        // The bar: our trainer at its defaults within 2 points of the best ML.NET trainer, per pipeline.
        sb.AppendLine();
        sb.AppendLine("| data set | best ML.NET trainer, raw | Minibatch (defaults) − it, raw | best ML.NET trainer, normalised | Minibatch (defaults) − it, normalised |");
        sb.AppendLine("|---|---|---:|---:|---:|");
        var mlNet = TabularContender.MlNet.Select(c => c.Name).ToHashSet();
        foreach (TabularDataSet set in sets)
        {
            var mine = rows.First(r => r.Set == set && r.Trainer == TabularContender.OursDefaults.Name);
            var theirs = rows.Where(r => r.Set == set && mlNet.Contains(r.Trainer)).ToList();
            string Gap(Func<(TabularDataSet, string, Cell Raw, Cell Normalised), Cell> pick)
            {
                var best = theirs.Where(r => pick(r).Error == null).MaxBy(r => pick(r).Accuracy.Average());
                if (best.Trainer is null) return "n/a | n/a";
                double bestAccuracy = pick(best).Accuracy.Average();
                string gap = pick(mine).Error == null
                    ? string.Create(CultureInfo.InvariantCulture, $"{100 * (pick(mine).Accuracy.Average() - bestAccuracy):+0.0;−0.0;0.0} points")
                    : "error";
                return string.Create(CultureInfo.InvariantCulture, $"{best.Trainer} {bestAccuracy:F4} | {gap}");
            }
            sb.AppendLine($"| {set.Name} | {Gap(r => r.Raw)} | {Gap(r => r.Normalised)} |");
        }
        return sb.ToString();
    }

    private static string Columns(Cell c) => c.Error != null
        ? $"{c.Error.Replace("|", "\\|", StringComparison.Ordinal)} | | "
        : string.Create(CultureInfo.InvariantCulture, $"{MeanStd(c.Accuracy, "F4")} | {MeanStd(c.LogLoss, "F4")} | {c.Seconds.Average():F3}");

    private static string Describe(Cell c) => c.Error ?? string.Create(CultureInfo.InvariantCulture,
        $"accuracy {MeanStd(c.Accuracy, "F4")}, log-loss {MeanStd(c.LogLoss, "F4")}, {c.Seconds.Average():F3} s/fold");

    private static string MeanStd(double[] values, string format)
    {
        double mean = values.Average();
        double std = values.Length > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1)) : 0;
        return $"{mean.ToString(format, CultureInfo.InvariantCulture)} ± {std.ToString(format, CultureInfo.InvariantCulture)}";
    }

    private static string Slug(TabularDataSet set) => set.Name.Replace(' ', '-');

    /// <summary>A command's error as far as its first sentence (the table's cells stay readable; stderr has it all).</summary>
    private static string Shorten(string message)
    {
        int stop = message.IndexOf(". ", StringComparison.Ordinal);
        return stop < 0 ? message : message[..(stop + 1)];
    }

    private static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    private static int Integer(string text, string name, int minimum) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= minimum
            ? v
            : throw new ArgumentOutOfRangeException(name, text, $"{name} must be an integer ≥ {minimum} (got '{text}').");

    /// <summary>The folder holding Minibatch.ML.sln above this build.</summary>
    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Minibatch.ML.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new IOException("Cannot find the repository root above " + AppContext.BaseDirectory + "; pass --data DIR and --minibatch PATH.");
    }

    /// <summary>
    /// Builds src/Samples (the `minibatch` command) in this build's configuration, so that the command line measured is
    /// the one of the current sources: `dotnet run` of this project builds the library but not the command.
    /// </summary>
    private static void BuildCommandLine(string root)
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "build", Path.Combine(root, "src", "Samples", "Samples.csproj"), "-c", configuration, "--nologo", "-v", "q" })
            psi.ArgumentList.Add(a);
        Console.Error.WriteLine($"building src/Samples ({configuration}) for the command line…");
        using Process process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet build");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet build src/Samples failed ({process.ExitCode}): {text}{errors.Result}");
    }

    private static string Git(string root)
    {
        try
        {
            string sha = Capture("git", "-C", root, "rev-parse", "--short", "HEAD").Trim();
            bool dirty = Capture("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Trim().Length > 0;
            return sha.Length == 0 ? "unknown" : sha + (dirty ? " with uncommitted changes" : "");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            return "unknown";
        }
    }

    private static string Capture(string program, params string[] arguments)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        using Process process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + program);
        string text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? text : "";
    }

    private static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    private static string VersionOf(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? type.Assembly.GetName().Version?.ToString() ?? "?";
}
