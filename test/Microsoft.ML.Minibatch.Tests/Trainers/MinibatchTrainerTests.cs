using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tests.MLNet;
using static Microsoft.ML.Minibatch.Tests.Trainers.TrainerTestData;

namespace Microsoft.ML.Minibatch.Tests.Trainers;

[TestClass]
public sealed class MinibatchTrainerTests
{
    [TestMethod]
    public void EstimatorChecks_SchemaFitSaveLoadBitwise()
    {
        var ml = new MLContext(seed: 1);
        var valid = WithKeyValues(ml, 60, 1);
        var invalid = ml.Data.LoadFromEnumerable(FloatRows(10, 2));
        var model = EstimatorChecks.Run(ml.MulticlassClassification.Trainers.Minibatch(Small()), valid, invalid,
            "Schema mismatch for label column 'Label': expected Key<UInt32>, got Single");

        // Score carries ML.NET's annotations and the label's key values as slot names; PredictedLabel the key values.
        var schema = model.GetOutputSchema(valid.Schema);
        var score = schema["Score"];
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), score.Type);
        ReadOnlyMemory<char> kind = default;
        score.Annotations.GetValue("ScoreColumnKind", ref kind);
        Assert.AreEqual("MulticlassClassification", kind.ToString());
        VBuffer<ReadOnlyMemory<char>> slots = default;
        score.GetSlotNames(ref slots);
        CollectionAssert.AreEqual(new[] { "2", "5", "7" }, slots.DenseValues().Select(s => s.ToString()).ToArray());
        var predicted = schema["PredictedLabel"];
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), predicted.Type);
        VBuffer<float> keyValues = default;
        predicted.GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(new[] { 2f, 5f, 7f }, keyValues.DenseValues().ToArray());
    }

    [TestMethod]
    public void Scores_AreSoftmaxOfTheNetworkAndPredictionIsArgmaxPlusOne()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(KeyRows(30, 3));
        var model = ml.MulticlassClassification.Trainers.Minibatch(Small()).Fit(data);
        var rows = KeyRows(30, 3);
        var scored = ml.Data.CreateEnumerable<Scored>(model.Transform(data), reuseRowObject: false).ToList();
        var l0 = (Linear)model.Model[0];
        var l2 = (Linear)model.Model[2];
        for (int r = 0; r < rows.Count; r++)
        {
            // Independent reference: the MLP in double precision, straight from the weights.
            var x = rows[r].Features;
            var h = new double[5];
            for (int i = 0; i < 5; i++)
            {
                double s = l0.Bias!.AsSpan()[i];
                for (int j = 0; j < 4; j++) s += (double)l0.Weight.AsSpan()[i * 4 + j] * x[j];
                h[i] = Math.Max(0, s);
            }
            var logits = new double[3];
            for (int k = 0; k < 3; k++)
            {
                double s = l2.Bias!.AsSpan()[k];
                for (int i = 0; i < 5; i++) s += l2.Weight.AsSpan()[k * 5 + i] * h[i];
                logits[k] = s;
            }
            double max = logits.Max();
            double sum = logits.Sum(v => Math.Exp(v - max));
            for (int k = 0; k < 3; k++) Assert.AreEqual(Math.Exp(logits[k] - max) / sum, scored[r].Score[k], 1e-6);
            Assert.AreEqual((uint)Array.IndexOf(logits, max) + 1, scored[r].PredictedLabel);
        }
    }

    public sealed class Scored
    {
        public float[] Score { get; set; } = Array.Empty<float>();
        public uint PredictedLabel { get; set; }
    }

    [TestMethod]
    public void Initialisation_EqualsTorchManualSeed()
    {
        // torch.manual_seed(7); nn.Sequential(nn.Linear(4,5), nn.ReLU(), nn.Linear(5,3)) (PyTorch 1.13):
        // weight[0][:3] = 0.03492254018783569, -0.301196813583374, 0.15921169519424438; 2.bias[2] = -0.23867745697498322
        var ml = new MLContext(seed: 1);
        var o = Small(epochs: 0);
        // The features reach 1.3: FeatureScaling.Auto would fold a standardisation into these weights.
        o.FeatureScaling = FeatureScaling.None;
        var model = ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(KeyRows(9, 1)));
        var w = ((Linear)model.Model[0]).Weight.AsSpan();
        Assert.AreEqual(0.03492254018783569f, w[0]);
        Assert.AreEqual(-0.301196813583374f, w[1]);
        Assert.AreEqual(0.15921169519424438f, w[2]);
        Assert.AreEqual(-0.23867745697498322f, ((Linear)model.Model[2]).Bias!.AsSpan()[2]);
        Assert.IsEmpty(model.History);
    }

    [TestMethod]
    public void SameSeed_GivesIdenticalWeightBytes_OtherSeedDiffers()
    {
        byte[] Train(int seed, SamplerKind sampler)
        {
            var ml = new MLContext(seed: seed);
            var o = Small();
            o.Seed = null;
            o.Sampler = sampler;
            var model = ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(KeyRows(50, 4)));
            using var stream = new MemoryStream();
            StateDictFile.Save(model.Model, stream);
            return stream.ToArray();
        }
        CollectionAssert.AreEqual(Train(3, SamplerKind.Random), Train(3, SamplerKind.Random));
        CollectionAssert.AreNotEqual(Train(3, SamplerKind.Random), Train(4, SamplerKind.Random));
        CollectionAssert.AreNotEqual(Train(3, SamplerKind.Random), Train(3, SamplerKind.Sequential));
    }

    [TestMethod]
    public void MissingKeyLabels_AreSkipped()
    {
        var ml = new MLContext(seed: 1);
        var rows = KeyRows(30, 5);
        var withMissing = new List<KeyRow>(rows);
        // Rows with key 0 carry NaN features: reading them would fail, so passing proves they are skipped.
        withMissing.Insert(4, new KeyRow { Features = new[] { float.NaN, 0, 0, 0 }, Label = KeyRow.Missing });
        withMissing.Add(new KeyRow { Features = new[] { float.NaN, 0, 0, 0 }, Label = KeyRow.Missing });
        var a = ml.MulticlassClassification.Trainers.Minibatch(Small()).Fit(ml.Data.LoadFromEnumerable(rows));
        var b = ml.MulticlassClassification.Trainers.Minibatch(Small()).Fit(ml.Data.LoadFromEnumerable(withMissing));
        AssertSameWeights(a, b);
    }

    [TestMethod]
    public void NonFiniteFeature_FailsNamingTheRow()
    {
        var ml = new MLContext(seed: 1);
        var rows = KeyRows(12, 5);
        rows[7].Features[2] = float.PositiveInfinity;
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.Minibatch(Small()).Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(e.Message, "Row 7");
        StringAssert.Contains(e.Message, "slot 2");
    }

    [TestMethod]
    public void SchemaProblems_UseMLNetMessages_FromGetOutputSchemaAndFit()
    {
        var ml = new MLContext(seed: 1);
        var trainer = ml.MulticlassClassification.Trainers.Minibatch(Small());
        void Check(IDataView data, string message)
        {
            var e1 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(Shapes.Of(data.Schema)));
            var e2 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
            StringAssert.StartsWith(e1.Message, message);
            StringAssert.StartsWith(e2.Message, message);
        }
        Check(ml.Data.LoadFromEnumerable(new[] { new TextRow { Label = "a" } }),
            "Schema mismatch for label column 'Label': expected Key<UInt32>, got String");
        var noFeatures = ml.Transforms.Concatenate("Other", "Features").Fit(ml.Data.LoadFromEnumerable(KeyRows(3, 1)));
        var renamed = ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options { FeatureColumnName = "Pixels" });
        Assert.StartsWith("Could not find feature column 'Pixels'",
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => renamed.Fit(ml.Data.LoadFromEnumerable(KeyRows(3, 1)))).Message);
        Assert.IsNotNull(noFeatures);
    }

    public sealed class VariableRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
        [KeyType(3)] public uint Label { get; set; }
    }

    [TestMethod]
    public void VariableSizeFeatures_AreASchemaMismatch()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new VariableRow { Features = new float[4], Label = 1 }, new VariableRow { Features = new float[5], Label = 2 } });
        var trainer = ml.MulticlassClassification.Trainers.Minibatch(Small());
        var e1 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(Shapes.Of(data.Schema)));
        var e2 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        StringAssert.StartsWith(e1.Message, "Schema mismatch for feature column 'Features': expected Vector<Single>, got VarVector<Single>");
        Assert.AreEqual(e1.Message, e2.Message);
    }

    [TestMethod]
    public void WrongFeatureSize_AtTransform_IsASchemaMismatch()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.MulticlassClassification.Trainers.Minibatch(Small(1)).Fit(ml.Data.LoadFromEnumerable(KeyRows(9, 1)));
        var wide = ml.Transforms.Concatenate("Features", "Features", "Features").Fit(ml.Data.LoadFromEnumerable(KeyRows(3, 1)));
        var data = wide.Transform(ml.Data.LoadFromEnumerable(KeyRows(3, 1)));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(data));
        StringAssert.StartsWith(e.Message, "Schema mismatch for feature column 'Features': expected Vector<Single, 4>, got Vector<Single, 8>");
    }

    public static IEnumerable<object[]> BadOptions()
    {
        yield return new object[] { "BatchSize", (Action<MinibatchTrainer.Options>)(o => o.BatchSize = 0), "0" };
        yield return new object[] { "NumberOfEpochs", (Action<MinibatchTrainer.Options>)(o => o.NumberOfEpochs = -1), "-1" };
        yield return new object[] { "LearningRate", (Action<MinibatchTrainer.Options>)(o => o.LearningRate = 0), "0" };
        yield return new object[] { "LearningRate", (Action<MinibatchTrainer.Options>)(o => o.LearningRate = float.NaN), "NaN" };
        yield return new object[] { "LearningRate", (Action<MinibatchTrainer.Options>)(o => o.LearningRate = float.PositiveInfinity), "Infinity" };
        yield return new object[] { "Momentum", (Action<MinibatchTrainer.Options>)(o => o.Momentum = 1), "1" };
        yield return new object[] { "Momentum", (Action<MinibatchTrainer.Options>)(o => o.Momentum = -0.1f), "-0.1" };
        yield return new object[] { "HiddenLayers", (Action<MinibatchTrainer.Options>)(o => o.HiddenLayers = new[] { 50, 0 }), "0" };
        yield return new object[] { "Sampler", (Action<MinibatchTrainer.Options>)(o => o.Sampler = (SamplerKind)7), "7" };
        yield return new object[] { "Optimizer", (Action<MinibatchTrainer.Options>)(o => o.Optimizer = (OptimizerKind)(-1)), "-1" };
        yield return new object[] { "WeightDecay", (Action<MinibatchTrainer.Options>)(o => o.WeightDecay = -1), "-1" };
        yield return new object[] { "ValidationBatchSize", (Action<MinibatchTrainer.Options>)(o => o.ValidationBatchSize = 0), "0" };
        yield return new object[] { "EarlyStoppingPatience", (Action<MinibatchTrainer.Options>)(o => o.EarlyStoppingPatience = 2), "2" };
    }

    [TestMethod]
    [DynamicData(nameof(BadOptions))]
    public void InvalidOption_ThrowsNamingOptionAndValue_FromCatalogAndFit(string name, Action<MinibatchTrainer.Options> spoil, string value)
    {
        var ml = new MLContext(seed: 1);
        var o = Small();
        spoil(o);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Minibatch(o));
        Assert.AreEqual(name, e.ParamName);
        StringAssert.Contains(e.Message, value);

        // Changed after the trainer was made: Fit refuses before reading any row.
        var good = Small();
        var trainer = ml.MulticlassClassification.Trainers.Minibatch(good);
        spoil(good);
        var reads = new WatchedDataView(ml.Data.LoadFromEnumerable(KeyRows(9, 1)));
        var e2 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(reads));
        Assert.AreEqual(name, e2.ParamName);
        Assert.AreEqual(0, reads.Cursors);
    }

    [TestMethod]
    public void EmptyHiddenLayers_IsLogisticRegression()
    {
        var ml = new MLContext(seed: 1);
        var o = Small(20);
        o.HiddenLayers = Array.Empty<int>();
        var model = ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(KeyRows(60, 1)));
        Assert.AreEqual(1, model.Model.Count);
        CollectionAssert.AreEqual(new[] { "0.weight", "0.bias" }, model.Model.StateDict().Keys.ToArray());
        var m = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(KeyRows(60, 2))));
        Assert.AreEqual(1.0, m.MicroAccuracy);
    }

    [TestMethod]
    public void FewerRowsThanOneBatch_TrainsOnOneBatch_NoRowsFails()
    {
        var ml = new MLContext(seed: 1);
        var o = Small(2);
        o.BatchSize = 64;
        o.DropLast = true;
        var model = ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(KeyRows(5, 1)));
        Assert.HasCount(2, model.History);
        Assert.IsTrue(double.IsFinite(model.History[0].TrainLoss));
        var empty = ml.Data.LoadFromEnumerable(new[] { new KeyRow { Label = KeyRow.Missing } });
        Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.Minibatch(Small()).Fit(empty));
    }

    [TestMethod]
    public void EarlyStopping_StopsAndKeepsTheBestEpochsWeights()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(KeyRows(60, 1));
        // Validation labels are shifted by one class, so learning the training set makes validation loss worse after
        // every epoch: epoch 1 is the best, and with patience 2 training stops after epoch 3.
        var valid = ml.Data.LoadFromEnumerable(KeyRows(30, 2, flip: true));
        var o = Small(10);
        o.ValidationSet = valid;
        o.EarlyStoppingPatience = 2;
        var stopped = ml.MulticlassClassification.Trainers.Minibatch(o).Fit(train);
        Assert.HasCount(3, stopped.History);
        Assert.IsLessThan(stopped.History[1].ValidLoss, stopped.History[0].ValidLoss);
        var one = ml.MulticlassClassification.Trainers.Minibatch(Small(1)).Fit(train);
        AssertSameWeights(one, stopped);
    }

    [TestMethod]
    public void EpochCompleted_AndLog_ReportEveryEpoch()
    {
        var ml = new MLContext(seed: 1);
        var logged = new List<string>();
        ml.Log += (_, e) => { if (e.Source.StartsWith(nameof(MinibatchTrainer), StringComparison.Ordinal) && e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info) logged.Add(e.Message); };
        var seen = new List<EpochMetrics>();
        var o = Small(3);
        o.EpochCompleted = seen.Add;
        o.ValidationSet = ml.Data.LoadFromEnumerable(KeyRows(12, 9));
        var model = ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(KeyRows(30, 1)));
        CollectionAssert.AreEqual(model.History.ToList(), seen);
        Assert.HasCount(3, logged);
        // The reported validation metrics are those Evaluate computes on the same rows.
        var m = ml.MulticlassClassification.Evaluate(model.Transform(o.ValidationSet));
        Assert.AreEqual(m.MicroAccuracy, seen[^1].ValidAccuracy, 1e-12);
        Assert.AreEqual(m.LogLoss, seen[^1].ValidLoss, 1e-5);
    }

    [TestMethod]
    public void Cancellation_ThrowsWithinABatch()
    {
        var ml = new MLContext(seed: 1);
        using var cts = new CancellationTokenSource();
        var o = Small(50);
        o.CancellationToken = cts.Token;
        int epochs = 0;
        o.EpochCompleted = _ => { if (++epochs == 2) cts.Cancel(); };
        Assert.Throws<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(KeyRows(30, 1))));
        Assert.AreEqual(2, epochs);
        var pre = Small();
        pre.CancellationToken = new CancellationToken(true);
        Assert.Throws<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.Minibatch(pre).Fit(ml.Data.LoadFromEnumerable(KeyRows(30, 1))));
    }

    [TestMethod]
    public void Divergence_FailsNamingEpochBatchAndLearningRate()
    {
        var ml = new MLContext(seed: 1);
        var o = Small(3);
        o.LearningRate = 1e30f;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(KeyRows(60, 1))));
        StringAssert.Contains(e.Message, "epoch");
        StringAssert.Contains(e.Message, "batch");
        StringAssert.Contains(e.Message, "smaller learning rate");
    }

    [TestMethod]
    public void InitialWeightsPath_StartsFromTheFile_AndRefusesAMismatch()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(KeyRows(30, 1));
        var first = ml.MulticlassClassification.Trainers.Minibatch(Small()).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"init-{Guid.NewGuid():N}.bin");
        try
        {
            StateDictFile.Save(first.Model, path);
            var o = Small(0);
            o.Seed = 99;
            o.InitialWeightsPath = path;
            var restarted = ml.MulticlassClassification.Trainers.Minibatch(o).Fit(data);
            AssertSameWeights(first, restarted);
            Assert.AreEqual(path, restarted.TrainingOptions.InitialWeightsPath);

            var wider = Small(0);
            wider.HiddenLayers = new[] { 6 };
            wider.InitialWeightsPath = path;
            var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.MulticlassClassification.Trainers.Minibatch(wider).Fit(data));
            StringAssert.Contains(e.Message, path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void SavedModel_KeepsHistoryAndOptions()
    {
        var ml = new MLContext(seed: 1);
        var o = Small(2);
        o.ValidationSet = ml.Data.LoadFromEnumerable(KeyRows(12, 9));
        var data = ml.Data.LoadFromEnumerable(KeyRows(30, 1));
        var model = ml.MulticlassClassification.Trainers.Minibatch(o).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = MinibatchTransformer.Load(stream);
        Assert.HasCount(2, loaded.History);
        Assert.AreEqual(model.History[1].ValidLoss, loaded.History[1].ValidLoss);
        Assert.AreEqual(7, loaded.TrainingOptions.Seed);
        CollectionAssert.AreEqual(new[] { 5 }, loaded.TrainingOptions.HiddenLayers);
        AssertSameWeights(model, loaded);
    }

    [TestMethod]
    public void ModelFile_WhoseShapesDisagreeWithTheSavedArchitecture_IsRefused()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => LoadTampered("\"HiddenLayers\":[5]", "\"HiddenLayers\":[6]"));
        StringAssert.Contains(e.Message, "tampered.zip");
        StringAssert.Contains(e.Message, "'0.weight' with shape [5, 4], but the architecture says [6, 4]");
    }

    [TestMethod]
    public void ModelFile_WhoseGraphDisagreesWithItsWeights_IsRefused()
    {
        // What ML.NET would run (Tanh) is no longer the network the weights and metadata describe (ReLU).
        var e = Assert.ThrowsExactly<InvalidDataException>(() => LoadTampered("Relu", "Tanh"));
        StringAssert.Contains(e.Message, "tampered.zip");
        StringAssert.Contains(e.Message, "the ONNX graph is not the one this library writes");
    }

    [TestMethod]
    public void ModelFile_WrittenByAnotherVersionOfTheLibrary_Loads()
    {
        // The graph check rewrites the model under the file's own producer version, not this library's.
        string ours = typeof(MinibatchTransformer).Assembly.GetName().Version!.ToString();
        string other = ours == "9.9.9.9" ? "8.8.8.8" : "9.9.9.9";
        Assert.AreEqual(ours.Length, other.Length, "the test swaps versions of one length");
        var loaded = LoadTampered(ours, other);
        Assert.AreEqual(4, loaded.InputSize);
    }

    /// <summary>Saves a small model, replaces <paramref name="find"/> (once, same length, so the protobuf stays
    /// well-formed) in its ONNX bytes, stores the entry again with a correct CRC, and loads it with our loader.</summary>
    private static MinibatchTransformer LoadTampered(string find, string replace)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(KeyRows(30, 1));
        var model = ml.MulticlassClassification.Trainers.Minibatch(Small(1)).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            var entry = zip.Entries.Single(e => e.Name == "OnnxModel");
            byte[] onnx;
            using (var read = new MemoryStream())
            {
                using (var s = entry.Open()) s.CopyTo(read);
                onnx = read.ToArray();
            }
            string text = System.Text.Encoding.Latin1.GetString(onnx);
            Assert.AreEqual(1, System.Text.RegularExpressions.Regex.Matches(text, System.Text.RegularExpressions.Regex.Escape(find)).Count, find);
            onnx = System.Text.Encoding.Latin1.GetBytes(text.Replace(find, replace));
            string name = entry.FullName;
            entry.Delete();
            using var write = zip.CreateEntry(name).Open();
            write.Write(onnx);
        }
        stream.Position = 0;
        return MinibatchTransformer.Load(stream, "tampered.zip");
    }

    [TestMethod]
    public void ConcurrentScoring_From16Threads_EqualsSingleThreaded()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(KeyRows(1000, 1));
        var model = ml.MulticlassClassification.Trainers.Minibatch(Small(1)).Fit(data);
        var scored = model.Transform(data);
        var expected = EstimatorChecks.Dump(scored);
        var features = KeyRows(1000, 1).SelectMany(r => r.Features).ToArray();
        var expectedScores = new float[1000 * 3];
        model.Score(features, expectedScores);
        var results = new List<string>[16];
        var direct = new float[16][];
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, t =>
        {
            results[t] = EstimatorChecks.Dump(scored);
            direct[t] = new float[1000 * 3];
            model.Score(features, direct[t]);
        });
        for (int t = 0; t < 16; t++)
        {
            CollectionAssert.AreEqual(expected, results[t]);
            CollectionAssert.AreEqual(expectedScores, direct[t]);
        }
        // The batch cursor and the one-row path (PredictionEngine) agree bitwise.
        var first = ml.Data.CreateEnumerable<Scored>(scored, reuseRowObject: false).First();
        CollectionAssert.AreEqual(expectedScores.Take(3).ToArray(), first.Score);
    }

    [TestMethod]
    public void FromNetwork_WrapsAnEngineModel_AndRefusesOtherShapes()
    {
        var generator = new Microsoft.ML.Minibatch.Tensors.Generator(3);
        var network = new Sequential(new Linear(4, 6, generator: generator), new ReLU(), new Linear(6, 3, generator: generator));
        var model = MinibatchTransformer.FromNetwork(network, new[] { "a", "b", "c" });
        Assert.AreEqual(4, model.InputSize);
        Assert.AreEqual(3, model.ClassCount);
        CollectionAssert.AreEqual(new[] { 6 }, model.TrainingOptions.HiddenLayers);
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(KeyRows(6, 1));
        VBuffer<ReadOnlyMemory<char>> slots = default;
        model.GetOutputSchema(data.Schema)["Score"].GetSlotNames(ref slots);
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, slots.DenseValues().Select(x => x.ToString()).ToArray());

        Assert.ThrowsExactly<ArgumentException>(() => MinibatchTransformer.FromNetwork(new Sequential(new ReLU())));
        Assert.ThrowsExactly<ArgumentException>(() => MinibatchTransformer.FromNetwork(new Sequential(new Linear(4, 3, bias: false))));
        Assert.ThrowsExactly<ArgumentException>(() => MinibatchTransformer.FromNetwork(network, new[] { "a", "b" }));
        ((Linear)network[0]).Weight.AsSpan()[0] = float.NaN;
        Assert.ThrowsExactly<ArgumentException>(() => MinibatchTransformer.FromNetwork(network));
    }

    [TestMethod]
    public void StepSchedule_DividesTheRateByTenAtHalfAndThreeQuarters_AndIsSaved()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(KeyRows(30, 3));
        var o = Small(epochs: 4);
        o.LearningRateSchedule = LearningRateSchedule.Step;
        var model = ml.MulticlassClassification.Trainers.Minibatch(o).Fit(data);
        // 4 epochs: milestones at epochs 2 and 3; LearningRate 0.2f means 0.2.
        double[] expected = [0.2, 0.2, 0.02, 0.002];
        for (int e = 0; e < 4; e++) Assert.AreEqual(expected[e], model.History[e].LearningRate, 1e-12, $"epoch {e}");

        var constant = ml.MulticlassClassification.Trainers.Minibatch(Small(epochs: 4)).Fit(data);
        CollectionAssert.AreNotEqual(Weights(constant)[0], Weights(model)[0]);

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = MinibatchTransformer.Load(stream);
        Assert.AreEqual(LearningRateSchedule.Step, loaded.TrainingOptions.LearningRateSchedule);
    }

    [TestMethod]
    public void UndefinedSchedule_IsRefusedWithItsName()
    {
        var o = Small();
        o.LearningRateSchedule = (LearningRateSchedule)9;
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext(seed: 1).MulticlassClassification.Trainers.Minibatch(o));
        Assert.AreEqual("LearningRateSchedule", e.ParamName);
    }
}
