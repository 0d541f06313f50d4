using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Samples.Commands;
using Microsoft.ML.Minibatch.Training;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>
/// Training on rows that do not fit in memory. First MNIST's 60,000 training images through <c>Fit(IDataView)</c>,
/// held in memory and written to a file trained through a memory map (in the page cache, as just written), in
/// alternating rounds; then a generated data view (MNIST's images repeated) of <c>--page-cache-rows</c> rows, written to
/// a file that the page cache holds, and of <c>--rows</c> rows, more than the machine's memory, each trained for one
/// epoch of the lesson's network with the trainer's defaults. Prints rows per second of training and the peak anonymous
/// memory (the heap and other private pages; a mapped file's pages do not count).
/// </summary>
internal static class BiggerThanMemory
{
    private const string Usage = "bigger-than-memory [--rows N] [--page-cache-rows N] [--rounds N] [--cache-dir DIR] (0 skips a part)";

    public static int Run(string[] args)
    {
        long rows = 12_000_000, pageCacheRows = 3_000_000;
        int rounds = 3;
        string? cacheDirectory = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
            switch (args[i])
            {
                case "--rows": rows = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--page-cache-rows": pageCacheRows = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--cache-dir": cacheDirectory = Next(); break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: {Usage}");
            }
        }
        var files = Mnist.EnsureFiles();
        var images = IdxReader.ReadImages(files.TrainImages);
        var labels = IdxReader.ReadLabels(files.TrainLabels);
        string directory = cacheDirectory ?? Path.GetTempPath();
        long memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{InstructionSet.Describe()}; {memory / 1e9:F1} GB of memory; cache directory {directory} with {new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace / 1e9:F1} GB free; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load {HostCheck.LoadAverage()}"));

        var mnist = new RepeatedImagesView(images, labels, 10, images.Count);
        var held = new List<double>();
        var mapped = new List<double>();
        if (rounds > 0) Train(mnist, epochs: 1, memoryLimit: null, directory); // compiles the engine's code before anything is timed
        for (int round = 1; round <= rounds; round++)
        {
            held.Add(Train(mnist, epochs: 3, memoryLimit: null, directory).RowsPerSecond);
            mapped.Add(Train(mnist, epochs: 3, memoryLimit: 0, directory).RowsPerSecond);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: in memory {held[^1]:N0} rows/s, mapped file {mapped[^1]:N0} rows/s"));
        }
        if (rounds > 0)
        {
            double heldMedian = Statistics.Median(held), mappedMedian = Statistics.Median(mapped);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"MNIST, 60,000 rows, 3 epochs, {rounds} alternating rounds, medians: in memory {heldMedian:N0} rows/s, mapped file in the page cache {mappedMedian:N0} rows/s ({mappedMedian / heldMedian:P0})"));
        }

        // The smaller set is sent to the file by a limit of 0 (it would fit in memory); the larger one by the default limit.
        foreach (var (n, limit) in new[] { (pageCacheRows, (long?)0), (rows, null) }.Where(r => r.Item1 > 0))
        {
            // What earlier fits left on the heap would count in this one's peak: give it back to the system first.
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var result = Train(new RepeatedImagesView(images, labels, 10, n), epochs: 1, limit, directory);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{n:N0} rows ({n * images.PixelsPerImage * 4L / 1e9:F1} GB as float32, {(double)n * images.PixelsPerImage * 4 / memory:F2}× the memory): read and written in {result.PrepareSeconds:F0} s, one epoch in {result.EpochSeconds:F0} s = {result.RowsPerSecond:N0} rows/s, peak anonymous memory {result.PeakAnonymousMegabytes:N0} MB, validation-free training loss {result.Loss:F4}"));
        }
        return 0;
    }

    private sealed record Result(double PrepareSeconds, double EpochSeconds, double RowsPerSecond, double PeakAnonymousMegabytes, double Loss);

    /// <summary>The lesson's network (784-50-10, batch 64, lr 0.5, seed 1) for <paramref name="epochs"/> epochs.</summary>
    private static Result Train(IDataView rows, int epochs, long? memoryLimit, string directory)
    {
        using var memory = new AnonymousMemoryPeak();
        var begin = new TrainingBegins();
        var options = new MinibatchTrainer.Options
        {
            HiddenLayers = [50], BatchSize = 64, LearningRate = 0.5f, NumberOfEpochs = epochs, Seed = 1,
            RowMemoryLimit = memoryLimit, CacheDirectory = directory, Callbacks = [begin, memory],
        };
        var ml = new MLContext(seed: 1);
        TrainCommand.ShowRowReading(ml);
        var model = ml.MulticlassClassification.Trainers.Minibatch(options).Fit(rows);
        memory.Sample();
        double trainSeconds = model.History.Sum(e => e.TrainSeconds);
        return new Result(begin.At.TotalSeconds, trainSeconds, (double)rows.GetRowCount()!.Value * epochs / trainSeconds, memory.PeakMegabytes ?? double.NaN, model.History[^1].TrainLoss);
    }

    /// <summary>Notes when training begins, timed from the callback's creation just before <c>Fit</c>: everything before
    /// it is reading (and writing) the rows.</summary>
    private sealed class TrainingBegins : FitCallback
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public TimeSpan At { get; private set; }

        public override void OnFitBegin(FitLoop loop, int epochs) => At = _clock.Elapsed;
    }
}
