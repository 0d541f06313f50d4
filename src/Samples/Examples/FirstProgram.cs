using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Samples.Examples;

/// <summary>The first program: train the 784-50-10 MLP on MNIST, evaluate, save, load and predict.</summary>
public static class FirstProgram
{
    /// <summary>The input of a prediction: 784 pixels in [0, 1].</summary>
    public sealed class Digit
    {
        /// <summary>The pixels, row by row.</summary>
        [VectorType(784)] public float[] Features { get; set; } = new float[784];
    }

    /// <summary>The output of a prediction.</summary>
    public sealed class DigitPrediction
    {
        /// <summary>The probability of each digit 0 … 9.</summary>
        public float[] Score { get; set; } = [];

        /// <summary>The predicted key: 1 … 10 for the digits 0 … 9.</summary>
        public uint PredictedLabel { get; set; }
    }

    /// <summary>Runs the program and returns its metrics on the validation rows.</summary>
    public static MulticlassClassificationMetrics Run(string modelPath = "mnist-mlp.zip")
    {
        MnistFiles files = Mnist.EnsureFiles(); // downloads and checks MNIST once, into ~/.cache/minibatch/mnist

        var ml = new MLContext(seed: 1);
        IDataView all = ml.Data.LoadIdx(files.TrainImages, files.TrainLabels);
        IDataView train = ml.Data.TakeRows(all, 50000);
        IDataView valid = ml.Data.SkipRows(all, 50000);

        var trainer = ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options
        {
            HiddenLayers = [50], BatchSize = 64, NumberOfEpochs = 5, LearningRate = 0.5f,
            Sampler = SamplerKind.Random, ValidationSet = valid, Seed = 1, // Seed 1 = torch.manual_seed(1)
        });
        ITransformer model = trainer.Fit(train);

        MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(model.Transform(valid));
        Console.WriteLine($"accuracy {metrics.MicroAccuracy:P2}, log-loss {metrics.LogLoss:F4}");
        Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());

        ml.Model.Save(model, train.Schema, modelPath);
        ITransformer loaded = ml.Model.Load(modelPath, out DataViewSchema inputSchema);
        var engine = ml.Model.CreatePredictionEngine<Digit, DigitPrediction>(loaded);
        Digit first = ml.Data.CreateEnumerable<Digit>(valid, reuseRowObject: false).First();
        DigitPrediction prediction = engine.Predict(first);
        Console.WriteLine($"first validation image: a {prediction.PredictedLabel - 1}, probability {prediction.Score.Max():P1}");
        return metrics;
    }
}
