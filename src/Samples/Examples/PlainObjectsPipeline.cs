using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Minibatch.Samples.Examples;

/// <summary>A pipeline over plain C# objects: a float label mapped to a key and back, and a train/test split.</summary>
public static class PlainObjectsPipeline
{
    /// <summary>One row as a user writes it: pixels and the digit as a number.</summary>
    public sealed class Row
    {
        /// <summary>The pixels, row by row, in [0, 1].</summary>
        [VectorType(784)] public float[] Features { get; set; } = new float[784];

        /// <summary>The digit, 0 … 9.</summary>
        public float Label { get; set; }
    }

    /// <summary>What comes out: the predicted digit as a number again.</summary>
    public sealed class Output
    {
        /// <summary>The predicted digit.</summary>
        public float PredictedDigit { get; set; }
    }

    /// <summary>Runs the pipeline on the first <paramref name="count"/> test images; returns the held-out metrics.</summary>
    public static MulticlassClassificationMetrics Run(int count = 6000)
    {
        LabeledImages images = Mnist.Load(MnistSplit.Test);
        List<Row> rows = Enumerable.Range(0, count)
            .Select(i => new Row { Features = images.GetFeatures(i).ToArray(), Label = images.Labels[i] })
            .ToList();

        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.MulticlassClassification.Trainers.Minibatch(labelColumnName: "Label", featureColumnName: "Features",
                hiddenLayers: [50], batchSize: 64, numberOfEpochs: 5, learningRate: 0.5f))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedDigit", "PredictedLabel"));
        var model = pipeline.Fit(split.TrainSet);

        IDataView scored = model.Transform(split.TestSet);
        MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(scored);
        Console.WriteLine($"held-out accuracy {metrics.MicroAccuracy:P2} on {metrics.ConfusionMatrix.Counts.Sum(r => r.Sum())} rows");
        var truth = ml.Data.CreateEnumerable<Row>(split.TestSet, reuseRowObject: false);
        var predicted = ml.Data.CreateEnumerable<Output>(scored, reuseRowObject: false);
        foreach (var (row, output) in truth.Zip(predicted).Take(5))
            Console.WriteLine($"digit {row.Label}: predicted {output.PredictedDigit}");
        return metrics;
    }
}
