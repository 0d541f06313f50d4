using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Minibatch.Tests.MLNet;

/// <summary>
/// The second contract program of issue 5 (plain objects → MapValueToKey → trainer → MapKeyToValue → CreateEnumerable,
/// Evaluate, Save/Load, PredictionEngine, TrainTestSplit), with a nearest-centroid stand-in for the minibatch trainer.
/// </summary>
[TestClass]
public sealed class PipelineContractTests
{
    public sealed class Input
    {
        [VectorType(4)] public float[] Features { get; set; } = new float[4];
        public float Label { get; set; }
    }

    public sealed class Out
    {
        public uint Label { get; set; }
        public float PredictedDigit { get; set; }
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    public sealed class Digit
    {
        [VectorType(4)] public float[] Features { get; set; } = new float[4];
    }

    public sealed class DigitPrediction
    {
        public float[] Score { get; set; } = Array.Empty<float>();
        public uint PredictedLabel { get; set; }
    }

    /// <summary>Three well-separated classes: the class c has a 1 in slot c (plus small noise), class labels 2, 5, 7.</summary>
    private static List<Input> Rows(int n, int seed)
    {
        var rand = new Random(seed);
        var labels = new[] { 2f, 5f, 7f };
        return Enumerable.Range(0, n).Select(i =>
        {
            int c = i % 3;
            var f = new float[4];
            for (int j = 0; j < 4; j++) f[j] = (float)(rand.NextDouble() * 0.1);
            f[c] += 1;
            return new Input { Features = f, Label = labels[c] };
        }).ToList();
    }

    [TestMethod]
    public void PlainObjectsPipeline_RunsEndToEnd()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Rows(90, 3));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(new CentroidTrainer())
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedDigit", "PredictedLabel"));
        TransformerChain<KeyToValueMappingTransformer> fitted = pipeline.Fit(data);
        List<Out> outs = ml.Data.CreateEnumerable<Out>(fitted.Transform(data), reuseRowObject: false).ToList();
        Assert.AreEqual(90, outs.Count);
        // The label column is now the key; MapKeyToValue restores the original digits for the predictions.
        var originals = Rows(90, 3);
        for (int i = 0; i < outs.Count; i++)
        {
            Assert.AreEqual(originals[i].Label, outs[i].PredictedDigit);
            Assert.AreEqual((uint)(i % 3 + 1), outs[i].Label);
            Assert.AreEqual(3, outs[i].Score.Length);
            Assert.AreEqual(1f, outs[i].Score.Sum(), 1e-5f);
        }
        var scoredSchema = fitted.Transform(data).Schema;
        Assert.IsTrue(scoredSchema["Score"].HasSlotNames(3));
        Assert.IsTrue(scoredSchema["PredictedLabel"].HasKeyValues(NumberDataViewType.Single));
        var metrics = ml.MulticlassClassification.Evaluate(fitted.Transform(data));
        Assert.AreEqual(1.0, metrics.MicroAccuracy);
        Assert.IsTrue(metrics.LogLossReduction > 0.5, metrics.LogLossReduction.ToString());
        StringAssert.Contains(metrics.ConfusionMatrix.GetFormattedConfusionTable(), "PREDICTED ||     2 |     5 |     7 | Recall");

        var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);
        long train = ml.Data.CreateEnumerable<Input>(split.TrainSet, false).Count();
        long test = ml.Data.CreateEnumerable<Input>(split.TestSet, false).Count();
        Assert.AreEqual(90, train + test);
    }

    [TestMethod]
    public void SavedPipeline_PredictsThroughPredictionEngine()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Rows(60, 4));
        var model = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(data);
        var keyed = model.Transform(data);
        var trained = model.Append(new CentroidTrainer().Fit(keyed));
        string path = Path.Combine(Path.GetTempPath(), "mlnet-contract-" + Guid.NewGuid().ToString("N") + ".zip");
        try
        {
            ml.Model.Save(trained, data.Schema, path);
            ITransformer loaded = ml.Model.Load(path, out DataViewSchema inputSchema);
            Assert.AreEqual(EstimatorChecks.Describe(data.Schema), EstimatorChecks.Describe(inputSchema));
            // The chain starts with MapValueToKey("Label"), so its input class needs a Label, as in ML.NET.
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Model.CreatePredictionEngine<Digit, DigitPrediction>(loaded));
            StringAssert.StartsWith(e.Message, "Could not find input column 'Label'");
            var engine = ml.Model.CreatePredictionEngine<Input, DigitPrediction>(loaded);
            var direct = ml.Model.CreatePredictionEngine<Digit, DigitPrediction>(trained.LastTransformer);
            // Scored through the full data path, for comparison.
            var expected = ml.Data.CreateEnumerable<DigitPrediction>(trained.Transform(data), false).ToList();
            var rows = Rows(60, 4);
            var reused = new DigitPrediction();
            for (int i = 0; i < rows.Count; i++)
            {
                DigitPrediction p = engine.Predict(new Input { Features = rows[i].Features });
                Assert.AreEqual((uint)(i % 3 + 1), p.PredictedLabel);
                Assert.AreEqual(expected[i].PredictedLabel, p.PredictedLabel);
                CollectionAssert.AreEqual(expected[i].Score, p.Score);
                direct.Predict(new Digit { Features = rows[i].Features }, ref reused);
                CollectionAssert.AreEqual(expected[i].Score, reused.Score);
            }
            Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), engine.OutputSchema["PredictedLabel"].Type);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void PredictionEngine_ReportsMissingInputColumns()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Rows(9, 4));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var scorer = new CentroidTrainer().Fit(keyed);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Model.CreatePredictionEngine<Out, DigitPrediction>(scorer));
        StringAssert.StartsWith(e.Message, "Could not find feature column 'Features'");
    }

    public sealed class TextLabel
    {
        [VectorType(4)] public float[] Features { get; set; } = new float[4];
        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void TrainerSchemaChecks_UseMlNetMessages()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new TextLabel { Label = "x" } });
        var trainer = new CentroidTrainer();
        var e1 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        StringAssert.StartsWith(e1.Message, "Schema mismatch for label column 'Label': expected Key<UInt32>, got String");
        var e2 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(SchemaShape.Create(data.Schema)));
        Assert.AreEqual(e1.Message, e2.Message);
        // The same error surfaces from a chain before any stage is fitted.
        var chain = ml.Transforms.NormalizeMinMax("Features").Append(trainer);
        var e3 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => chain.Fit(data));
        StringAssert.StartsWith(e3.Message, "Schema mismatch for label column 'Label': expected Key<UInt32>, got String");
    }

    [TestMethod]
    public void StandInTrainer_PassesTheEstimatorChecks()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Rows(30, 6));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var invalid = ml.Data.LoadFromEnumerable(new[] { new TextLabel { Label = "x" } });
        EstimatorChecks.Run(new CentroidTrainer(), keyed, invalid, "Schema mismatch for label column 'Label': expected Key<UInt32>, got String");
    }

    /// <summary>A transformer that is not a row-to-row mapper: the prediction engine must run it through a one-row view.</summary>
    private sealed class ViewOnly : ITransformer
    {
        private readonly ITransformer _inner;

        public ViewOnly(ITransformer inner) => _inner = inner;

        public bool IsRowToRowMapper => false;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _inner.GetOutputSchema(inputSchema);

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new InvalidOperationException("not a row mapper");

        public void Save(ModelSaveContext ctx) => _inner.Save(ctx);

        public IDataView Transform(IDataView input) => _inner.Transform(input);
    }

    [TestMethod]
    public void PredictionEngine_WorksWithoutARowMapper()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Rows(30, 5));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var scorer = new CentroidTrainer().Fit(keyed);
        var slow = ml.Model.CreatePredictionEngine<Digit, DigitPrediction>(new ViewOnly(scorer));
        var fast = ml.Model.CreatePredictionEngine<Digit, DigitPrediction>(scorer);
        foreach (var row in Rows(30, 5))
        {
            var a = slow.Predict(new Digit { Features = row.Features });
            var b = fast.Predict(new Digit { Features = row.Features });
            Assert.AreEqual(b.PredictedLabel, a.PredictedLabel);
            CollectionAssert.AreEqual(b.Score, a.Score);
        }
    }

    [TestMethod]
    public void Log_ReceivesComponentMessages_AndSeedsAreDeterministic()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<LoggingEventArgs>();
        ml.Log += (_, e) => messages.Add(e);
        ml.WriteLog("Minibatch", Microsoft.ML.Runtime.ChannelMessageKind.Info, "epoch 1");
        Assert.AreEqual(1, messages.Count);
        Assert.AreEqual("epoch 1", messages[0].RawMessage);
        Assert.AreEqual("[Source=Minibatch, Kind=Info] epoch 1", messages[0].Message);
        var a = new MLContext(seed: 7);
        var b = new MLContext(seed: 7);
        var seedsA = new[] { a.NextSeed(), a.NextSeed(), a.NextSeed() };
        var seedsB = new[] { b.NextSeed(), b.NextSeed(), b.NextSeed() };
        CollectionAssert.AreEqual(seedsA, seedsB);
        Assert.AreEqual(7, a.Seed);
        Assert.IsNull(new MLContext().Seed);
        // A context seed makes unseeded shuffles reproducible.
        IDataView data = ml.Data.LoadFromEnumerable(Rows(40, 1));
        var s1 = ml.Data.CreateEnumerable<Input>(new MLContext(3).Data.ShuffleRows(data), false).Select(o => o.Features[3]).ToArray();
        var s2 = ml.Data.CreateEnumerable<Input>(new MLContext(3).Data.ShuffleRows(data), false).Select(o => o.Features[3]).ToArray();
        CollectionAssert.AreEqual(s1, s2);
    }
}
