using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Tests.MLNet;

/// <summary>
/// Our trainer inside pipelines of ML.NET's own components, as users compose them: a text file with named numeric
/// columns and string labels → Concatenate → MapValueToKey → Minibatch → MapKeyToValue; evaluation with default
/// column names and a confusion table that names the classes; PredictionEngine on the fitted chain and on the chain
/// ML.NET loads back.
/// </summary>
[TestClass]
public sealed class PipelineTests
{
    public sealed class Flower
    {
        [LoadColumn(0)] public float A { get; set; }
        [LoadColumn(1)] public float B { get; set; }
        [LoadColumn(2)] public float C { get; set; }
        [LoadColumn(3)] public string Species { get; set; } = "";
    }

    public sealed class Prediction
    {
        public string PredictedSpecies { get; set; } = "";
        public float[] Score { get; set; } = [];
    }

    /// <summary>Three species, each a cluster around its own corner, written as a tab-separated file with a header.</summary>
    private static string WriteFile(string directory, int rows, int seed)
    {
        var rand = new Random(seed);
        string[] species = ["setosa", "versicolor", "virginica"];
        string path = Path.Combine(directory, $"flowers-{seed}.tsv");
        using var writer = new StreamWriter(path);
        writer.WriteLine("a\tb\tc\tspecies");
        for (int i = 0; i < rows; i++)
        {
            int c = rand.Next(3);
            var x = Enumerable.Range(0, 3).Select(j => (j == c ? 3.0 : 0.0) + rand.NextDouble() * 2).ToArray();
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{x[0]:F3}\t{x[1]:F3}\t{x[2]:F3}\t{species[c]}"));
        }
        return path;
    }

    [TestMethod]
    public void TextFile_Concatenate_StringLabels_EvaluateAndPredictionEngines()
    {
        var directory = Directory.CreateTempSubdirectory("minibatch-pipeline-");
        try
        {
            var ml = new MLContext(seed: 1);
            IDataView train = ml.Data.LoadFromTextFile<Flower>(WriteFile(directory.FullName, 300, 1), hasHeader: true);
            IDataView test = ml.Data.LoadFromTextFile<Flower>(WriteFile(directory.FullName, 100, 2), hasHeader: true);
            var pipeline = ml.Transforms.Concatenate("Features", "A", "B", "C")
                .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Species"))
                .Append(ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options { HiddenLayers = [8], NumberOfEpochs = 20, LearningRate = 0.1f, BatchSize = 16 }))
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedSpecies", "PredictedLabel"));
            var model = pipeline.Fit(train);

            IDataView scored = model.Transform(test);
            var metrics = ml.MulticlassClassification.Evaluate(scored);
            Assert.IsGreaterThan(0.95, metrics.MicroAccuracy);
            string table = metrics.ConfusionMatrix.GetFormattedConfusionTable();
            foreach (var name in new[] { "setosa", "versicolor", "virginica" }) StringAssert.Contains(table, name);

            // The string each row predicts is its most probable class, named through the label's key values.
            var truth = ml.Data.CreateEnumerable<Flower>(test, reuseRowObject: false).ToList();
            var predicted = ml.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).ToList();
            VBuffer<ReadOnlyMemory<char>> slots = default;
            scored.Schema["Score"].GetSlotNames(ref slots);
            var names = slots.DenseValues().Select(s => s.ToString()).ToArray();
            for (int r = 0; r < predicted.Count; r++)
                Assert.AreEqual(names[Array.IndexOf(predicted[r].Score, predicted[r].Score.Max())], predicted[r].PredictedSpecies, $"row {r}");
            Assert.IsGreaterThan(95, truth.Zip(predicted).Count(p => p.First.Species == p.Second.PredictedSpecies));

            // A PredictionEngine on the fitted chain (our row mapper) and on the chain ML.NET loads back (ONNX inside).
            var engine = ml.Model.CreatePredictionEngine<Flower, Prediction>(model);
            using var stream = new MemoryStream();
            ml.Model.Save(model, train.Schema, stream);
            stream.Position = 0;
            var loaded = new MLContext(seed: 2).Model.Load(stream, out _);
            var loadedEngine = new MLContext(seed: 2).Model.CreatePredictionEngine<Flower, Prediction>(loaded);
            for (int r = 0; r < truth.Count; r++)
            {
                var a = engine.Predict(truth[r]);
                var b = loadedEngine.Predict(truth[r]);
                Assert.AreEqual(predicted[r].PredictedSpecies, a.PredictedSpecies, $"row {r}");
                CollectionAssert.AreEqual(predicted[r].Score, a.Score, $"row {r}");
                Assert.AreEqual(a.PredictedSpecies, b.PredictedSpecies, $"row {r}");
                for (int k = 0; k < 3; k++) Assert.AreEqual(a.Score[k], b.Score[k], EstimatorChecks.LoadedScoreTolerance, $"row {r}");
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    public sealed class SparseRow
    {
        [VectorType(4)] public VBuffer<float> Features { get; set; }
        [KeyType(3)] public uint Label { get; set; }
    }

    [TestMethod]
    public void SparseFeatureVectors_TrainAndScoreAsTheirDenseForm()
    {
        var ml = new MLContext(seed: 1);
        var dense = Trainers.TrainerTestData.KeyRows(60, 3);
        // The same rows with their zeros left out, as ML.NET's sparse vectors hold them.
        var sparse = dense.Select(r =>
        {
            var indices = Enumerable.Range(0, 4).Where(j => r.Features[j] != 0).ToArray();
            return new SparseRow { Features = new VBuffer<float>(4, indices.Length, indices.Select(j => r.Features[j]).ToArray(), indices), Label = r.Label };
        }).ToList();
        foreach (var r in dense) r.Features[1] = 0;
        foreach (var r in sparse)
        {
            var values = r.Features.DenseValues().ToArray();
            values[1] = 0;
            var indices = Enumerable.Range(0, 4).Where(j => values[j] != 0).ToArray();
            r.Features = new VBuffer<float>(4, indices.Length, indices.Select(j => values[j]).ToArray(), indices);
        }
        Assert.IsTrue(sparse.All(r => !r.Features.IsDense));
        var options = Trainers.TrainerTestData.Small(3);
        var fromDense = ml.MulticlassClassification.Trainers.Minibatch(options).Fit(ml.Data.LoadFromEnumerable(dense));
        var sparseData = ml.Data.LoadFromEnumerable(sparse);
        var fromSparse = ml.MulticlassClassification.Trainers.Minibatch(options).Fit(sparseData);
        Trainers.TrainerTestData.AssertSameWeights(fromDense, fromSparse);
        var a = EstimatorChecks.Dump(fromDense.Transform(ml.Data.LoadFromEnumerable(dense)), exclude: "Features");
        var b = EstimatorChecks.Dump(fromDense.Transform(sparseData), exclude: "Features");
        CollectionAssert.AreEqual(a, b);
    }

    [TestMethod]
    public void LoadIdx_TakesTheClassCountFromTheLabels_OrFromTheCaller()
    {
        string directory = Data.IdxTestData.TempDirectory();
        try
        {
            string images = Data.IdxTestData.Write(directory, "images", Data.IdxTestData.Images(4, 3, 2));
            string labels = Data.IdxTestData.Write(directory, "labels", Data.IdxTestData.Labels(0, 4, 2, 4));
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadIdx(images, labels);
            Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 6), data.Schema["Features"].Type);
            Assert.AreEqual(new KeyDataViewType(typeof(uint), 5), data.Schema["Label"].Type);
            VBuffer<ReadOnlyMemory<char>> keyValues = default;
            data.Schema["Label"].GetKeyValues(ref keyValues);
            CollectionAssert.AreEqual(new[] { "0", "1", "2", "3", "4" }, keyValues.DenseValues().Select(v => v.ToString()).ToArray());
            CollectionAssert.AreEqual(new uint[] { 1, 5, 3, 5 }, data.GetColumn<uint>("Label").ToArray());

            Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), ml.Data.LoadIdx(images, labels, classCount: 10).Schema["Label"].Type);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Data.LoadIdx(images, labels, classCount: 4));
            StringAssert.Contains(e.Message, labels);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void Cache_ShuffleRows_AndTrainTestSplit_FeedTheTrainer()
    {
        var ml = new MLContext(seed: 1);
        var directory = Directory.CreateTempSubdirectory("minibatch-pipeline-");
        try
        {
            IDataView data = ml.Data.LoadFromTextFile<Flower>(WriteFile(directory.FullName, 400, 3), hasHeader: true);
            var prepare = ml.Transforms.Concatenate("Features", "A", "B", "C")
                .Append(ml.Transforms.NormalizeMinMax("Features"))
                .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Species"))
                .AppendCacheCheckpoint(ml);
            var split = ml.Data.TrainTestSplit(ml.Data.ShuffleRows(data, seed: 4), testFraction: 0.25, seed: 5);
            var model = prepare.Append(ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options { HiddenLayers = [8], NumberOfEpochs = 20, LearningRate = 0.1f, BatchSize = 16, Seed = 2 }))
                .Fit(split.TrainSet);
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
            Assert.IsGreaterThan(0.95, metrics.MicroAccuracy);
            Assert.IsTrue(metrics.ConfusionMatrix.Counts.Sum(r => r.Sum()) is > 50 and < 150);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
