using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Tests.Tabular;

namespace Microsoft.ML.Minibatch.Tests.Trainers;

/// <summary>
/// A collapse is never silent: a learning rate or a feature scale that kills every hidden unit is an error naming the
/// cause and the fix; a model no better than the class frequencies is a warning (MLContext.Log, TrainingWarnings) and
/// the command line saves it only when asked.
/// </summary>
[TestClass]
public sealed class TrainingCollapseTests
{
    public sealed class Row
    {
        [VectorType(5)] public float[] Features { get; set; } = new float[5];
        public string Label { get; set; } = "";
    }

    /// <summary>Integer features 0 … 16 around one prototype per class, times <paramref name="scale"/>.</summary>
    private static IDataView Rows(MLContext ml, int n, float scale = 1, bool constant = false)
    {
        var random = new Random(4);
        var prototypes = new[] { new[] { 2, 14, 3, 9, 12 }, new[] { 13, 2, 8, 1, 5 }, new[] { 7, 8, 15, 12, 1 } };
        var rows = Enumerable.Range(0, n).Select(i =>
        {
            int k = random.Next(3);
            var f = prototypes[k].Select(v => constant ? 3f : scale * Math.Clamp(v + random.Next(-3, 4), 0, 16)).ToArray();
            return new Row { Features = f, Label = "abc"[k].ToString() };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
    }

    public sealed class Digit
    {
        [VectorType(64)] public float[] Features { get; set; } = new float[64];
        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void UnscaledDigits_WithoutScaling_AtTheDefaults_AreAnErrorNamingScaleAndLearningRate()
    {
        // The case that once ended at chance accuracy (log-loss ln 10) without a word: 64 intensities 0 … 16, ten classes.
        var ml = new MLContext(seed: 1);
        var random = new Random(6);
        var prototypes = Enumerable.Range(0, 10).Select(_ => Enumerable.Range(0, 64).Select(_ => random.Next(17)).ToArray()).ToArray();
        var digits = Enumerable.Range(0, 1000).Select(i => new Digit
        {
            Features = prototypes[i % 10].Select(v => (float)Math.Clamp(v + random.Next(-4, 5), 0, 16)).ToArray(),
            Label = (i % 10).ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).ToList();
        var raw = ml.Data.LoadFromEnumerable(digits);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options { FeatureScaling = FeatureScaling.None }).Fit(data));
        StringAssert.Contains(e.Message, "learning rate");
        StringAssert.Contains(e.Message, "scale the features");
        StringAssert.Contains(e.Message, "dead ReLUs");
        // At the defaults (FeatureScaling.Auto) the same rows train.
        var scaled = ml.MulticlassClassification.Trainers.Minibatch().Fit(data);
        Assert.IsGreaterThan(0.95, ml.MulticlassClassification.Evaluate(scaled.Transform(data)).MicroAccuracy);
    }

    [TestMethod]
    public void HugeFeatureScale_WithoutScaling_IsAnError()
    {
        var ml = new MLContext(seed: 1);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options { FeatureScaling = FeatureScaling.None, NumberOfEpochs = 5 })
                .Fit(Rows(ml, 600, scale: 1000)));
        StringAssert.Contains(e.Message, "learning rate");
    }

    [TestMethod]
    public void HugeLearningRate_OnStandardisedFeatures_IsAnError()
    {
        var ml = new MLContext(seed: 1);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options { LearningRate = 1000, NumberOfEpochs = 5 }).Fit(Rows(ml, 600)));
        StringAssert.Contains(e.Message, "learning rate");
    }

    [TestMethod]
    public void ConstantFeatures_EndNoBetterThanTheFrequencies_WithAWarningInTheLogAndOnTheModel()
    {
        var ml = new MLContext(seed: 1);
        var logged = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning)
                lock (logged) logged.Add(e.Message);
        };
        var model = ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options { NumberOfEpochs = 20 }).Fit(Rows(ml, 300, constant: true));
        Assert.HasCount(1, model.TrainingWarnings);
        StringAssert.Contains(model.TrainingWarnings[0], "no better than predicting the class frequencies");
        StringAssert.Contains(model.TrainingWarnings[0], "Every feature has the same value in every row");
        Assert.IsTrue(logged.Any(m => m.Contains("no better than predicting the class frequencies", StringComparison.Ordinal)), string.Join("\n", logged));
    }

    [TestMethod]
    public void ALearnableProblem_HasNoWarning()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.MulticlassClassification.Trainers.Minibatch().Fit(Rows(ml, 300));
        Assert.IsEmpty(model.TrainingWarnings);
    }

    [TestMethod]
    public void CommandLine_SavesAModelNoBetterThanTheFrequencies_OnlyWhenAsked()
    {
        string dir = Directory.CreateTempSubdirectory("minibatch-collapse-").FullName;
        try
        {
            string data = Path.Combine(dir, "flat.csv"), model = Path.Combine(dir, "flat.zip");
            File.WriteAllLines(data, new[] { "a,b,y" }.Concat(Enumerable.Range(0, 200).Select(i => $"3,4,{"xyz"[i % 3]}")));
            var (exit, _, error) = InProcessCli.Run("train", "--data", data, "--model", model, "--epochs", "20");
            Assert.AreEqual(1, exit, error);
            StringAssert.Contains(error, "no better than predicting the class frequencies");
            StringAssert.Contains(error, "--save-anyway");
            Assert.IsFalse(File.Exists(model));
            var saved = InProcessCli.Run("train", "--data", data, "--model", model, "--epochs", "20", "--save-anyway");
            Assert.AreEqual(0, saved.Exit, saved.Error);
            Assert.IsTrue(File.Exists(model));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
