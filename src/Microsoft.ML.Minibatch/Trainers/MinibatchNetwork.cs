using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch;

/// <summary>Builds the multilayer perceptron the trainer fits: Linear, ReLU, …, Linear, keyed like PyTorch's
/// <c>nn.Sequential</c> (<c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, …).</summary>
internal static class MinibatchNetwork
{
    /// <summary>
    /// With <c>new Generator(s)</c> the weights equal those of
    /// <c>torch.manual_seed(s); nn.Sequential(nn.Linear(d, h), nn.ReLU(), nn.Linear(h, k))</c>: the layers draw from the
    /// generator in construction order, as PyTorch's draw from the global generator.
    /// </summary>
    public static Sequential Create(int inputs, IReadOnlyList<int> hidden, int classes, Generator generator)
    {
        var model = new Sequential();
        int width = inputs;
        foreach (int h in hidden)
        {
            model.Add(new Linear(width, h, generator: generator));
            model.Add(new ReLU());
            width = h;
        }
        model.Add(new Linear(width, classes, generator: generator));
        return model;
    }

    /// <summary>The expected state-dict shapes, by key, for the given architecture.</summary>
    public static List<(string Key, int[] Shape)> ExpectedShapes(int inputs, IReadOnlyList<int> hidden, int classes)
    {
        var shapes = new List<(string, int[])>();
        int width = inputs;
        int index = 0;
        foreach (int h in hidden.Append(classes))
        {
            string prefix = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            shapes.Add((prefix + ".weight", new[] { h, width }));
            shapes.Add((prefix + ".bias", new[] { h }));
            width = h;
            index += 2;
        }
        return shapes;
    }

    /// <summary>Whether every parameter value is finite.</summary>
    public static bool AllFinite(Module model)
    {
        foreach (var p in model.Parameters())
            foreach (var v in p.AsSpan())
                if (!float.IsFinite(v)) return false;
        return true;
    }
}
