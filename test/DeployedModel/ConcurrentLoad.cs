using Microsoft.ML;
using Microsoft.ML.Data;

/// <summary>
/// Several threads loading and scoring one model zip, as a deployed application might, in one of four ways; every
/// prediction is compared, bit for bit, with one load scored on one thread.
/// </summary>
/// <remarks>
/// Modes: <c>shared-first</c> — each round a new MLContext, shared by all threads, whose loads all start at once (the
/// pattern that once failed with "Error during class instantiation"); <c>context-per-thread</c> — each thread its own
/// MLContext; <c>shared-after-one-load</c> — a new shared MLContext that loads the zip once before the threads start;
/// <c>load-once</c> — one load, the transformer shared by all threads, each with its own PredictionEngine.
/// Every PredictionEngine here is made with <c>OwnsTransformer = false</c>: by default, disposing one disposes the
/// transformer it was made from, and with it the ONNX Runtime session of the model's <c>ApplyOnnxModel</c>, which
/// the other threads are still using (a crash, not an exception). The thread that loaded a model disposes it.
/// </remarks>
internal static class ConcurrentLoad
{
    public static readonly string[] Modes = ["shared-first", "context-per-thread", "shared-after-one-load", "load-once"];

    /// <summary>Usage: --concurrent MODEL.zip FEATURES.bin MODE THREADS ROUNDS. Prints one summary line, then each
    /// distinct failure in full (inner exceptions included); exit code 0 only without failures and mismatches.</summary>
    public static int Run(string[] args)
    {
        if (args.Length != 5 || !Modes.Contains(args[2]) || !int.TryParse(args[3], out int threads) || !int.TryParse(args[4], out int rounds)
            || threads < 1 || rounds < 1)
        {
            Console.Error.WriteLine($"usage: DeployedModel --concurrent MODEL.zip FEATURES.bin {string.Join('|', Modes)} THREADS ROUNDS");
            return 2;
        }
        string zip = args[0], mode = args[2];
        var rows = Rows.Read(args[1]);
        var reference = Score(new MLContext(seed: 0), zip, rows, out var definition);

        int loads = 0, failures = 0, mismatches = 0;
        var errors = new Dictionary<string, int>();
        for (int round = 0; round < rounds; round++)
        {
            var shared = new MLContext(seed: 0);
            ITransformer? loadedOnce = null;
            if (mode == "shared-after-one-load") shared.Model.Load(zip, out _);
            if (mode == "load-once") loadedOnce = shared.Model.Load(zip, out _);
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(thread => Task.Factory.StartNew(() =>
            {
                var ml = mode == "context-per-thread" ? new MLContext(seed: 0) : shared;
                start.SignalAndWait();
                try
                {
                    var model = loadedOnce ?? ml.Model.Load(zip, out _);
                    if (loadedOnce is null) Interlocked.Increment(ref loads);
                    try
                    {
                        if (!Same(reference, Score(ml, model, rows, definition))) Interlocked.Increment(ref mismatches);
                    }
                    finally
                    {
                        if (loadedOnce is null) (model as IDisposable)?.Dispose();
                    }
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref failures);
                    lock (errors) errors[e.ToString()] = errors.GetValueOrDefault(e.ToString()) + 1;
                }
            }, TaskCreationOptions.LongRunning)).ToArray();
            Task.WaitAll(workers);
            (loadedOnce as IDisposable)?.Dispose();
        }
        Console.WriteLine($"{mode}: {threads} threads x {rounds} rounds: {loads} concurrent loads, {failures} failures, {mismatches} mismatches");
        foreach (var (text, count) in errors) Console.WriteLine($"--- {count}x\n{text}");
        return failures == 0 && mismatches == 0 ? 0 : 1;
    }

    private static Scored[] Score(MLContext ml, string zip, List<Rows.Input> rows, out SchemaDefinition definition)
    {
        var model = ml.Model.Load(zip, out var inputSchema);
        definition = Rows.Definition(rows[0].Features.Length, Rows.FeatureColumn(inputSchema));
        try
        {
            return Score(ml, model, rows, definition);
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    /// <summary>Every row through Transform, then through a PredictionEngine of this thread's own.</summary>
    private static Scored[] Score(MLContext ml, ITransformer model, List<Rows.Input> rows, SchemaDefinition definition)
    {
        var outputDefinition = SchemaDefinition.Create(typeof(Scored), SchemaDefinition.Direction.Write);
        var transformed = ml.Data.CreateEnumerable<Scored>(model.Transform(ml.Data.LoadFromEnumerable(rows, definition)),
            reuseRowObject: false, schemaDefinition: outputDefinition);
        using var engine = ml.Model.CreatePredictionEngine<Rows.Input, Scored>(model, new PredictionEngineOptions
        {
            InputSchemaDefinition = definition,
            OutputSchemaDefinition = outputDefinition,
            OwnsTransformer = false,
        });
        return transformed.Concat(rows.Select(engine.Predict)).ToArray();
    }

    // Bit for bit, so that NaN scores compare equal to NaN scores.
    private static bool Same(Scored[] expected, Scored[] actual) => expected.Length == actual.Length
        && expected.Zip(actual).All(p => p.First.PredictedLabel == p.Second.PredictedLabel
            && p.First.Score.Select(BitConverter.SingleToInt32Bits).SequenceEqual(p.Second.Score.Select(BitConverter.SingleToInt32Bits)));

    internal sealed class Scored
    {
        public uint PredictedLabel { get; set; }
        public float[] Score { get; set; } = [];
    }
}
