using System.Text;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// The base of every network layer and model (PyTorch's <c>nn.Module</c>): it owns parameters and child modules,
/// names them with PyTorch's dotted <c>state_dict</c> keys (<c>0.weight</c>, <c>l1.bias</c>, …), and switches
/// training/evaluation mode recursively.
/// </summary>
/// <remarks>
/// C# has no attribute hook like Python's <c>__setattr__</c>, so subclasses register their members explicitly with
/// <see cref="RegisterParameter"/> and <see cref="RegisterModule{TModule}"/>, in the order PyTorch would see them assigned.
/// </remarks>
public abstract class Module
{
    private readonly List<KeyValuePair<string, Parameter?>> _parameters = [];
    private readonly List<KeyValuePair<string, Module>> _modules = [];

    /// <summary>Computes the module's output (PyTorch's <c>forward</c>, called through <c>module(x)</c>).</summary>
    /// <param name="input">The input batch.</param>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Whether the module is in training mode (PyTorch's <c>training</c>); true after construction.</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>
    /// Adds (or replaces) a parameter under <paramref name="name"/> (PyTorch's <c>register_parameter</c>).
    /// A null parameter keeps the slot (like <c>bias=False</c>) but is skipped by <see cref="Parameters"/> and <see cref="StateDict"/>.
    /// </summary>
    /// <param name="name">A non-empty name without dots, not used by a child module.</param>
    /// <param name="parameter">The parameter, or null.</param>
    /// <returns>The parameter.</returns>
    public Parameter? RegisterParameter(string name, Parameter? parameter)
    {
        CheckName(name, isModule: false);
        int index = _parameters.FindIndex(p => p.Key == name);
        var entry = new KeyValuePair<string, Parameter?>(name, parameter);
        if (index >= 0) _parameters[index] = entry;
        else _parameters.Add(entry);
        return parameter;
    }

    /// <summary>Adds (or replaces) a child module under <paramref name="name"/> (PyTorch's <c>add_module</c>).</summary>
    /// <typeparam name="TModule">The child's type.</typeparam>
    /// <param name="name">A non-empty name without dots, not used by a parameter.</param>
    /// <param name="module">The child.</param>
    /// <returns>The child, for assignment to a field.</returns>
    public TModule RegisterModule<TModule>(string name, TModule module) where TModule : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckName(name, isModule: true);
        int index = _modules.FindIndex(m => m.Key == name);
        var entry = new KeyValuePair<string, Module>(name, module);
        if (index >= 0) _modules[index] = entry;
        else _modules.Add(entry);
        return module;
    }

    /// <summary>The parameters of this module and (when <paramref name="recurse"/>) its descendants, each once, in registration order.</summary>
    /// <param name="recurse">Include the descendants' parameters.</param>
    public IEnumerable<Parameter> Parameters(bool recurse = true)
    {
        foreach (var (_, parameter) in NamedParameters(recurse)) yield return parameter;
    }

    /// <summary>
    /// The parameters with PyTorch's dotted names (<c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, …): this module's own
    /// first, then each child's in registration order. A parameter shared by two modules is listed once.
    /// </summary>
    /// <param name="recurse">Include the descendants' parameters.</param>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(bool recurse = true)
    {
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in recurse ? NamedModules() : [("", this)])
        {
            foreach (var (name, parameter) in module._parameters)
            {
                if (parameter is not null && seen.Add(parameter)) yield return (Join(prefix, name), parameter);
            }
        }
    }

    /// <summary>The direct children, in registration order.</summary>
    public IEnumerable<Module> Children()
    {
        foreach (var (_, module) in _modules) yield return module;
    }

    /// <summary>The direct children with their names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren()
    {
        foreach (var (name, module) in _modules) yield return (name, module);
    }

    /// <summary>This module (named "") and all descendants with dotted names, depth first, each once.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(string, Module)>();
        stack.Push(("", this));
        while (stack.Count > 0)
        {
            var (prefix, module) = stack.Pop();
            if (!seen.Add(module)) continue;
            yield return (prefix, module);
            for (int i = module._modules.Count - 1; i >= 0; i--)
            {
                var (name, child) = module._modules[i];
                stack.Push((Join(prefix, name), child));
            }
        }
    }

    /// <summary>Sets training mode on this module and its descendants (PyTorch's <c>train(mode)</c>).</summary>
    /// <param name="mode">True for training, false for evaluation.</param>
    /// <returns>This module.</returns>
    public Module Train(bool mode = true)
    {
        foreach (var (_, module) in NamedModules()) module.IsTraining = mode;
        return this;
    }

    /// <summary>Sets evaluation mode on this module and its descendants (PyTorch's <c>eval()</c>).</summary>
    /// <returns>This module.</returns>
    public Module Eval() => Train(false);

    /// <summary>
    /// Clears the accumulated gradient of every parameter (PyTorch 1.13's <c>zero_grad()</c>): zeroed in place by default,
    /// which keeps the gradient buffers for the next batch, or dropped when <paramref name="setToNone"/>.
    /// </summary>
    /// <param name="setToNone">Set <see cref="Tensor.Grad"/> to null instead of zeroing it.</param>
    public void ZeroGrad(bool setToNone = false)
    {
        // A direct walk rather than Parameters(): called every batch, it should not allocate.
        foreach (var (_, parameter) in _parameters)
        {
            if (parameter?.Grad is null) continue;
            if (setToNone) parameter.Grad = null;
            else parameter.Grad.AsSpan().Clear();
        }
        foreach (var (_, module) in _modules) module.ZeroGrad(setToNone);
    }

    /// <summary>
    /// The parameters by PyTorch's <c>state_dict</c> key, in PyTorch's order. The tensors are detached views that share
    /// storage with the parameters (they see later updates; copy them to keep a snapshot).
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var result = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var (name, parameter) in module._parameters)
            {
                if (parameter is not null) result[Join(prefix, name)] = parameter.Detach();
            }
        }
        return result;
    }

    /// <summary>
    /// Copies values from <paramref name="stateDict"/> into the parameters (PyTorch's <c>load_state_dict</c>).
    /// Nothing is copied unless every matched key has the parameter's shape; with <paramref name="strict"/>,
    /// missing and unexpected keys are errors too.
    /// </summary>
    /// <param name="stateDict">Tensors by dotted key.</param>
    /// <param name="strict">Require exactly the module's keys.</param>
    /// <returns>The missing and unexpected keys (both empty after a strict load).</returns>
    /// <exception cref="ArgumentException">A shape differs (the message names the key and both shapes), or, when strict, keys are missing or unexpected.</exception>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = StateDict();
        var missing = new List<string>();
        var unexpected = new List<string>();
        var errors = new List<string>();
        foreach (var (key, target) in own)
        {
            if (!stateDict.TryGetValue(key, out var source))
            {
                missing.Add(key);
            }
            else if (source is null || !source.Shape.SequenceEqual(target.Shape))
            {
                errors.Add($"size mismatch for {key}: copying a param with shape {source?.ShapeString ?? "null"} from checkpoint, " +
                    $"the shape in current model is {target.ShapeString}.");
            }
        }
        foreach (var key in stateDict.Keys)
        {
            if (!own.ContainsKey(key)) unexpected.Add(key);
        }
        if (strict)
        {
            if (unexpected.Count > 0) errors.Insert(0, $"Unexpected key(s) in state_dict: {Quote(unexpected)}.");
            if (missing.Count > 0) errors.Insert(0, $"Missing key(s) in state_dict: {Quote(missing)}.");
        }
        if (errors.Count > 0)
        {
            throw new ArgumentException(
                $"Error(s) in loading state_dict for {GetType().Name}:\n\t{string.Join("\n\t", errors)}", nameof(stateDict));
        }
        using (Autograd.NoGrad())
        {
            foreach (var (key, target) in own)
            {
                if (stateDict.TryGetValue(key, out var source)) target.CopyFrom(source);
            }
        }
        return new LoadStateDictResult(missing, unexpected);
    }

    /// <summary>The text inside this module's parentheses in <see cref="ToString"/> (PyTorch's <c>extra_repr</c>).</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>A description in PyTorch's <c>repr</c> format, children indented, e.g. <c>Linear(in_features=784, out_features=50, bias=True)</c>.</summary>
    public override string ToString()
    {
        var extra = ExtraRepr();
        var lines = new List<string>();
        if (extra.Length > 0) lines.AddRange(extra.Split('\n'));
        int extraCount = lines.Count;
        foreach (var (name, module) in _modules)
        {
            lines.Add($"({name}): {module.ToString().Replace("\n", "\n  ", StringComparison.Ordinal)}");
        }
        var sb = new StringBuilder(GetType().Name).Append('(');
        if (lines.Count == 1 && extraCount == 1)
        {
            sb.Append(lines[0]);
        }
        else if (lines.Count > 0)
        {
            sb.Append("\n  ").Append(string.Join("\n  ", lines)).Append('\n');
        }
        return sb.Append(')').ToString();
    }

    private void CheckName(string name, bool isModule)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Name '{name}' is not allowed: it must be non-empty and contain no '.'.", nameof(name));
        }
        bool clash = isModule ? _parameters.Exists(p => p.Key == name) : _modules.Exists(m => m.Key == name);
        if (clash)
        {
            throw new ArgumentException(
                $"Name '{name}' is already used by a {(isModule ? "parameter" : "child module")} of {GetType().Name}.", nameof(name));
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    private static string Quote(List<string> keys) => string.Join(", ", keys.Select(k => $"\"{k}\""));
}
