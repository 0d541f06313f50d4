using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Tests.MLNet;

[TestClass]
public sealed class EvaluateTests
{
    public sealed class Scored
    {
        [KeyType(4)] public uint Label { get; set; }
        [VectorType(4)] public float[] Score { get; set; } = new float[4];
        [KeyType(4)] public uint PredictedLabel { get; set; }
    }

    public sealed class TextLabel
    {
        public string Label { get; set; } = "";
        [VectorType(4)] public float[] Score { get; set; } = new float[4];
        public uint PredictedLabel { get; set; }
    }

    // Hand-made case: 4 classes (class 3 never labelled nor predicted, class 2 never labelled),
    // a tie broken towards the lower class index, a probability of 0 (clamped), and a missing label.
    private static IDataView HandCase(MLContext ml) => ml.Data.LoadFromEnumerable(new[]
    {
        new Scored { Label = 1, Score = new[] { 0.7f, 0.2f, 0.1f, 0f } },   // class 0, predicted 0, rank 0
        new Scored { Label = 2, Score = new[] { 0.5f, 0.4f, 0.1f, 0f } },   // class 1, predicted 0, rank 1
        new Scored { Label = 2, Score = new[] { 0.3f, 0.3f, 0.4f, 0f } },   // class 1, predicted 2, rank 2 (tie with class 0 counts ahead)
        new Scored { Label = 1, Score = new[] { 0f, 0.5f, 0.5f, 0f } },     // class 0, predicted 1 (first of the tie), rank 2, p clamped
        new Scored { Label = 0, Score = new[] { 1f, 0f, 0f, 0f } },         // missing label: skipped
        new Scored { Label = 1, Score = new[] { 0.4f, 0.4f, 0.2f, 0f } },   // class 0 ties class 1: class 0 wins, rank 0
    });

    [TestMethod]
    public void Evaluate_HandCase_MatchesHandComputedMetrics()
    {
        var ml = new MLContext(1);
        var m = ml.MulticlassClassification.Evaluate(HandCase(ml), topKPredictionCount: 3);
        Assert.AreEqual(0.4, m.MicroAccuracy, 1e-15);
        Assert.AreEqual(1.0 / 3, m.MacroAccuracy, 1e-15);          // (2/3 + 0/2) / 2 labelled classes
        // -(ln .7f + ln .4f + ln .3f + ln 1e-15f + ln .4f) / 5, computed independently with numpy float32.
        Assert.AreEqual(7.586401110157465, m.LogLoss, 1e-12);
        Assert.AreEqual(-10.272317378790882, m.LogLossReduction, 1e-12);
        Assert.AreEqual(3, m.TopKPredictionCount);
        CollectionAssert.AreEqual(new[] { 0.4, 0.6, 1.0 }, m.TopKAccuracyForAllK!.ToArray());
        Assert.AreEqual(1.0, m.TopKAccuracy);
        Assert.AreEqual(11.937247356408273, m.PerClassLogLoss[0], 1e-12);
        Assert.AreEqual(1.0601317407812505, m.PerClassLogLoss[1], 1e-12);
        Assert.AreEqual(0.0, m.PerClassLogLoss[2]);
        Assert.AreEqual(0.0, m.PerClassLogLoss[3]);

        var cm = m.ConfusionMatrix;
        Assert.AreEqual(4, cm.NumberOfClasses);
        CollectionAssert.AreEqual(new[] { 2.0, 1, 0, 0 }, cm.Counts[0].ToArray());
        CollectionAssert.AreEqual(new[] { 1.0, 0, 1, 0 }, cm.Counts[1].ToArray());
        CollectionAssert.AreEqual(new[] { 0.0, 0, 0, 0 }, cm.Counts[2].ToArray());
        CollectionAssert.AreEqual(new[] { 0.0, 0, 0, 0 }, cm.Counts[3].ToArray());
        Assert.AreEqual(2.0 / 3, cm.PerClassPrecision[0], 1e-15);
        Assert.AreEqual(0.0, cm.PerClassPrecision[1]);
        Assert.AreEqual(0.0, cm.PerClassPrecision[2]);
        Assert.AreEqual(0.0, cm.PerClassPrecision[3]);                  // never predicted
        Assert.AreEqual(2.0 / 3, cm.PerClassRecall[0], 1e-15);
        Assert.AreEqual(0.0, cm.PerClassRecall[1]);
        Assert.AreEqual(1.0, cm.GetCountForClassPair(predictedClassIndicatorIndex: 1, actualClassIndicatorIndex: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => cm.GetCountForClassPair(4, 0));
    }

    [TestMethod]
    public void Evaluate_WithoutTopK_LeavesTopKEmpty()
    {
        var ml = new MLContext(1);
        var m = ml.MulticlassClassification.Evaluate(HandCase(ml));
        Assert.AreEqual(0, m.TopKPredictionCount);
        Assert.IsNull(m.TopKAccuracyForAllK);
        Assert.AreEqual(0.0, m.TopKAccuracy);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Evaluate(HandCase(ml), topKPredictionCount: -1));
    }

    [TestMethod]
    public void FormattedConfusionTable_HasMlNetLayout()
    {
        var ml = new MLContext(1);
        var table = ml.MulticlassClassification.Evaluate(HandCase(ml)).ConfusionMatrix.GetFormattedConfusionTable();
        var expected = string.Join(Environment.NewLine,
            "",
            "Confusion table",
            "          ||================================",
            "PREDICTED ||     0 |     1 |     2 |     3 | Recall",
            "TRUTH     ||================================",
            "        0 ||     2 |     1 |     0 |     0 | 0.6667",
            "        1 ||     1 |     0 |     1 |     0 | 0.0000",
            "        2 ||     0 |     0 |     0 |     0 | 0.0000",
            "        3 ||     0 |     0 |     0 |     0 | 0.0000",
            "          ||================================",
            "Precision ||0.6667 |0.0000 |0.0000 |0.0000 |",
            "");
        Assert.AreEqual(expected, table);
    }

    [TestMethod]
    public void FormattedConfusionTable_NumbersLongClassNames()
    {
        var ml = new MLContext(1);
        var names = new[] { "alpha", "bravo", "charlie" };
        var slot = new DataViewSchema.Annotations.Builder();
        slot.AddSlotNames(3, (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(3, names.Select(n => n.AsMemory()).ToArray()).CopyTo(ref dst));
        var definition = SchemaDefinition.Create(typeof(Scored3));
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new Scored3 { Label = 3, Score = new[] { 0.1f, 0.2f, 0.7f } },
            new Scored3 { Label = 1, Score = new[] { 0.1f, 0.8f, 0.1f } },
        }, definition);
        var scored = new WithSlotNames(data, "Score", slot.ToAnnotations());
        var table = ml.MulticlassClassification.Evaluate(scored).ConfusionMatrix.GetFormattedConfusionTable();
        var expected = string.Join(Environment.NewLine,
            "",
            "Confusion table",
            "           ||========================",
            "PREDICTED  ||     0 |     1 |     2 | Recall",
            "TRUTH      ||========================",
            "0.   alpha ||     0 |     1 |     0 | 0.0000",
            "1.   bravo ||     0 |     0 |     0 | 0.0000",
            "2. charlie ||     0 |     0 |     1 | 1.0000",
            "           ||========================",
            "Precision  ||0.0000 |0.0000 |1.0000 |",
            "");
        Assert.AreEqual(expected, table);
    }

    public sealed class Scored3
    {
        [KeyType(3)] public uint Label { get; set; }
        [VectorType(3)] public float[] Score { get; set; } = new float[3];
        [KeyType(3)] public uint PredictedLabel { get; set; }
    }

    /// <summary>Adds annotations to one column of a view (test helper).</summary>
    private sealed class WithSlotNames : IDataView
    {
        private readonly IDataView _input;

        public WithSlotNames(IDataView input, string column, DataViewSchema.Annotations annotations)
        {
            _input = input;
            var b = new DataViewSchema.Builder();
            foreach (var c in input.Schema)
                b.AddColumn(c.Name, c.Type, c.Name == column ? annotations : c.Annotations);
            Schema = b.ToSchema();
        }

        public bool CanShuffle => false;

        public DataViewSchema Schema { get; }

        public long? GetRowCount() => _input.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
            => _input.GetRowCursor(columnsNeeded.Select(c => _input.Schema[c.Index]));

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
            => new[] { GetRowCursor(columnsNeeded, rand) };
    }

    public sealed class SingleLabel
    {
        public float Label { get; set; }
        [VectorType(2)] public float[] Score { get; set; } = new float[2];
        public uint PredictedLabel { get; set; }
    }

    [TestMethod]
    public void Evaluate_AcceptsSingleLabels_SkippingNaNAndNonIntegers()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new SingleLabel { Label = 1, Score = new[] { 0.25f, 0.75f } },
            new SingleLabel { Label = float.NaN, Score = new[] { 0.9f, 0.1f } },
            new SingleLabel { Label = 0.5f, Score = new[] { 0.9f, 0.1f } },
            new SingleLabel { Label = 0, Score = new[] { 0.5f, 0.5f } },
        });
        var m = ml.MulticlassClassification.Evaluate(data);
        Assert.AreEqual(1.0, m.MicroAccuracy);
        Assert.AreEqual((-Math.Log(0.75) - Math.Log(0.5)) / 2, m.LogLoss, 1e-7);
        // Balanced prior: entropy ln 2.
        Assert.AreEqual((Math.Log(2) - m.LogLoss) / Math.Log(2), m.LogLossReduction, 1e-12);
    }

    [TestMethod]
    public void Evaluate_LabelBeyondTheScores_CountsWithMaximumPenalty()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new SingleLabel { Label = 0, Score = new[] { 1f, 0f } },
            new SingleLabel { Label = 5, Score = new[] { 1f, 0f } },
        });
        var m = ml.MulticlassClassification.Evaluate(data);
        Assert.AreEqual(0.5, m.MicroAccuracy);
        Assert.AreEqual(1.0, m.MacroAccuracy);
        Assert.AreEqual(-Math.Log((float)1e-15) / 2, m.LogLoss, 1e-12);
    }

    [TestMethod]
    public void Evaluate_SchemaErrors_UseMlNetWording()
    {
        var ml = new MLContext(1);
        var text = ml.Data.LoadFromEnumerable(new[] { new TextLabel { Label = "a" } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Evaluate(text));
        StringAssert.StartsWith(e.Message, "Schema mismatch for label column 'Label': expected Single or KeyType, got String");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Evaluate(HandCase(ml), scoreColumnName: "Scores"));
        StringAssert.StartsWith(e.Message, "Score column 'Scores' not found");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Evaluate(HandCase(ml), labelColumnName: "Digit"));
        StringAssert.StartsWith(e.Message, "Label column 'Digit' not found");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Evaluate(HandCase(ml), predictedLabelColumnName: "P"));
        StringAssert.StartsWith(e.Message, "PredictedLabel column 'P' not found");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Evaluate(HandCase(ml), labelColumnName: "Score"));
        StringAssert.StartsWith(e.Message, "Schema mismatch for label column 'Score': expected Single or KeyType, got Vector<Single, 4>");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Evaluate(HandCase(ml), scoreColumnName: "Label"));
        StringAssert.StartsWith(e.Message, "Schema mismatch for score column 'Label': expected vector of two or more items of type Single");
    }
}
