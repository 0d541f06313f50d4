using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.Trainers;

/// <summary>
/// Features that are not scaled train at the defaults: FeatureScaling.Auto standardises them with the training rows'
/// mean and standard deviation and folds that into the first layer, so the model — ours, the saved zip that plain
/// ML.NET loads — reads raw features; features ML.NET marked normalised, or already in [-1, 1], train as given.
/// </summary>
[TestClass]
public sealed class FeatureScalingTests
{
    public sealed class Row
    {
        [VectorType(6)] public float[] Features { get; set; } = new float[6];
        public string Label { get; set; } = "";
    }

    /// <summary>Integer features 0 … 16 around one prototype per class (optical-digits-like); feature 5 is constant 7.</summary>
    private static List<Row> Unscaled(int n, int seed)
    {
        var random = new Random(seed);
        var prototypes = new[] { new[] { 2, 14, 3, 9, 12 }, new[] { 13, 2, 8, 1, 5 }, new[] { 7, 8, 15, 12, 1 } };
        return Enumerable.Range(0, n).Select(i =>
        {
            int k = random.Next(3);
            var f = prototypes[k].Select(v => (float)Math.Clamp(v + random.Next(-3, 4), 0, 16)).Append(7f).ToArray();
            return new Row { Features = f, Label = "abc"[k].ToString() };
        }).ToList();
    }

    private static (MLContext Ml, IDataView Train, IDataView Test) Data()
    {
        var ml = new MLContext(seed: 1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label");
        var train = ml.Data.LoadFromEnumerable(Unscaled(600, 1));
        var fitted = keys.Fit(train);
        return (ml, fitted.Transform(train), fitted.Transform(ml.Data.LoadFromEnumerable(Unscaled(300, 2))));
    }

    [TestMethod]
    public void Learn_GivesEachFeaturesMeanAndStandardDeviation_AndOneForAConstantFeature()
    {
        // Rows (1, 10), (3, 10), (5, 10), (7, 10): mean (4, 10), population standard deviation (√5, —).
        var rows = new TensorDataset(Tensor.Wrap(new float[] { 1, 10, 3, 10, 5, 10, 7, 10 }, 4, 2), new IntTensor(new[] { 0, 1, 0, 1 }));
        var scaling = FeatureStandardization.Learn(rows, default);
        CollectionAssert.AreEqual(new[] { 4f, 10f }, scaling.Mean);
        Assert.AreEqual(MathF.Sqrt(5), scaling.Scale[0], 1e-6f);
        Assert.AreEqual(1f, scaling.Scale[1]);
        var standardized = scaling.Apply(rows).GetBatch(0, 4).Features.AsSpan().ToArray();
        var expected = new[] { -3 / MathF.Sqrt(5), 0, -1 / MathF.Sqrt(5), 0, 1 / MathF.Sqrt(5), 0, 3 / MathF.Sqrt(5), 0 };
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], standardized[i], 1e-6f);
    }

    [TestMethod]
    public void FoldInto_OnRawFeatures_EqualsTheLayerOnStandardisedFeatures_AndUnfoldUndoesIt()
    {
        var random = new Random(3);
        var rows = new TensorDataset(Tensor.Wrap(Enumerable.Range(0, 30).Select(_ => (float)(random.NextDouble() * 200 - 50)).ToArray(), 10, 3),
            new IntTensor(new int[10]));
        var scaling = FeatureStandardization.Learn(rows, default);
        var layer = new Linear(3, 4, generator: new Generator(5));
        var weight = layer.Weight.AsSpan().ToArray();
        var bias = layer.Bias!.AsSpan().ToArray();
        scaling.FoldInto(layer);
        float[] x = [120.5f, -33.25f, 7f];
        var folded = layer.Forward(Tensor.Wrap(x.ToArray(), 1, 3)).AsSpan().ToArray();
        for (int o = 0; o < 4; o++)
        {
            double expected = bias[o];
            for (int j = 0; j < 3; j++) expected += weight[o * 3 + j] * ((double)x[j] - scaling.Mean[j]) / scaling.Scale[j];
            Assert.AreEqual(expected, folded[o], 1e-4 * Math.Max(1, Math.Abs(expected)), $"output {o}");
        }
        scaling.UnfoldFrom(layer);
        for (int i = 0; i < weight.Length; i++) Assert.AreEqual(weight[i], layer.Weight.AsSpan()[i], 1e-6f);
        for (int i = 0; i < bias.Length; i++) Assert.AreEqual(bias[i], layer.Bias.AsSpan()[i], 1e-5f);
    }

    [TestMethod]
    public void Auto_StandardisesUnscaledFeatures_AndTheSavedZipReadsRawFeatures()
    {
        var (ml, train, test) = Data();
        var model = ml.MulticlassClassification.Trainers.Minibatch(labelColumnName: "Label", featureColumnName: "Features").Fit(train);
        Assert.AreEqual(FeatureScaling.Standardize, model.TrainingOptions.FeatureScaling);
        var ours = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.IsGreaterThan(0.95, ours.MicroAccuracy);

        string path = Path.Combine(Path.GetTempPath(), $"scaling-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, train.Schema, path);
            var loaded = ml.Model.Load(path, out _);
            var theirs = loaded.Transform(test).GetColumn<float[]>("Score").ToArray();
            var scores = model.Transform(test).GetColumn<float[]>("Score").ToArray();
            for (int r = 0; r < scores.Length; r++)
                for (int k = 0; k < 3; k++) Assert.AreEqual(scores[r][k], theirs[r][k], 1e-5f, $"row {r}, class {k}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Auto_LeavesFeaturesMarkedNormalised_OrInUnitRange_AsGiven()
    {
        var (ml, train, _) = Data();
        var options = new MinibatchTrainer.Options { NumberOfEpochs = 2 };
        // NormalizeMeanVariance marks its output normalised, though its values leave [-1, 1].
        var meanVariance = ml.Transforms.NormalizeMeanVariance("Features").Fit(train).Transform(train);
        Assert.IsGreaterThan(1f, meanVariance.GetColumn<float[]>("Features").Max(f => f.Max(Math.Abs)));
        Assert.AreEqual(FeatureScaling.None, ml.MulticlassClassification.Trainers.Minibatch(options).Fit(meanVariance).TrainingOptions.FeatureScaling);
        // Unmarked values within [-1, 1] (MNIST's pixels are in [0, 1]).
        var unit = ml.Transforms.CustomMapping<Row, Row>((i, o) => { o.Features = i.Features.Select(v => v / 16).ToArray(); o.Label = i.Label; }, null)
            .Fit(ml.Data.LoadFromEnumerable(Unscaled(100, 3))).Transform(ml.Data.LoadFromEnumerable(Unscaled(100, 3)));
        var unitKeys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(unit).Transform(unit);
        Assert.AreEqual(FeatureScaling.None, ml.MulticlassClassification.Trainers.Minibatch(options).Fit(unitKeys).TrainingOptions.FeatureScaling);
        options.FeatureScaling = FeatureScaling.None;
        Assert.AreEqual(FeatureScaling.None, ml.MulticlassClassification.Trainers.Minibatch(options).Fit(train).TrainingOptions.FeatureScaling);
    }

    [TestMethod]
    public void NumberOfEpochs_Unset_IsEnoughForThreeThousandBatches_BetweenFiveAndOneThousand()
    {
        var o = new MinibatchTrainer.Options();
        Assert.AreEqual(5, MinibatchTrainer.EpochsFor(o, 50_000));      // 782 batches an epoch: 4 would do, 5 at least
        Assert.AreEqual(131, MinibatchTrainer.EpochsFor(o, 1_437));     // 23 batches: ⌈3000 / 23⌉
        Assert.AreEqual(1000, MinibatchTrainer.EpochsFor(o, 150));      // 3 batches: 1000 at most
        Assert.AreEqual(12, MinibatchTrainer.EpochsFor(new MinibatchTrainer.Options { NumberOfEpochs = 12 }, 150));
        Assert.AreEqual(8, MinibatchTrainer.EpochsFor(new MinibatchTrainer.Options { BatchSize = 100, DropLast = true }, 39_999)); // 399 full batches
        var (ml, train, _) = Data();
        var model = ml.MulticlassClassification.Trainers.Minibatch().Fit(train);
        Assert.AreEqual(300, model.TrainingOptions.NumberOfEpochs);     // 600 rows: 10 batches
        Assert.HasCount(300, model.History);
    }
}
