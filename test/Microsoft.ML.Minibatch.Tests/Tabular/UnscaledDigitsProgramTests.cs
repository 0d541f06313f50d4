using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Minibatch.Tests.Tabular;

/// <summary>
/// ML.NET's own digits sample, as its documentation writes it — LoadFromTextFile of 64 intensities 0 … 16 and a
/// number, MapValueToKey, Concatenate, the trainer, no normaliser — with our trainer at its defaults in place of
/// SdcaMaximumEntropy, on the optical digits Debian's python3-sklearn ships (Fixtures/Tabular/digits.csv).
/// </summary>
[TestClass]
public sealed class UnscaledDigitsProgramTests
{
    public sealed class InputData
    {
        [LoadColumn(0, 63)]
        [VectorType(64)]
        public float[] PixelValues { get; set; } = [];

        [LoadColumn(64)]
        public float Number { get; set; }
    }

    private static double Accuracy(IEstimator<ITransformer> trainer)
    {
        var ml = new MLContext(seed: 1);
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Tabular", "digits.csv");
        var data = ml.Data.LoadFromTextFile<InputData>(path, separatorChar: ',', hasHeader: false);
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Number", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.Concatenate("Features", nameof(InputData.PixelValues)))
            .AppendCacheCheckpoint(ml)
            .Append(trainer)
            .Append(ml.Transforms.Conversion.MapKeyToValue("Number", "Label"));
        var model = pipeline.Fit(split.TrainSet);
        return ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet), "Label").MicroAccuracy;
    }

    [TestMethod]
    public void OurTrainerAtItsDefaults_MatchesOrBeatsSdcaMaximumEntropyAtItsDefaults()
    {
        var ml = new MLContext(seed: 1);
        double ours = Accuracy(ml.MulticlassClassification.Trainers.Minibatch(labelColumnName: "Label", featureColumnName: "Features"));
        double sdca = Accuracy(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(labelColumnName: "Label", featureColumnName: "Features"));
        Console.WriteLine($"digits, 20 % held out: minibatch {ours:F4}, SdcaMaximumEntropy {sdca:F4}");
        Assert.IsGreaterThanOrEqualTo(sdca, ours);
        Assert.IsGreaterThan(0.9, ours);
    }
}
