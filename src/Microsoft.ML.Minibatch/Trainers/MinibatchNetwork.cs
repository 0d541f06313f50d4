using System.Globalization;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch;

/// <summary>Builds the multilayer perceptron the trainer fits: Linear, ReLU, (Dropout,) …, Linear, keyed like PyTorch's
/// <c>nn.Sequential</c>: <c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, … without dropout, <c>0</c>, <c>3</c>, <c>6</c>, …
/// with it (the Dropout layers hold no parameters but take a position, as in PyTorch).</summary>
internal static class MinibatchNetwork
{
    /// <summary>
    /// With <c>new Generator(s)</c> the weights equal those of
    /// <c>torch.manual_seed(s); nn.Sequential(nn.Linear(d, h), nn.ReLU(), nn.Linear(h, k))</c> (with <c>nn.Dropout(p)</c>
    /// after each ReLU when <paramref name="dropout"/> is not 0): the layers draw from the generator in construction
    /// order, as PyTorch's draw from the global generator. The Dropout layers draw their masks from the same generator.
    /// </summary>
    public static Sequential Create(int inputs, IReadOnlyList<int> hidden, int classes, Generator generator, double dropout = 0)
    {
        var model = new Sequential();
        int width = inputs;
        foreach (int h in hidden)
        {
            model.Add(new Linear(width, h, generator: generator));
            model.Add(new ReLU());
            if (dropout != 0) model.Add(new Dropout(dropout, generator));
            width = h;
        }
        model.Add(new Linear(width, classes, generator: generator));
        return model;
    }

    /// <summary>The expected state-dict shapes, by key, for the given architecture.</summary>
    public static List<(string Key, int[] Shape)> ExpectedShapes(int inputs, IReadOnlyList<int> hidden, int classes, bool dropout = false)
    {
        var shapes = new List<(string, int[])>();
        int width = inputs;
        int index = 0;
        foreach (int h in hidden.Append(classes))
        {
            string prefix = index.ToString(CultureInfo.InvariantCulture);
            shapes.Add((prefix + ".weight", new[] { h, width }));
            shapes.Add((prefix + ".bias", new[] { h }));
            width = h;
            index += dropout ? 3 : 2;
        }
        return shapes;
    }

    /// <summary>
    /// The hidden sizes and dropout rate of a network laid out as <see cref="Create"/> lays it out (Linear, then
    /// ReLU, Linear pairs, or ReLU, Dropout, Linear triples with one rate throughout), or null when it is not.
    /// Shapes are not checked here: the caller compares the state dict with <see cref="ExpectedShapes"/>.
    /// </summary>
    public static (int[] Hidden, double Dropout)? Describe(Sequential model)
    {
        int count = model.Count;
        if (count == 0 || model[0] is not Linear) return null;
        bool dropout = count >= 3 && model[2] is Dropout;
        int stride = dropout ? 3 : 2;
        if ((count - 1) % stride != 0) return null;
        double rate = dropout ? ((Dropout)model[2]).P : 0;
        var hidden = new List<int>();
        for (int i = 1; i < count; i += stride)
        {
            if (model[i] is not ReLU || model[i + stride - 1] is not Linear) return null;
            if (dropout && (model[i + 1] is not Dropout d || d.P != rate)) return null;
            hidden.Add(((Linear)model[i - 1]).OutFeatures);
        }
        return (hidden.ToArray(), rate);
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
