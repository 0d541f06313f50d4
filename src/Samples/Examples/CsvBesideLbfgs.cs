using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch;

namespace Microsoft.ML.Minibatch.Samples.Examples;

/// <summary>A CSV file through ML.NET's own loader and transforms, our trainer beside one of ML.NET's.</summary>
public static class CsvBesideLbfgs
{
    /// <summary>One line of the file: the label, then 784 pixel columns (0 … 255).</summary>
    public sealed class Row
    {
        /// <summary>The digit.</summary>
        [LoadColumn(0)] public float Label { get; set; }

        /// <summary>The pixels, row by row.</summary>
        [LoadColumn(1, 784), VectorType(784)] public float[] Pixels { get; set; } = new float[784];
    }

    /// <summary>Trains both on <paramref name="trainCsv"/>, evaluates both on <paramref name="testCsv"/>.</summary>
    public static (MulticlassClassificationMetrics Minibatch, MulticlassClassificationMetrics Lbfgs) Run(string trainCsv, string testCsv)
    {
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromTextFile<Row>(trainCsv, separatorChar: ',', hasHeader: true);
        IDataView test = ml.Data.LoadFromTextFile<Row>(testCsv, separatorChar: ',', hasHeader: true);

        var prepare = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMinMax("Features", "Pixels"))
            .AppendCacheCheckpoint(ml);
        var minibatch = prepare.Append(ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options
        {
            HiddenLayers = [100], BatchSize = 64, NumberOfEpochs = 10, LearningRate = 0.05f, Momentum = 0.9f,
            LearningRateSchedule = LearningRateSchedule.Cosine,
        }));
        var lbfgs = prepare.Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy());

        var ours = ml.MulticlassClassification.Evaluate(minibatch.Fit(train).Transform(test));
        var theirs = ml.MulticlassClassification.Evaluate(lbfgs.Fit(train).Transform(test));
        Console.WriteLine($"Minibatch MLP        accuracy {ours.MicroAccuracy:P2}, log-loss {ours.LogLoss:F4}");
        Console.WriteLine($"LbfgsMaximumEntropy  accuracy {theirs.MicroAccuracy:P2}, log-loss {theirs.LogLoss:F4}");
        return (ours, theirs);
    }
}
