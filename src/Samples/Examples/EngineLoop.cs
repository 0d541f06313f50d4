using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Training;

namespace Microsoft.ML.Minibatch.Samples.Examples;

/// <summary>The lesson's PyTorch loop on the engine: Sequential, DataLoaders, a hand-written epoch, then FitLoop.</summary>
public static class EngineLoop
{
    /// <summary>Trains for one epoch by hand and <paramref name="epochs"/> more with FitLoop; returns the validation accuracy.</summary>
    public static double Run(int epochs = 2)
    {
        LabeledImages train = Mnist.Load(MnistSplit.Train), valid = Mnist.Load(MnistSplit.Valid);
        var x = Tensor.FromArray(train.Features, train.Count, train.FeatureCount);
        var y = new IntTensor(train.Labels.Select(b => (int)b).ToArray());
        var xValid = Tensor.FromArray(valid.Features, valid.Count, valid.FeatureCount);
        var yValid = new IntTensor(valid.Labels.Select(b => (int)b).ToArray());

        var generator = new Generator(1); // torch.manual_seed(1)
        var model = new Sequential(new Linear(784, 50, generator: generator), new ReLU(), new Linear(50, 10, generator: generator));
        var optimizer = new Sgd(model.Parameters(), learningRate: 0.5);
        var loaders = DataLoaders.Create(new TensorDataset(x, y), new TensorDataset(xValid, yValid), batchSize: 64, generator);

        // One epoch written out, as in the lesson: forward, loss, backward, step, zero grad.
        model.Train();
        foreach (Batch batch in loaders.Train)
        {
            Tensor loss = Functional.CrossEntropy(model.Forward(batch.Features), batch.Labels);
            loss.Backward();
            optimizer.Step();
            optimizer.ZeroGrad();
        }

        // The same loop as a library call, with validation after each epoch.
        var fit = new FitLoop(model, (output, target) => Functional.CrossEntropy(output, target), optimizer, loaders.Train, loaders.Valid);
        foreach (EpochMetrics epoch in fit.Fit(epochs)) Console.WriteLine(epoch);
        return fit.History[^1].ValidAccuracy;
    }
}
