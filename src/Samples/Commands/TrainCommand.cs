using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Samples.Progress;
using Microsoft.ML.Minibatch.Samples.Tabular;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.TorchSharp;
using Microsoft.ML.Minibatch.Training;
using Spectre.Console;

namespace Microsoft.ML.Minibatch.Samples.Commands;

// ML.NET has a namespace Microsoft.ML.Command, which would otherwise hide System.CommandLine.Command here.
using Command = System.CommandLine.Command;

/// <summary>
/// `minibatch train`: the seeds' minibatch training on MNIST (784-50-10, batch 64, lr 0.5, 5 epochs, random sampler,
/// validation batch 128, seed 1, the 50,000/10,000 split) with options for the other workloads.
/// </summary>
internal static class TrainCommand
{
    /// <summary>The settings of one run, parsed and checked.</summary>
    internal sealed record Settings(
        string DataDirectory, int? Epochs, int BatchSize, double LearningRate, double Momentum, double WeightDecay,
        string Optimizer, int[] Hidden, string Sampler, ulong Seed, int? Threads, string Split, bool Json, bool Profile)
    {
        /// <summary>managed or torchsharp.</summary>
        public string Engine { get; init; } = "managed";

        /// <summary>Where to save the trained model (.zip), or null.</summary>
        public string? ModelPath { get; init; }

        /// <summary>A state-dict file to start from instead of the seeded initialisation, or null.</summary>
        public string? InitPath { get; init; }

        /// <summary>How to read --data when it is a CSV/TSV file.</summary>
        public CsvOptions Csv { get; init; } = new();

        /// <summary>K as given by --classes, or null to take it from the labels.</summary>
        public int? ClassCount { get; init; }

        /// <summary>How the learning rate changes during training.</summary>
        public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

        /// <summary>Whether to save a model that training warns about (no better than the class frequencies).</summary>
        public bool SaveAnyway { get; init; }

        /// <summary>The recipe options (one-cycle's parameters).</summary>
        public RecipeSettings Recipe { get; init; } = RecipeSettings.Default;

        /// <summary>Where a CSV file's rows are held while training.</summary>
        public RowStorageSettings Rows { get; init; } = RowStorageSettings.Default;
    }

    public static Command Create(TextWriter? output = null) =>
        AddTrainOptions(new Command("train", "Train an MLP on MNIST with minibatch SGD and print one line per epoch."),
            (settings, _) => Run(settings, output ?? Console.Out));

    /// <summary>Adds the options of <c>train</c> to <paramref name="command"/> (also used by <c>lr-find</c>) and runs
    /// <paramref name="action"/> with them parsed and checked.</summary>
    internal static Command AddTrainOptions(Command command, Func<Settings, ParseResult, int> action)
    {
        var data = new Option<string?>("--data") { Description = "A directory of IDX files under MNIST's names (default: $MINIBATCH_DATA or ~/.cache/minibatch/mnist, fetched if missing), or a CSV/TSV file." };
        var classes = new Option<int?>("--classes") { Description = "IDX data: the number of classes K (default: the largest label + 1).", HelpName = "K" };
        var csv = new CsvCommandOptions(training: true);
        var epochs = new Option<int?>("--epochs") { Description = "Number of epochs (default: enough for 3,000 batches, at least 5 and at most 1,000: 5 on MNIST)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Training batch size (validation uses twice this).", DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 0.5 };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => 0.0 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay.", DefaultValueFactory = _ => 0.0 };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, adam or adamw (decoupled weight decay: --weight-decay is AdamW's weight_decay).", DefaultValueFactory = _ => "sgd" };
        optimizer.AcceptOnlyFromAmong("sgd", "adam", "adamw");
        var hidden = new Option<string>("--hidden") { Description = "Hidden layer sizes, comma-separated (empty: no hidden layer).", DefaultValueFactory = _ => "50" };
        var sampler = new Option<string>("--sampler") { Description = "random or sequential training order.", DefaultValueFactory = _ => "random" };
        sampler.AcceptOnlyFromAmong("random", "sequential");
        var seed = new Option<long>("--seed") { Description = "Seed of initialisation and sampling (torch.manual_seed).", DefaultValueFactory = _ => 1 };
        var threads = new Option<int?>("--threads") { Description = "Most threads a matrix multiply may use." };
        var split = new Option<string>("--split") { Description = "seed: 50,000 train / 10,000 valid; full: 60,000 train, t10k as validation and test.", DefaultValueFactory = _ => "seed" };
        split.AcceptOnlyFromAmong("seed", "full");
        var json = new Option<bool>("--json") { Description = "End with one JSON line of results." };
        var profile = new Option<bool>("--profile") { Description = "Print where a training batch's time goes (to stderr)." };
        var modelPath = new Option<string?>("--model") { Description = "Save the trained model to this .zip (for evaluate, predict, export)." };
        var init = new Option<string?>("--init") { Description = "Start from this state-dict file (e.g. from `minibatch export`)." };
        var lrSchedule = new Option<string>("--lr-schedule") { Description = "constant, cosine (to 0 over all batches), step (÷10 at 50% and 75% of the epochs) or onecycle (fast.ai's fit_one_cycle, --lr is lr_max).", DefaultValueFactory = _ => "constant" };
        lrSchedule.AcceptOnlyFromAmong("constant", "cosine", "step", "onecycle");
        var saveAnyway = new Option<bool>("--save-anyway") { Description = "Save the model even when training ends no better than predicting the class frequencies." };
        var engine = new Option<string>("--engine") { Description = "managed (this library's engine) or torchsharp (libtorch).", DefaultValueFactory = _ => "managed" };
        engine.AcceptOnlyFromAmong("managed", "torchsharp");

        OptionChecks.Add(epochs, v => v is null or >= 1, "--epochs must be at least 1");
        OptionChecks.Add(batchSize, v => v >= 1, "--batch-size must be at least 1");
        OptionChecks.Add(lr, v => double.IsFinite(v) && v > 0, "--lr must be a positive number");
        OptionChecks.Add(momentum, v => double.IsFinite(v) && v >= 0, "--momentum must be a number ≥ 0");
        OptionChecks.Add(weightDecay, v => double.IsFinite(v) && v >= 0, "--weight-decay must be a number ≥ 0");
        OptionChecks.Add(seed, v => v is >= 0 and <= int.MaxValue, "--seed must be between 0 and 2147483647");
        OptionChecks.Add(threads, v => v is null || v >= 1, "--threads must be at least 1");
        OptionChecks.Add(hidden, v => TryParseHidden(v, out _), "--hidden must be comma-separated positive sizes, e.g. 128,64");

        csv.AddTo(command);
        foreach (var option in new Option[] { data, classes, epochs, batchSize, lr, momentum, weightDecay, optimizer, hidden, sampler, seed, threads, split, json, profile, modelPath, init, lrSchedule, engine, saveAnyway })
        {
            command.Options.Add(option);
        }
        var recipe = RecipeOptions.AddTo(command);
        var rows = RowStorageOptions.AddTo(command);
        command.SetAction(parse =>
        {
            TryParseHidden(parse.GetValue(hidden), out var sizes);
            var settings = new Settings(
                DataPath.Existing(parse.GetValue(data)) ?? DefaultDataDirectory(), parse.GetValue(epochs), parse.GetValue(batchSize), parse.GetValue(lr),
                parse.GetValue(momentum), parse.GetValue(weightDecay), parse.GetValue(optimizer)!, sizes, parse.GetValue(sampler)!,
                (ulong)parse.GetValue(seed), parse.GetValue(threads), parse.GetValue(split)!, parse.GetValue(json),
                parse.GetValue(profile)) { ModelPath = parse.GetValue(modelPath), InitPath = parse.GetValue(init),
                  Schedule = Enum.Parse<LearningRateSchedule>(parse.GetValue(lrSchedule)!, ignoreCase: true), Engine = parse.GetValue(engine)!,
                  ClassCount = parse.GetValue(classes), Csv = csv.Read(parse), SaveAnyway = parse.GetValue(saveAnyway), Recipe = recipe.Read(parse),
                  Rows = rows.Read(parse) };
            return action(settings, parse);
        });
        return command;
    }

    internal static bool TryParseHidden(string? text, out int[] sizes)
    {
        sizes = [];
        if (string.IsNullOrWhiteSpace(text)) return true;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var parsed = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out parsed[i]) || parsed[i] < 1) return false;
        }
        sizes = parsed;
        return true;
    }

    internal static string DefaultDataDirectory() => new MnistOptions().ResolveDirectory();

    internal static int Run(Settings s, TextWriter output)
    {
        if (s.Threads is int threads) ComputeOptions.MaxThreads = threads;
        // --data names a directory of IDX files, or a CSV/TSV file.
        bool csv = File.Exists(s.DataDirectory);
        CheckRowStorage(s, csv);
        ByteImageDataset? train = null, valid = null;
        IdxDataSource? source = null;
        // The IDX image files stay mapped until the fit ends, and no longer.
        IdxSplit? images = null;
        CsvTraining.Prepared? table = null;
        var ml = new MLContext(seed: (int)s.Seed);
        ShowRowReading(ml);
        // Ctrl+C stops within one batch; nothing is saved then.
        using var cancel = new CancellationTokenSource();
        var profile = new PhaseRecorder();
        // The same trainer a library user calls: on IDX images kept as bytes (a quarter of the memory of floats), or on
        // the CSV file's rows after ML.NET's transforms.
        var options = TrainerOptions(s);
        // A live table and progress bar on a terminal; the plain lines when redirected or with --json.
        // Sampled after each epoch (and in between), because the kernel keeps no peak of anonymous memory.
        using var memory = new AnonymousMemoryPeak();
        options.Callbacks = [TrainingProgress.ShouldShow(output, s.Json) ? new TrainingProgress(AnsiConsole.Console) : new EpochPrinter(output), profile, memory];
        options.CancellationToken = cancel.Token;
        MinibatchTrainer trainer;
        if (csv)
        {
            table = CsvTraining.Prepare(ml, s.DataDirectory, s.Csv, (int)s.Seed);
            options.ValidationSet = table.Valid;
            trainer = ml.MulticlassClassification.Trainers.Minibatch(options);
        }
        else
        {
            // Made before the images are read: the trainer compiles the engine's code on the other core meanwhile.
            trainer = ml.MulticlassClassification.Trainers.Minibatch(options);
            images = LoadSplit(s.DataDirectory, s.Split, s.ClassCount);
            (train, valid, source, _) = images;
            if (options.Deskew)
            {
                // Only the IDX header says how wide the images are.
                options.ImageWidth = images.ImageWidth;
                try
                {
                    trainer = ml.MulticlassClassification.Trainers.Minibatch(options);
                }
                catch
                {
                    images.Dispose();
                    throw;
                }
            }
        }
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        MinibatchTransformer transformer;
        try
        {
            if (s.Recipe.FindLearningRate) trainer = WithFoundLearningRate(ml, options, table != null
                ? trainer.FindLearningRate(table.Train, FinderSettings)
                : trainer.FindLearningRate(train!, source!.ClassNames, FinderSettings), output);
            transformer = table != null ? trainer.Fit(table.Train) : trainer.Fit(train!, valid, source!.ClassNames);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Reported through CommandLineHost as one line, like any other failure.
            throw new OperationCanceledException(s.ModelPath is null
                ? "training cancelled."
                : $"training cancelled; {s.ModelPath} was not written.");
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            images?.Dispose();
            memory.Sample();
        }
        // A model no better than the class frequencies is reported, not saved as if it were trained.
        if (transformer.TrainingWarnings.Count > 0)
        {
            string warning = transformer.TrainingWarnings[0];
            if (!s.SaveAnyway)
                throw new InvalidOperationException(s.ModelPath is null ? warning : $"{warning} {s.ModelPath} was not written; --save-anyway writes it.");
            Console.Error.WriteLine($"minibatch: warning: {warning}");
        }
        // A CSV model is the whole chain (label mapping, concatenation, normalisation, network), so it reads the file's columns.
        if (s.ModelPath != null && table != null)
            ml.Model.SaveAtomically(table.Chain(transformer), table.InputSchema, s.ModelPath);
        else if (s.ModelPath != null)
            ml.Model.SaveAtomically(transformer, ModelCommandSupport.ImageSchema(train!.FeatureCount, source!.ClassNames), s.ModelPath);

        var history = transformer.History;
        double trainSeconds = history.Sum(e => e.TrainSeconds);
        var last = history[^1];
        if (s.Profile)
        {
            var (gather, forward, backward, step, batches) = profile.Times;
            double perBatch(TimeSpan t) => t.TotalMilliseconds * 1000 / batches;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"per batch (µs): gather {perBatch(gather):F1}, forward {perBatch(forward):F1}, backward {perBatch(backward):F1}, step {perBatch(step):F1} over {batches} batches; {(double)profile.Allocated / batches:F0} bytes allocated per batch (validation included)"));
        }
        if (s.Json)
        {
            var summary = new Dictionary<string, object?>
            {
                ["epochs"] = history.Count,
                ["train_seconds"] = trainSeconds,
                ["seconds_per_epoch"] = trainSeconds / history.Count,
                ["train_loss"] = JsonNumber.Finite(last.TrainLoss),
                ["valid_loss"] = JsonNumber.Finite(last.ValidLoss),
                ["valid_accuracy"] = JsonNumber.Finite(last.ValidAccuracy),
            };
            if (s.Split == "full") summary["test_accuracy"] = JsonNumber.Finite(last.ValidAccuracy);
            summary["peak_working_set_mb"] = PeakWorkingSetMegabytes();
            memory.Sample();
            summary["peak_anonymous_mb"] = memory.PeakMegabytes;
            output.WriteLine(JsonSerializer.Serialize(summary));
        }
        output.Flush();
        return 0;
    }

    // lr-find's defaults (fast.ai's lr_find).
    private static readonly LearningRateFinderSettings FinderSettings = new();

    /// <summary>Prints the finder's curve and returns a trainer whose options train with its suggestion and keep the
    /// curve for the saved model.</summary>
    private static MinibatchTrainer WithFoundLearningRate(MLContext ml, MinibatchTrainer.Options options, LearningRateFinderResult found, TextWriter output)
    {
        LrFindCommand.Print(found, FinderSettings, json: false, output);
        if (found.SuggestedLearningRate is not double rate)
            throw new InvalidOperationException("the learning-rate finder suggested no rate (too few batches); pass --lr instead of --find-lr.");
        options.LearningRate = (float)rate;
        options.LearningRateFinder = found;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"training with the suggested learning rate {options.LearningRate:0.###e+0}"));
        return ml.MulticlassClassification.Trainers.Minibatch(options);
    }

    /// <summary>The trainer's options for these settings (no validation set, callbacks or token).</summary>
    internal static MinibatchTrainer.Options TrainerOptions(Settings s) => s.Rows.ApplyTo(s.Recipe.ApplyTo(new MinibatchTrainer.Options
    {
        HiddenLayers = s.Hidden, BatchSize = s.BatchSize, NumberOfEpochs = s.Epochs, LearningRate = (float)s.LearningRate,
        Momentum = (float)s.Momentum, WeightDecay = (float)s.WeightDecay, LearningRateSchedule = s.Schedule,
        Optimizer = Enum.Parse<OptimizerKind>(s.Optimizer, ignoreCase: true),
        Sampler = s.Sampler == "random" ? SamplerKind.Random : SamplerKind.Sequential,
        Seed = (int)s.Seed, InitialWeightsPath = s.InitPath,
        Engine = s.Engine == "torchsharp" ? ToolPackage.CreateTorchSharpEngine(s.Threads) : ManagedEngine.Instance,
    }));

    /// <summary>Shows on stderr what the trainer says while it reads a CSV file's rows (a kept cache file reused or
    /// written anew, the progress of writing many gigabytes); stdout stays the epochs and the JSON line.</summary>
    internal static void ShowRowReading(MLContext ml) => ml.Log += (_, e) =>
    {
        if (e.Kind == Runtime.ChannelMessageKind.Info && e.Source.EndsWith("; Reading rows", StringComparison.Ordinal)) Console.Error.WriteLine(e.RawMessage);
    };

    /// <summary>Refuses the row-storage options on IDX data, whose images are read where they lie and never copied.</summary>
    internal static void CheckRowStorage(Settings s, bool csv)
    {
        if (!csv && s.Rows.Given.Length > 0)
            throw new ArgumentException($"{string.Join(", ", s.Rows.Given)} {(s.Rows.Given.Length == 1 ? "is" : "are")} for CSV data only; IDX images are trained from a memory map of their file, with no copy.");
    }

    /// <summary>
    /// Ensures the IDX data set in <paramref name="directory"/> (fetching MNIST if absent) and returns the training and
    /// validation sets over the raw pixel bytes, with K and the images' width: the last sixth of the training file held out (the seeds'
    /// 50,000/10,000 on MNIST), or the whole training file with t10k.
    /// </summary>
    /// <remarks>Raw image files are mapped, not read (a gzip file is read into memory); the caller disposes the split to
    /// unmap them.</remarks>
    internal static IdxSplit LoadSplit(string? directory, string split, int? classCount = null)
    {
        var source = IdxDataSource.Open(directory, classCount, message => Console.Error.WriteLine(message));
        var files = source.Files;
        var (trainFile, trainLabels) = IdxReader.OpenLabeledImages(files.TrainImages, files.TrainLabels, source.ClassCount);
        try
        {
            var trainSet = trainFile.ToDataset(trainLabels);
            if (split == "seed")
            {
                int validCount = IdxDataSource.ValidationCount(trainSet.Count);
                return new IdxSplit(trainSet.Slice(0, trainSet.Count - validCount), trainSet.Slice(trainSet.Count - validCount, validCount),
                    source, trainFile.Columns, [trainFile]);
            }
            var (testFile, testLabels) = IdxReader.OpenLabeledImages(files.TestImages, files.TestLabels, source.ClassCount);
            if (testFile.Rows != trainFile.Rows || testFile.Columns != trainFile.Columns)
            {
                testFile.Dispose();
                throw new InvalidDataException($"{files.TestImages} holds images of {testFile.Rows} × {testFile.Columns} pixels, {files.TrainImages} of {trainFile.Rows} × {trainFile.Columns}.");
            }
            return new IdxSplit(trainSet, testFile.ToDataset(testLabels), source, trainFile.Columns, [trainFile, testFile]);
        }
        catch
        {
            trainFile.Dispose();
            throw;
        }
    }

    private static double PeakWorkingSetMegabytes()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                    return double.Parse(kb, CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>Keeps the fit loop's per-phase times, and what the loop itself allocated, for --profile.</summary>
    private sealed class PhaseRecorder : FitCallback
    {
        private long _allocatedBefore;

        public (TimeSpan Gather, TimeSpan Forward, TimeSpan Backward, TimeSpan Step, long Batches) Times { get; private set; }

        public long Allocated { get; private set; }

        public override void OnFitBegin(FitLoop loop, int epochs) => _allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        public override void OnFitEnd(FitLoop loop, IReadOnlyList<EpochMetrics> history)
        {
            Allocated = GC.GetTotalAllocatedBytes(precise: true) - _allocatedBefore;
            Times = loop.PhaseTimes;
        }
    }

    /// <summary>Prints each epoch as it completes.</summary>
    private sealed class EpochPrinter(TextWriter output) : FitCallback
    {
        public override void OnEpochEnd(FitLoop loop, EpochMetrics m)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {m.Epoch}  train_loss {m.TrainLoss:F4}  valid_loss {m.ValidLoss:F4}  valid_accuracy {m.ValidAccuracy:F4}  {m.TrainSeconds:F2}s"));
            output.Flush();
        }
    }
}
