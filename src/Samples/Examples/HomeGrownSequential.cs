using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Samples.Examples;

/// <summary>The lesson's home-grown model: a Module that keeps its layers in a ModuleList and calls them in turn.</summary>
public static class HomeGrownSequential
{
    /// <summary>PyTorch's <c>class SequentialModel(nn.Module)</c> with <c>self.layers = nn.ModuleList(layers)</c>.</summary>
    public sealed class SequentialModel : Module
    {
        private readonly ModuleList _layers;

        /// <summary>Registers the layers as <c>layers.0</c>, <c>layers.1</c>, ….</summary>
        public SequentialModel(params Module[] layers) => _layers = RegisterModule("layers", new ModuleList(layers));

        /// <summary>Calls every layer in turn.</summary>
        public override Tensor Forward(Tensor input)
        {
            Tensor x = input;
            foreach (Module layer in _layers) x = layer.Forward(x);
            return x;
        }
    }

    /// <summary>Trains the model for one MNIST epoch, saves its state dict to <paramref name="weightsPath"/> and returns it.</summary>
    public static SequentialModel Run(string weightsPath = "sequential-model.bin")
    {
        LabeledImages train = Mnist.Load(MnistSplit.Train), valid = Mnist.Load(MnistSplit.Valid);
        var generator = new Generator(1); // torch.manual_seed(1)
        var model = new SequentialModel(new Linear(784, 50, generator: generator), new ReLU(), new Linear(50, 10, generator: generator));
        Console.WriteLine(model); // SequentialModel(\n  (layers): ModuleList(\n    (0): Linear(...
        Console.WriteLine(string.Join(", ", model.StateDict().Keys)); // layers.0.weight, layers.0.bias, layers.2.weight, layers.2.bias

        var x = Tensor.FromArray(train.Features, train.Count, train.FeatureCount);
        var y = new IntTensor(train.Labels.Select(b => (int)b).ToArray());
        var xValid = Tensor.FromArray(valid.Features, valid.Count, valid.FeatureCount);
        var yValid = new IntTensor(valid.Labels.Select(b => (int)b).ToArray());
        var loaders = DataLoaders.Create(new TensorDataset(x, y), new TensorDataset(xValid, yValid), batchSize: 64, generator);
        var optimizer = new Sgd(model.Parameters(), learningRate: 0.5);

        model.Train();
        foreach (Batch batch in loaders.Train)
        {
            Tensor loss = Functional.CrossEntropy(model.Forward(batch.Features), batch.Labels);
            loss.Backward();
            optimizer.Step();
            optimizer.ZeroGrad();
        }

        model.Eval();
        using (Autograd.NoGrad())
            Console.WriteLine($"validation accuracy {Functional.Accuracy(model.Forward(xValid), yValid):F4}");
        StateDictFile.Save(model, weightsPath); // loads into the same class written in PyTorch
        return model;
    }
}
