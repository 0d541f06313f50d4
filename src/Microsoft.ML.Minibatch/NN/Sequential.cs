using System.Globalization;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// Applies its children in order (PyTorch's <c>nn.Sequential</c>); children are named "0", "1", … so parameters get
/// PyTorch's keys <c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, ….
/// </summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = [];

    /// <summary>Creates the container with the given layers, named by position.</summary>
    /// <param name="layers">The layers, applied first to last.</param>
    public Sequential(params Module[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>Creates the container with named layers (PyTorch's <c>nn.Sequential(OrderedDict(...))</c>).</summary>
    /// <param name="layers">The names and layers, applied first to last.</param>
    public Sequential(IEnumerable<(string Name, Module Module)> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var (name, module) in layers)
        {
            RegisterModule(name, module);
            _layers.Add(module);
        }
    }

    /// <summary>The number of layers.</summary>
    public int Count => _layers.Count;

    /// <summary>The layer at <paramref name="index"/>.</summary>
    /// <param name="index">The position.</param>
    public Module this[int index] => _layers[index];

    /// <summary>Appends a layer named by its position (PyTorch's <c>append</c>).</summary>
    /// <param name="layer">The layer.</param>
    /// <returns>This container.</returns>
    public Sequential Add(Module layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        RegisterModule(_layers.Count.ToString(CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>Feeds the input through every layer in order.</summary>
    /// <param name="input">The input batch.</param>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers) x = layer.Forward(x);
        return x;
    }
}
