using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Minibatch.Samples.Tabular;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Training;

namespace Microsoft.ML.Minibatch.Samples.Commands;

// ML.NET has a namespace Microsoft.ML.Command, which would otherwise hide System.CommandLine.Command here.
using Command = System.CommandLine.Command;

/// <summary>`minibatch lr-find [train options]`: fast.ai's learning-rate finder on the network `train` would fit.</summary>
internal static class LrFindCommand
{
    public static Command Create(TextWriter? output = null)
    {
        var command = new Command("lr-find", "Sweep the learning rate exponentially over up to --num-it batches (fast.ai's lr_find), draw the smoothed loss and suggest a rate; takes train's options.");
        var start = new Option<double>("--start-lr") { Description = "The first batch's learning rate (fast.ai's start_lr).", DefaultValueFactory = _ => 1e-7 };
        var end = new Option<double>("--end-lr") { Description = "The rate reached after --num-it batches (fast.ai's end_lr).", DefaultValueFactory = _ => 10.0 };
        var iterations = new Option<int>("--num-it") { Description = "The most batches to run (fast.ai's num_it).", DefaultValueFactory = _ => 100 };
        foreach (var option in new Option[] { start, end, iterations }) command.Options.Add(option);
        OptionChecks.Add(start, v => double.IsFinite(v) && v > 0, "--start-lr must be a positive number");
        OptionChecks.Add(end, v => double.IsFinite(v) && v > 0, "--end-lr must be a positive number (above --start-lr)");
        OptionChecks.Add(iterations, v => v >= 2, "--num-it must be at least 2");
        return TrainCommand.AddTrainOptions(command, (s, parse) => Run(s,
            new LearningRateFinderSettings(parse.GetValue(start), parse.GetValue(end), parse.GetValue(iterations)), output ?? Console.Out));
    }

    internal static int Run(TrainCommand.Settings s, LearningRateFinderSettings finder, TextWriter output)
    {
        finder.Validate(); // --end-lr above --start-lr
        if (s.Threads is int threads) ComputeOptions.MaxThreads = threads;
        var ml = new MLContext(seed: (int)s.Seed);
        TrainCommand.ShowRowReading(ml);
        var options = TrainCommand.TrainerOptions(s);
        LearningRateFinderResult result;
        bool csv = File.Exists(s.DataDirectory);
        TrainCommand.CheckRowStorage(s, csv);
        if (csv)
        {
            var trainer = ml.MulticlassClassification.Trainers.Minibatch(options);
            result = trainer.FindLearningRate(CsvTraining.Prepare(ml, s.DataDirectory, s.Csv, (int)s.Seed).Train, finder);
        }
        else
        {
            using var split = TrainCommand.LoadSplit(s.DataDirectory, s.Split, s.ClassCount);
            var (train, _, source, imageWidth) = split;
            options.ImageWidth = imageWidth;
            result = ml.MulticlassClassification.Trainers.Minibatch(options).FindLearningRate(train, source.ClassNames, finder);
        }
        Print(result, finder, s.Json, output);
        return 0;
    }

    /// <summary>How many of a sweep's points to draw: all but the last 5, as fast.ai's plot_lr_find (skip_end=5) — they
    /// hold the divergence, which would flatten the rest — unless there are 10 or fewer.</summary>
    internal static int PlottedPoints(int count) => count > 10 ? count - 5 : count;

    internal static void Print(LearningRateFinderResult r, LearningRateFinderSettings finder, bool json, TextWriter output)
    {
        var rates = r.LearningRates;
        var losses = r.Losses;
        int best = Enumerable.Range(0, losses.Count).Where(i => double.IsFinite(losses[i])).DefaultIfEmpty(0).MinBy(i => losses[i]);
        string F(double v) => v.ToString("0.###e+0", CultureInfo.InvariantCulture);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rates.Count} batches, learning rate {F(rates[0])} to {F(rates[^1])}{(r.Diverged ? " (stopped: the smoothed loss diverged)" : "")}"));
        int shown = PlottedPoints(losses.Count);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"smoothed loss against the learning rate, {F(rates[0])} to {F(rates[shown - 1])} (log scale):"));
        output.WriteLine($"  {Sparkline.Render(losses.Take(shown).ToList())}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  lowest smoothed loss {losses[best]:F4} at learning rate {F(rates[best])}"));
        output.WriteLine(r.SuggestedLearningRate is double lr
            ? $"suggested learning rate (fast.ai's valley): {F(lr)}"
            : $"too few batches for a suggestion (fast.ai leaves out the first {finder.Iterations / 10} and the last 5)");
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["suggested_lr"] = r.SuggestedLearningRate,
                ["diverged"] = r.Diverged,
                ["lrs"] = rates,
                ["losses"] = losses.Select(v => double.IsFinite(v) ? (double?)v : null),
            }));
        }
        output.Flush();
    }
}
