using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Samples.Progress;
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
        string DataDirectory, int Epochs, int BatchSize, double LearningRate, double Momentum, double WeightDecay,
        string Optimizer, int[] Hidden, string Sampler, ulong Seed, int? Threads, string Split, bool Json, bool Profile)
    {
        /// <summary>managed or torchsharp.</summary>
        public string Engine { get; init; } = "managed";

        /// <summary>Where to save the trained model (.zip), or null.</summary>
        public string? ModelPath { get; init; }

        /// <summary>A state-dict file to start from instead of the seeded initialisation, or null.</summary>
        public string? InitPath { get; init; }

        /// <summary>How the learning rate changes during training.</summary>
        public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

        /// <summary>The recipe options (one-cycle's parameters).</summary>
        public RecipeSettings Recipe { get; init; } = RecipeSettings.Default;
    }

    public static Command Create(TextWriter? output = null)
    {
        var command = new Command("train", "Train an MLP on MNIST with minibatch SGD and print one line per epoch.");
        var data = new Option<string?>("--data") { Description = "Directory with the MNIST IDX files (default: $MINIBATCH_DATA or ~/.cache/minibatch/mnist)." };
        var epochs = new Option<int>("--epochs") { Description = "Number of epochs.", DefaultValueFactory = _ => 5 };
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
        var engine = new Option<string>("--engine") { Description = "managed (this library's engine) or torchsharp (libtorch).", DefaultValueFactory = _ => "managed" };
        engine.AcceptOnlyFromAmong("managed", "torchsharp");

        AddCheck(epochs, v => v >= 1, "--epochs must be at least 1");
        AddCheck(batchSize, v => v >= 1, "--batch-size must be at least 1");
        AddCheck(lr, v => double.IsFinite(v) && v > 0, "--lr must be a positive number");
        AddCheck(momentum, v => double.IsFinite(v) && v >= 0, "--momentum must be a number ≥ 0");
        AddCheck(weightDecay, v => double.IsFinite(v) && v >= 0, "--weight-decay must be a number ≥ 0");
        AddCheck(seed, v => v is >= 0 and <= int.MaxValue, "--seed must be between 0 and 2147483647");
        AddCheck(threads, v => v is null || v >= 1, "--threads must be at least 1");
        AddCheck(hidden, v => TryParseHidden(v, out _), "--hidden must be comma-separated positive sizes, e.g. 128,64");

        foreach (var option in new Option[] { data, epochs, batchSize, lr, momentum, weightDecay, optimizer, hidden, sampler, seed, threads, split, json, profile, modelPath, init, lrSchedule, engine })
        {
            command.Options.Add(option);
        }
        var recipe = RecipeOptions.AddTo(command);
        command.SetAction(parse =>
        {
            TryParseHidden(parse.GetValue(hidden), out var sizes);
            var settings = new Settings(
                parse.GetValue(data) ?? DefaultDataDirectory(), parse.GetValue(epochs), parse.GetValue(batchSize), parse.GetValue(lr),
                parse.GetValue(momentum), parse.GetValue(weightDecay), parse.GetValue(optimizer)!, sizes, parse.GetValue(sampler)!,
                (ulong)parse.GetValue(seed), parse.GetValue(threads), parse.GetValue(split)!, parse.GetValue(json),
                parse.GetValue(profile)) { ModelPath = parse.GetValue(modelPath), InitPath = parse.GetValue(init),
                  Schedule = Enum.Parse<LearningRateSchedule>(parse.GetValue(lrSchedule)!, ignoreCase: true), Engine = parse.GetValue(engine)!, Recipe = recipe.Read(parse) };
            return Run(settings, output ?? Console.Out);
        });
        return command;
    }

    private static void AddCheck<T>(Option<T> option, Func<T, bool> isValid, string message)
    {
        option.Validators.Add(result =>
        {
            T? value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return; // The value does not parse as T: the parser reports that error itself.
            }
            if (!isValid(value!)) result.AddError($"{message} (got '{string.Join(' ', result.Tokens.Select(t => t.Value))}').");
        });
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
        var (train, valid) = LoadSplit(s.DataDirectory, s.Split);
        // Ctrl+C stops within one batch; nothing is saved then.
        using var cancel = new CancellationTokenSource();
        var profile = new PhaseRecorder();
        // The same trainer a library user calls, on the pixels kept as bytes (a quarter of the memory of floats).
        var trainer = new MLContext(seed: (int)s.Seed).MulticlassClassification.Trainers.Minibatch(s.Recipe.ApplyTo(new MinibatchTrainer.Options
        {
            HiddenLayers = s.Hidden, BatchSize = s.BatchSize, NumberOfEpochs = s.Epochs, LearningRate = (float)s.LearningRate,
            Momentum = (float)s.Momentum, WeightDecay = (float)s.WeightDecay, LearningRateSchedule = s.Schedule,
            Optimizer = Enum.Parse<OptimizerKind>(s.Optimizer, ignoreCase: true),
            Sampler = s.Sampler == "random" ? SamplerKind.Random : SamplerKind.Sequential,
            Seed = (int)s.Seed, InitialWeightsPath = s.InitPath,
            Engine = s.Engine == "torchsharp" ? new TorchSharpEngine(s.Threads) : ManagedEngine.Instance,
            // A live table and progress bar on a terminal; the plain lines when redirected or with --json.
            Callbacks = [TrainingProgress.ShouldShow(output, s.Json) ? new TrainingProgress(AnsiConsole.Console) : new EpochPrinter(output), profile],
            CancellationToken = cancel.Token,
        }));
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        MinibatchTransformer transformer;
        try
        {
            transformer = trainer.Fit(train, valid, ModelCommandSupport.Digits);
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
        }
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        if (s.ModelPath != null)
            new MLContext(seed: (int)s.Seed).Model.SaveAtomically(transformer, ModelCommandSupport.MnistSchema(), s.ModelPath);

        var history = transformer.History;
        double trainSeconds = history.Sum(e => e.TrainSeconds);
        var last = history[^1];
        if (s.Profile)
        {
            var (gather, forward, backward, step, batches) = profile.Times;
            double perBatch(TimeSpan t) => t.TotalMilliseconds * 1000 / batches;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"per batch (µs): gather {perBatch(gather):F1}, forward {perBatch(forward):F1}, backward {perBatch(backward):F1}, step {perBatch(step):F1} over {batches} batches; {(double)allocated / batches:F0} bytes allocated per batch (validation included)"));
        }
        if (s.Json)
        {
            var summary = new Dictionary<string, object>
            {
                ["epochs"] = history.Count,
                ["train_seconds"] = trainSeconds,
                ["seconds_per_epoch"] = trainSeconds / history.Count,
                ["train_loss"] = last.TrainLoss,
                ["valid_loss"] = last.ValidLoss,
                ["valid_accuracy"] = last.ValidAccuracy,
            };
            if (s.Split == "full") summary["test_accuracy"] = last.ValidAccuracy;
            summary["peak_working_set_mb"] = PeakWorkingSetMegabytes();
            output.WriteLine(JsonSerializer.Serialize(summary));
        }
        output.Flush();
        return 0;
    }

    /// <summary>
    /// Ensures MNIST in <paramref name="directory"/> (fetching it if absent) and returns the training and validation sets
    /// over the raw pixel bytes: the seeds' 50,000/10,000 split of the training file, or all 60,000 with t10k.
    /// </summary>
    internal static (ByteImageDataset Train, ByteImageDataset Valid) LoadSplit(string? directory, string split)
    {
        var files = Mnist.EnsureFiles(new MnistOptions { Directory = directory, Progress = message => Console.Error.WriteLine(message) });
        var trainSet = ReadImages(files.TrainImages, files.TrainLabels);
        if (split == "seed")
        {
            const int validCount = 10_000;
            return (trainSet.Slice(0, trainSet.Count - validCount), trainSet.Slice(trainSet.Count - validCount, validCount));
        }
        return (trainSet, ReadImages(files.TestImages, files.TestLabels));
    }

    private static ByteImageDataset ReadImages(string imagesPath, string labelsPath)
    {
        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath, Mnist.ClassCount);
        if (images.Count != labels.Length)
        {
            throw new InvalidDataException($"{imagesPath} holds {images.Count} images but {labelsPath} holds {labels.Length} labels.");
        }
        return new ByteImageDataset(images.Pixels, labels, images.PixelsPerImage);
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

    /// <summary>Keeps the fit loop's per-phase times for --profile.</summary>
    private sealed class PhaseRecorder : FitCallback
    {
        public (TimeSpan Gather, TimeSpan Forward, TimeSpan Backward, TimeSpan Step, long Batches) Times { get; private set; }

        public override void OnFitEnd(FitLoop loop, IReadOnlyList<EpochMetrics> history) => Times = loop.PhaseTimes;
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
