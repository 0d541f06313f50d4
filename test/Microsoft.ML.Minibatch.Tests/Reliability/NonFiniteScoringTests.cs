using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Minibatch.Tests.Reliability;

/// <summary>
/// A row with a NaN or infinite feature has no prediction on every path — Score all NaN and PredictedLabel key 0
/// (missing), as ML.NET's own multiclass trainer gives for a NaN feature — through Transform, a PredictionEngine, the
/// transformer's own Score and Predict, the zip loaded by plain ML.NET (in process and in a program without this
/// library), and the ONNX export in ONNX Runtime (label -1 there). Rows without such a feature score exactly as before,
/// whatever rows share their batch.
/// </summary>
[TestClass]
public sealed class NonFiniteScoringTests
{
    private const int Classes = 3;
    private static readonly string[] ClassNames = ["cat", "dog", "eel"];

    /// <summary>The rows scored everywhere: clean rows between rows with one NaN, +∞ or −∞ feature (at the first, a
    /// middle and the last feature), and a row with all three. <see cref="BadRows"/> lists the rows with one.</summary>
    private static float[][] Rows(int features, int seed)
    {
        var random = new Random(seed);
        float[] Clean() => Enumerable.Range(0, features).Select(_ => (float)random.NextDouble()).ToArray();
        float[] With(params (int At, float Value)[] bad)
        {
            var row = Clean();
            foreach (var (at, value) in bad) row[at] = value;
            return row;
        }
        return
        [
            Clean(),
            With((0, float.NaN)),
            Clean(),
            With((features / 2, float.PositiveInfinity)),
            With((features - 1, float.NegativeInfinity)),
            Clean(),
            With((0, float.NaN), (1, float.PositiveInfinity), (features - 1, float.NegativeInfinity)),
            Clean(),
        ];
    }

    private static readonly int[] BadRows = [1, 3, 4, 6];

    private static bool IsBad(int row) => BadRows.Contains(row);

    /// <summary>A model of hand-seeded weights (no training needed): <paramref name="features"/> → 5 → 3, deskewing
    /// its rows as 4-wide images when asked.</summary>
    private static MinibatchTransformer Model(int features, bool deskew, ulong seed = 7)
    {
        var network = MinibatchNetwork.Create(features, [5], Classes, new Generator(seed));
        return MinibatchTransformer.FromNetwork(network, ClassNames, options: new MinibatchTrainer.Options { Deskew = deskew, ImageWidth = deskew ? 4 : 0 });
    }

    /// <summary>The models every path is checked on: a plain one and a deskewing one (whose ONNX graph differs).</summary>
    private static IEnumerable<object[]> Models() => [[false], [true]];

    private static int FeatureCount(bool deskew) => deskew ? 16 : 6;

    // ---- The reference: ML.NET's own multiclass trainer ----

    [TestMethod]
    public void MlNetsOwnTrainer_GivesKey0AndNaNScores_ForANaNFeature_AsOurModelDoes()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(3);
        // Three separable blobs, so that the trainer is confident on clean rows.
        var train = Enumerable.Range(0, 300).Select(i => new Example
        {
            Label = ClassNames[i % Classes],
            Features = Enumerable.Range(0, 6).Select(j => (float)(random.NextDouble() + (j % Classes == i % Classes ? 2 : 0))).ToArray(),
        }).ToList();
        var lbfgs = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy())
            .Fit(ml.Data.LoadFromEnumerable(train, Definition(6)));

        var rows = Rows(6, seed: 5);
        var theirs = Scored(ml, lbfgs, rows);
        var ours = Scored(ml, Model(6, deskew: false), rows);
        // A NaN feature: no prediction from ML.NET's trainer. (For one ±∞ feature it has none either in principle, but
        // its softmax leaves some classes NaN and others 0, and its arg-max, which skips NaN, then names a class: with
        // ML.NET 5.0.1 rows 3 and 4 here score [NaN, 0, 0] and [NaN, NaN, 0] and get keys 2 and 3. We give such rows
        // no prediction, as for NaN.)
        Assert.AreEqual(0u, theirs[1].PredictedLabel, "ML.NET's trainer, the NaN row");
        Assert.IsTrue(theirs[1].Score.All(float.IsNaN), "ML.NET's trainer scores the NaN row NaN");
        // Where ML.NET's trainer has no prediction, neither have we; clean rows it predicts, as do we.
        for (int r = 0; r < rows.Length; r++)
        {
            if (theirs[r].PredictedLabel == 0) Assert.AreEqual(0u, ours[r].PredictedLabel, $"row {r}");
            if (!IsBad(r))
            {
                Assert.AreNotEqual(0u, theirs[r].PredictedLabel, $"ML.NET's trainer, clean row {r}");
                Assert.AreNotEqual(0u, ours[r].PredictedLabel, $"clean row {r}");
            }
        }
        AssertNoPredictionExactlyOnBadRows(ours, "Transform");
    }

    // ---- Our transformer ----

    [TestMethod]
    [DynamicData(nameof(Models))]
    public void Transform_PredictionEngine_ScoreAndPredict_GiveNoPrediction_ExactlyForNonFiniteRows(bool deskew)
    {
        var ml = new MLContext(seed: 1);
        int features = FeatureCount(deskew);
        var model = Model(features, deskew);
        var rows = Rows(features, seed: 11);

        var transformed = Scored(ml, model, rows);
        AssertNoPredictionExactlyOnBadRows(transformed, "Transform");

        // Each clean row alone (a batch of one) scores as it does among the bad ones.
        for (int r = 0; r < rows.Length; r++)
        {
            if (IsBad(r)) continue;
            var alone = Scored(ml, model, [rows[r]])[0];
            Assert.AreEqual(alone.PredictedLabel, transformed[r].PredictedLabel, $"row {r}");
            CollectionAssert.AreEqual(alone.Score, transformed[r].Score, $"row {r}");
        }

        var engine = ml.Model.CreatePredictionEngine<Example, Prediction>(model, inputSchemaDefinition: Definition(features));
        for (int r = 0; r < rows.Length; r++)
        {
            var p = engine.Predict(new Example { Features = rows[r] });
            Assert.AreEqual(transformed[r].PredictedLabel, p.PredictedLabel, $"PredictionEngine, row {r}");
            CollectionAssert.AreEqual(transformed[r].Score, p.Score, $"PredictionEngine, row {r}");
        }

        var flat = rows.SelectMany(r => r).ToArray();
        var scores = new float[rows.Length * Classes];
        Assert.AreEqual(rows.Length, model.Score(flat, scores));
        for (int r = 0; r < rows.Length; r++)
        {
            CollectionAssert.AreEqual(transformed[r].Score, scores.AsSpan(r * Classes, Classes).ToArray(), $"Score, row {r}");
            Assert.AreEqual(transformed[r].PredictedLabel, model.Predict(rows[r]), $"Predict, row {r}");
        }
    }

    [TestMethod]
    public void AFiniteRowWhoseLogitsOverflow_HasNoPrediction_HereAndInOnnxRuntime()
    {
        // Weights of 1e30 are finite, but a feature of 1e10 makes the hidden layer +∞ and the logits ±∞: the softmax is
        // NaN, and an arg-max that took NaN for a number would still name a class.
        var network = MinibatchNetwork.Create(6, [5], Classes, new Generator(3));
        var first = (Linear)network[0];
        first.Weight.AsSpan().Fill(1e30f);
        var model = MinibatchTransformer.FromNetwork(network, ClassNames);
        float[] row = [1e10f, 1e10f, 1e10f, 1e10f, 1e10f, 1e10f];
        var scores = new float[Classes];
        model.Score(row, scores);
        Assert.IsTrue(scores.All(float.IsNaN), string.Join(", ", scores));
        Assert.AreEqual(0u, model.Predict(row));

        var (score, label) = RunExport(model, [row], 6);
        Assert.IsTrue(score.All(float.IsNaN), string.Join(", ", score));
        Assert.AreEqual(-1L, label[0]);
    }

    // ---- The zip: plain ML.NET, our loader, a program without this library ----

    [TestMethod]
    [DynamicData(nameof(Models))]
    public void TheSavedZip_LoadedByPlainMlNet_GivesKey0AndNaNScores_ForNonFiniteRows(bool deskew)
    {
        var ml = new MLContext(seed: 1);
        int features = FeatureCount(deskew);
        var model = Model(features, deskew);
        var rows = Rows(features, seed: 13);
        var ours = Scored(ml, model, rows);
        var work = Directory.CreateTempSubdirectory("minibatch-nonfinite-");
        try
        {
            string zip = Path.Combine(work.FullName, "model.zip");
            ml.Model.Save(model, ml.Data.LoadFromEnumerable(Array.Empty<Example>(), Definition(features)).Schema, zip);

            var loaded = ml.Model.Load(zip, out _);
            Assert.IsNotInstanceOfType<MinibatchTransformer>(loaded, "plain ML.NET's loader returns its own chain");
            var theirs = Scored(ml, loaded, rows);
            AssertNoPredictionExactlyOnBadRows(theirs, "the loaded chain");
            AssertSameAsOurs(ours, theirs, "the loaded chain");
            var engine = ml.Model.CreatePredictionEngine<Example, Prediction>(loaded, inputSchemaDefinition: Definition(features));
            for (int r = 0; r < rows.Length; r++)
                Assert.AreEqual(theirs[r].PredictedLabel, engine.Predict(new Example { Features = rows[r] }).PredictedLabel, $"engine row {r}");
            (loaded as IDisposable)?.Dispose();

            var reloaded = MinibatchTransformer.Load(zip);
            AssertSameAsOurs(ours, Scored(ml, reloaded, rows), "MinibatchTransformer.Load");
            CollectionAssert.AreEqual(ours.Select(o => o.PredictedLabel).ToArray(), Scored(ml, reloaded, rows).Select(o => o.PredictedLabel).ToArray());
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void AProgramWithoutThisLibrary_GivesKey0AndNaNScores_ForNonFiniteRows()
    {
        var ml = new MLContext(seed: 1);
        var model = Model(6, deskew: false);
        var rows = Rows(6, seed: 17);
        var ours = Scored(ml, model, rows);
        var work = Directory.CreateTempSubdirectory("minibatch-nonfinite-deployed-");
        try
        {
            string zip = Path.Combine(work.FullName, "model.zip"), input = Path.Combine(work.FullName, "features.bin"), output = Path.Combine(work.FullName, "out.tsv");
            ml.Model.Save(model, ml.Data.LoadFromEnumerable(Array.Empty<Example>(), Definition(6)).Schema, zip);
            DeployedProgram.WriteFeatures(input, rows);
            DeployedProgram.Run(zip, input, output);

            var lines = File.ReadAllLines(output);
            var transformed = lines.Where(l => char.IsDigit(l[0])).Select(Parse).ToList();
            var engine = lines.Where(l => l.StartsWith("engine\t", StringComparison.Ordinal)).Select(l => Parse(l["engine\t".Length..])).ToList();
            Assert.HasCount(rows.Length, transformed);
            Assert.HasCount(rows.Length, engine);
            AssertNoPredictionExactlyOnBadRows(transformed, "the deployed program's Transform");
            AssertNoPredictionExactlyOnBadRows(engine, "the deployed program's PredictionEngine");
            AssertSameAsOurs(ours, transformed, "the deployed program");
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    // ---- The ONNX export ----

    [TestMethod]
    [DynamicData(nameof(Models))]
    public void TheOnnxExport_InOnnxRuntime_GivesLabelMinus1AndNaNScores_ForNonFiniteRows(bool deskew)
    {
        var ml = new MLContext(seed: 1);
        int features = FeatureCount(deskew);
        var model = Model(features, deskew);
        var rows = Rows(features, seed: 19);
        var ours = Scored(ml, model, rows);
        var (score, label) = RunExport(model, rows, features);
        for (int r = 0; r < rows.Length; r++)
        {
            var s = score.AsSpan(r * Classes, Classes).ToArray();
            if (IsBad(r))
            {
                Assert.AreEqual(-1L, label[r], $"row {r}");
                Assert.IsTrue(s.All(float.IsNaN), $"row {r}: {string.Join(", ", s)}");
            }
            else
            {
                Assert.AreEqual(ours[r].PredictedLabel - 1, (uint)label[r], $"row {r}");
                for (int k = 0; k < Classes; k++) Assert.AreEqual(ours[r].Score[k], s[k], 1e-6f, $"row {r}, class {k}");
            }
        }
    }

    // ---- Files written before the guard ----

    /// <summary>
    /// Fixtures/Models holds zips that the library wrote before this change (format 1, and format 2 for deskewing, with
    /// the graph that gave a non-finite row key 1): they still load, through our loader (which rewrites the graph byte
    /// for byte to check it, so it must still write the old graph for them) and through plain ML.NET, and score clean
    /// rows as before. Ours then scores non-finite rows as missing; saving again writes the guarded graph.
    /// </summary>
    /// <remarks>The fixtures were written at commit 2b138c2 by <c>ml.Model.Save</c> of
    /// <c>MinibatchTransformer.FromNetwork(MinibatchNetwork.Create(6, [5], 3, new Generator(11)), ["cat", "dog", "eel"])</c>
    /// and of the same with 16 inputs, <c>new Generator(12)</c> and <c>Options.Deskew</c>, each with an input schema of
    /// one <c>Features</c> column.</remarks>
    [TestMethod]
    [DataRow("format1-plain.zip", 6)]
    [DataRow("format2-deskew.zip", 16)]
    public void ZipsWrittenBeforeTheGuard_StillLoad_AndResavingAddsIt(string file, int features)
    {
        string zip = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Models", file);
        Assert.AreEqual(features == 16 ? 2 : 1, FormatOf(zip), "the fixture is a file of the old format");
        var ml = new MLContext(seed: 1);
        var rows = Rows(features, seed: 23);
        var model = MinibatchTransformer.Load(zip);
        Assert.AreEqual(features == 16, model.DeskewImageSize is not null);
        var ours = Scored(ml, model, rows);
        AssertNoPredictionExactlyOnBadRows(ours, "our transformer from an old file");

        var loaded = ml.Model.Load(zip, out _);
        var old = Scored(ml, loaded, rows);
        (loaded as IDisposable)?.Dispose();
        for (int r = 0; r < rows.Length; r++)
        {
            if (IsBad(r)) continue;
            Assert.AreEqual(ours[r].PredictedLabel, old[r].PredictedLabel, $"row {r}");
            for (int k = 0; k < Classes; k++) Assert.AreEqual(ours[r].Score[k], old[r].Score[k], EstimatorChecksTolerance, $"row {r}, class {k}");
        }
        // The old graph is what it was: a NaN row is a confident key there. Only saving again changes that.
        Assert.AreNotEqual(0u, old[1].PredictedLabel, "an old file's graph has no guard");

        var work = Directory.CreateTempSubdirectory("minibatch-nonfinite-old-");
        try
        {
            string resaved = Path.Combine(work.FullName, "model.zip");
            ml.Model.Save(model, ml.Data.LoadFromEnumerable(Array.Empty<Example>(), Definition(features)).Schema, resaved);
            var chain = ml.Model.Load(resaved, out _);
            var guarded = Scored(ml, chain, rows);
            (chain as IDisposable)?.Dispose();
            AssertNoPredictionExactlyOnBadRows(guarded, "the re-saved file");
            Assert.AreEqual(SavedModel.CurrentFormat, FormatOf(resaved));
            AssertSameAsOurs(ours, guarded, "the re-saved file");
            CollectionAssert.AreEqual(Scored(ml, MinibatchTransformer.Load(resaved), rows).Select(p => p.PredictedLabel).ToArray(),
                ours.Select(p => p.PredictedLabel).ToArray());
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    // ---- Helpers ----

    /// <summary>The <c>Format</c> in the metadata of the zip's ONNX model, read with the tests' own zip reader.</summary>
    private static int FormatOf(string zip)
    {
        var entry = ModelZipSupport.ReadEntries(File.ReadAllBytes(zip)).Single(e => e.Name.EndsWith(ModelZipSupport.OnnxEntryName, StringComparison.Ordinal));
        string json = Onnx.OnnxMlp.Read(ModelZipSupport.Unprefix(entry.Bytes), zip).Metadata.Single(p => p.Key == SavedModel.MetadataKey).Value;
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("Format").GetInt32();
    }

    private const float EstimatorChecksTolerance = MLNet.EstimatorChecks.LoadedScoreTolerance;

    private static void AssertNoPredictionExactlyOnBadRows(IReadOnlyList<Prediction> predictions, string path)
    {
        for (int r = 0; r < predictions.Count; r++)
        {
            var p = predictions[r];
            if (IsBad(r))
            {
                Assert.AreEqual(0u, p.PredictedLabel, $"{path}, row {r}: a non-finite row's key");
                Assert.IsTrue(p.Score.All(float.IsNaN), $"{path}, row {r}: scores {string.Join(", ", p.Score)}");
            }
            else
            {
                Assert.IsTrue(p.PredictedLabel is >= 1 and <= Classes, $"{path}, row {r}: key {p.PredictedLabel}");
                Assert.IsTrue(p.Score.All(float.IsFinite), $"{path}, row {r}: scores {string.Join(", ", p.Score)}");
            }
        }
    }

    private static void AssertSameAsOurs(IReadOnlyList<Prediction> ours, IReadOnlyList<Prediction> theirs, string path)
    {
        Assert.HasCount(ours.Count, theirs);
        for (int r = 0; r < ours.Count; r++)
        {
            Assert.AreEqual(ours[r].PredictedLabel, theirs[r].PredictedLabel, $"{path}, row {r}");
            for (int k = 0; k < Classes; k++)
            {
                if (float.IsNaN(ours[r].Score[k])) Assert.IsTrue(float.IsNaN(theirs[r].Score[k]), $"{path}, row {r}, class {k}");
                else Assert.AreEqual(ours[r].Score[k], theirs[r].Score[k], EstimatorChecksTolerance, $"{path}, row {r}, class {k}");
            }
        }
    }

    private static SchemaDefinition Definition(int features)
    {
        var definition = SchemaDefinition.Create(typeof(Example));
        definition[nameof(Example.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        return definition;
    }

    private static List<Prediction> Scored(MLContext ml, ITransformer model, float[][] rows)
    {
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new Example { Features = r }), Definition(rows[0].Length));
        return ml.Data.CreateEnumerable<Prediction>(model.Transform(data), reuseRowObject: false).ToList();
    }

    /// <summary>Exports <paramref name="model"/> and runs the rows through ONNX Runtime in one batch.</summary>
    private static (float[] Score, long[] Label) RunExport(MinibatchTransformer model, float[][] rows, int features)
    {
        var work = Directory.CreateTempSubdirectory("minibatch-nonfinite-onnx-");
        try
        {
            string onnx = Path.Combine(work.FullName, "model.onnx");
            model.ExportOnnx(onnx);
            using var session = new InferenceSession(onnx);
            var input = new DenseTensor<float>(rows.SelectMany(r => r).ToArray(), [rows.Length, features]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("Features", input)]);
            return (results.Single(r => r.Name == "Score").AsTensor<float>().ToArray(),
                results.Single(r => r.Name == "PredictedLabel.Index").AsTensor<long>().ToArray());
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static Prediction Parse(string line)
    {
        var parts = line.Split('\t');
        return new Prediction
        {
            PredictedLabel = uint.Parse(parts[0], CultureInfo.InvariantCulture),
            Score = parts[1..].Select(p => float.Parse(p, CultureInfo.InvariantCulture)).ToArray(),
        };
    }

    private sealed class Example
    {
        public string Label { get; set; } = "";
        public float[] Features { get; set; } = [];
    }

    private sealed class Prediction
    {
        public uint PredictedLabel { get; set; }
        public float[] Score { get; set; } = [];
    }
}
