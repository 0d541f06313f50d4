using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Minibatch.Tests.Trainers;

/// <summary>The two contract programs of issue 5, unchanged but for the assertions, on real MNIST.</summary>
[TestClass]
public sealed class MnistContractTests
{
    public sealed class Digit { [VectorType(784)] public float[] Features { get; set; } = new float[784]; }

    public sealed class DigitPrediction { public float[] Score { get; set; } = Array.Empty<float>(); public uint PredictedLabel { get; set; } }

    public sealed class Row
    {
        [VectorType(784)] public float[] Features { get; set; } = new float[784];
        public float Label { get; set; }
    }

    public sealed class Out
    {
        public float PredictedDigit { get; set; }
        public uint Label { get; set; }
    }

    [TestMethod]
    public void FirstProgram_MatchesPyTorchAndRoundTrips()
    {
        var dir = MnistFiles.Require();
        var (imagesPath, labelsPath) = MnistFiles.Train(dir);
        string path = Path.Combine(Path.GetTempPath(), $"mnist-{Guid.NewGuid():N}.zip");
        try
        {
            var ml = new MLContext(seed: 1);
            IDataView all = ml.Data.LoadIdx(imagesPath, labelsPath);
            IDataView train = ml.Data.TakeRows(all, 50000);
            IDataView valid = ml.Data.SkipRows(all, 50000);

            var trainer = ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options
            {
                HiddenLayers = new[] { 50 }, BatchSize = 64, NumberOfEpochs = 5, LearningRate = 0.5f,
                Sampler = SamplerKind.Random, ValidationSet = valid, Seed = 1, // Seed 1 = torch.manual_seed(1)
            });
            ITransformer model = trainer.Fit(train);
            IDataView scored = model.Transform(valid);
            MulticlassClassificationMetrics m = ml.MulticlassClassification.Evaluate(scored);
            Console.WriteLine($"{m.MicroAccuracy} {m.MacroAccuracy} {m.LogLoss} {m.LogLossReduction}");
            Console.WriteLine(m.ConfusionMatrix.GetFormattedConfusionTable());

            ml.Model.Save(model, train.Schema, path);
            ITransformer loaded = ml.Model.Load(path, out DataViewSchema inputSchema);
            var engine = ml.Model.CreatePredictionEngine<Digit, DigitPrediction>(loaded);
            var somePixels = ml.Data.CreateEnumerable<Digit>(valid, reuseRowObject: false).First().Features;
            DigitPrediction p = engine.Predict(new Digit { Features = somePixels });

            var transformer = (MinibatchTransformer)model;
            foreach (var epoch in transformer.History) Console.WriteLine(epoch);
            Assert.AreEqual(10000, m.ConfusionMatrix.Counts.Sum(r => r.Sum()));
            Assert.HasCount(5, transformer.History);
            // Evaluate's accuracy and the fit loop's last validation accuracy measure the same thing independently.
            Assert.AreEqual(transformer.History[^1].ValidAccuracy, m.MicroAccuracy, 1e-9);
            Assert.AreEqual(transformer.History[^1].ValidLoss, m.LogLoss, 1e-4);

            // The same run in PyTorch (Fixtures/make_trainer_golden.py: torch.manual_seed(1), the seeds' get_dls). The
            // early epochs agree closely; later ones drift apart only through float rounding, which lr 0.5 amplifies.
            using var golden = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "trainer_golden.json")));
            var epochs = golden.RootElement.GetProperty("epochs");
            for (int e = 0; e < 2; e++)
            {
                Assert.AreEqual(epochs[e].GetProperty("valid_loss").GetDouble(), transformer.History[e].ValidLoss, 2e-3, $"epoch {e}");
                Assert.AreEqual(epochs[e].GetProperty("valid_accuracy").GetDouble(), transformer.History[e].ValidAccuracy, 2e-3, $"epoch {e}");
            }
            // Every epoch of this run, ours or PyTorch's, stays above 94% (PyTorch's own last epoch: 95.24%).
            Assert.IsTrue(transformer.History.All(h => h.ValidAccuracy > 0.94), string.Join("; ", transformer.History));

            // The reloaded model (ML.NET's own components around the ONNX graph) predicts the first validation row as
            // the original does, its scores within the 1e-5 that ONNX Runtime's and our matrix kernels allow.
            var first = ml.Data.CreateEnumerable<DigitPrediction>(scored, reuseRowObject: false).First();
            Assert.HasCount(10, p.Score);
            for (int k = 0; k < 10; k++) Assert.AreEqual(first.Score[k], p.Score[k], 1e-5f, $"class {k}");
            Assert.AreEqual(first.PredictedLabel, p.PredictedLabel);
            Assert.AreEqual(1f, p.Score.Sum(), 1e-5f);
            Assert.AreEqual("Features", inputSchema[0].Name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void SecondProgram_PlainObjectsPipeline()
    {
        var dir = MnistFiles.Require();
        var (imagesPath, labelsPath) = MnistFiles.Test(dir);
        var ml = new MLContext(seed: 1);
        // The plain rows a ML.NET user writes first: float[784] pixels and a float digit.
        var digits = ml.Data.CreateEnumerable<Digit>(ml.Data.LoadIdx(imagesPath, labelsPath), reuseRowObject: false).Take(6000).ToList();
        var labelBytes = File.ReadAllBytes(labelsPath);
        var rows = digits.Select((d, i) => new Row { Features = d.Features, Label = labelBytes[8 + i] }).ToList();

        IDataView data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label",
                           keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.MulticlassClassification.Trainers.Minibatch(labelColumnName: "Label",
                           featureColumnName: "Features", hiddenLayers: new[] { 50 }, batchSize: 64,
                           numberOfEpochs: 5, learningRate: 0.5f, sampler: SamplerKind.Sequential))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedDigit", "PredictedLabel"));
        TransformerChain<KeyToValueMappingTransformer> fitted = pipeline.Fit(data);
        List<Out> outs = ml.Data.CreateEnumerable<Out>(fitted.Transform(data), reuseRowObject: false).ToList();
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

        Assert.HasCount(6000, outs);
        // PredictedDigit holds the original digit values (MapKeyToValue over the trainer's key values).
        Assert.IsTrue(outs.All(o => o.PredictedDigit is >= 0 and <= 9 && o.PredictedDigit == MathF.Round(o.PredictedDigit)));
        double trainAccuracy = outs.Zip(rows).Count(p => p.First.PredictedDigit == p.Second.Label) / (double)outs.Count;
        Assert.IsGreaterThan(0.9, trainAccuracy);

        // Train on the split, measure on its held-out part.
        var model = pipeline.Fit(split.TrainSet);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
        Assert.IsGreaterThan(0.85, metrics.MicroAccuracy);
    }
}
