using System.Collections;
using System.Globalization;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// A list of modules that registers every item (PyTorch's <c>nn.ModuleList</c>): item i is the child named "i", so a
/// model holding it as <c>layers</c> has the keys <c>layers.0.weight</c>, <c>layers.0.bias</c>, … and the repr
/// <c>(layers): ModuleList(\n  (0): Linear(...)\n  …)</c>, and its parameters, modes and state dict include the items'.
/// Unlike <see cref="Sequential"/> it has no forward: the module holding it decides how the items are called.
/// </summary>
public sealed class ModuleList : Module, IReadOnlyList<Module>
{
    private readonly List<Module> _items = [];

    /// <summary>Creates the list with the given modules, registered as "0", "1", ….</summary>
    /// <param name="modules">The modules.</param>
    public ModuleList(params Module[] modules)
        : this((IEnumerable<Module>)modules)
    {
    }

    /// <summary>Creates the list with the given modules, registered as "0", "1", … (PyTorch's <c>ModuleList(iterable)</c>).</summary>
    /// <param name="modules">The modules.</param>
    public ModuleList(IEnumerable<Module> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        AddRange(modules);
    }

    /// <summary>The number of modules (PyTorch's <c>len</c>).</summary>
    public int Count => _items.Count;

    /// <summary>The module at <paramref name="index"/>; negative indices count from the end, as in Python. Setting one
    /// replaces the registered child under the same name.</summary>
    /// <param name="index">The position, −Count ≤ index &lt; Count.</param>
    /// <exception cref="ArgumentOutOfRangeException">The index is out of range (PyTorch's <c>IndexError</c>).</exception>
    public Module this[int index]
    {
        get => _items[Normalize(index)];
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            int i = Normalize(index);
            RegisterModule(Name(i), value);
            _items[i] = value;
        }
    }

    /// <summary>Appends a module, registered under its position (PyTorch's <c>append</c>).</summary>
    /// <param name="module">The module.</param>
    /// <returns>This list.</returns>
    public ModuleList Add(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(Name(_items.Count), module);
        _items.Add(module);
        return this;
    }

    /// <summary>Appends every module (PyTorch's <c>extend</c>).</summary>
    /// <param name="modules">The modules.</param>
    /// <returns>This list.</returns>
    public ModuleList AddRange(IEnumerable<Module> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var module in modules) Add(module);
        return this;
    }

    /// <summary>The modules in order.</summary>
    public IEnumerator<Module> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A ModuleList has no forward, as in PyTorch: call its items.</summary>
    /// <param name="input">Ignored.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor Forward(Tensor input) =>
        throw new NotSupportedException("Module [ModuleList] is missing the required \"forward\" function: call its items in turn.");

    private int Normalize(int index)
    {
        int i = index < 0 ? index + _items.Count : index;
        if ((uint)i >= (uint)_items.Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index {index} is out of range");
        return i;
    }

    private static string Name(int index) => index.ToString(CultureInfo.InvariantCulture);
}
