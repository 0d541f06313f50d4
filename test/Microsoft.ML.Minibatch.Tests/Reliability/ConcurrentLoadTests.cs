using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.Reliability;

/// <summary>
/// The ways of loading and scoring a model zip from several threads that the documentation recommends give the
/// predictions of one load on one thread, bit for bit: one load shared by all threads (each with its own
/// PredictionEngine that does not own the transformer), one MLContext per thread, a shared MLContext that has loaded the
/// zip once before the threads start, and our own <see cref="MinibatchTransformer.Load(string)"/>. ML.NET's loads run
/// here and, for the plain-ML.NET ways, in test/DeployedModel (a program without this library). Bounded: eight threads,
/// a few loads each.
/// </summary>
[TestClass]
public sealed class ConcurrentLoadTests
{
    private const int Threads = 8;
    private const int Features = 6;
    private const int Classes = 3;

    private static DirectoryInfo s_work = null!;
    private static string s_zip = "";

    [ClassInitialize]
    public static void SaveModel(TestContext context)
    {
        _ = context;
        s_work = Directory.CreateTempSubdirectory("minibatch-concurrent-");
        s_zip = Path.Combine(s_work.FullName, "model.zip");
        var network = MinibatchNetwork.Create(Features, [5], Classes, new Generator(5));
        var model = MinibatchTransformer.FromNetwork(network, ["cat", "dog", "eel"]);
        var ml = new MLContext(seed: 0);
        ml.Model.Save(model, ml.Data.LoadFromEnumerable(Array.Empty<Example>(), Definition()).Schema, s_zip);
    }

    [ClassCleanup]
    public static void DeleteModel() => s_work.Delete(recursive: true);

    /// <summary>Clean rows and one with a NaN feature (whose prediction is key 0 with NaN scores).</summary>
    private static readonly Example[] s_rows = Enumerable.Range(0, 12).Select(i => new Example
    {
        Features = Enumerable.Range(0, Features).Select(j => i == 4 && j == 2 ? float.NaN : (float)Math.Sin(i * 7 + j)).ToArray(),
    }).ToArray();

    [TestMethod]
    public void OneLoadSharedByEightThreads_EachWithItsOwnEngine_GivesTheSerialPredictions()
    {
        var ml = new MLContext(seed: 0);
        var expected = LoadAndScore(new MLContext(seed: 0));
        var model = ml.Model.Load(s_zip, out _);
        try
        {
            RunOnThreads(() => Score(ml, model), expected);
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    [TestMethod]
    public void OneMLContextPerThread_ConcurrentLoads_GiveTheSerialPredictions()
    {
        var expected = LoadAndScore(new MLContext(seed: 0));
        RunOnThreads(() => LoadAndScore(new MLContext(seed: 0)), expected);
    }

    [TestMethod]
    public void ASharedMLContextThatLoadedTheZipOnce_ConcurrentLoads_GiveTheSerialPredictions()
    {
        var expected = LoadAndScore(new MLContext(seed: 0));
        var ml = new MLContext(seed: 0);
        (ml.Model.Load(s_zip, out _) as IDisposable)?.Dispose();
        RunOnThreads(() => LoadAndScore(ml), expected);
    }

    [TestMethod]
    public void OurLoader_ConcurrentLoadsAndScoringOfOneTransformer_GiveTheSerialPredictions()
    {
        var ml = new MLContext(seed: 0);
        var once = MinibatchTransformer.Load(s_zip);
        var expected = Score(ml, once);
        // The scores of plain ML.NET's chain agree with ours to ONNX Runtime's rounding, and the keys exactly.
        var chain = LoadAndScore(new MLContext(seed: 0));
        CollectionAssert.AreEqual(expected.Select(p => p.PredictedLabel).ToArray(), chain.Select(p => p.PredictedLabel).ToArray());
        RunOnThreads(() => Score(new MLContext(seed: 0), MinibatchTransformer.Load(s_zip)), expected);
        RunOnThreads(() => Score(ml, once), expected);
    }

    [TestMethod]
    [DataRow("load-once")]
    [DataRow("context-per-thread")]
    [DataRow("shared-after-one-load")]
    public void AProgramWithoutThisLibrary_LoadingFromEightThreadsTheRecommendedWay_GivesTheSerialPredictions(string mode)
    {
        string features = Path.Combine(s_work.FullName, $"features-{mode}.bin");
        DeployedProgram.WriteFeatures(features, s_rows.Select(r => r.Features).ToArray());
        string stdout = DeployedProgram.Run("--concurrent", s_zip, features, mode, Threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "3");
        StringAssert.Contains(stdout, $"{mode}: {Threads} threads x 3 rounds: ");
        StringAssert.Contains(stdout, " 0 failures, 0 mismatches");
    }

    // ---- Helpers ----

    /// <summary>Runs <paramref name="score"/> on <see cref="Threads"/> threads started together and checks each result.</summary>
    private static void RunOnThreads(Func<Prediction[]> score, Prediction[] expected)
    {
        using var start = new Barrier(Threads);
        var results = Enumerable.Range(0, Threads).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return Enumerable.Range(0, 3).Select(_ => score()).ToArray();
        }, TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(results);
        for (int t = 0; t < Threads; t++)
            foreach (var result in results[t].Result)
                AssertSame(expected, result, $"thread {t}");
    }

    private static Prediction[] LoadAndScore(MLContext ml)
    {
        var model = ml.Model.Load(s_zip, out _);
        try
        {
            return Score(ml, model);
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    /// <summary>The rows through Transform, then through a PredictionEngine that leaves the model undisposed (by
    /// default disposing an engine disposes its transformer, and with it the ONNX session other threads use).</summary>
    private static Prediction[] Score(MLContext ml, ITransformer model)
    {
        var transformed = ml.Data.CreateEnumerable<Prediction>(model.Transform(ml.Data.LoadFromEnumerable(s_rows, Definition())), reuseRowObject: false);
        using var engine = ml.Model.CreatePredictionEngine<Example, Prediction>(model,
            new PredictionEngineOptions { InputSchemaDefinition = Definition(), OwnsTransformer = false });
        return transformed.Concat(s_rows.Select(engine.Predict)).ToArray();
    }

    private static void AssertSame(Prediction[] expected, Prediction[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int r = 0; r < expected.Length; r++)
        {
            Assert.AreEqual(expected[r].PredictedLabel, actual[r].PredictedLabel, $"{what}, row {r}");
            CollectionAssert.AreEqual(expected[r].Score.Select(BitConverter.SingleToInt32Bits).ToArray(),
                actual[r].Score.Select(BitConverter.SingleToInt32Bits).ToArray(), $"{what}, row {r}");
        }
        Assert.AreEqual(0u, actual[4].PredictedLabel, $"{what}: the NaN row");
    }

    private static SchemaDefinition Definition()
    {
        var definition = SchemaDefinition.Create(typeof(Example));
        definition[nameof(Example.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        return definition;
    }

    private sealed class Example
    {
        public float[] Features { get; set; } = [];
    }

    private sealed class Prediction
    {
        public uint PredictedLabel { get; set; }
        public float[] Score { get; set; } = [];
    }
}
