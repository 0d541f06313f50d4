using System.Collections.ObjectModel;
using System.Globalization;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Optim;

/// <summary>
/// Base of the optimizers: holds the parameters, the learning rate and per-parameter state, and
/// updates the parameters from their gradients on <see cref="Step"/> (PyTorch's <c>torch.optim.Optimizer</c>).
/// </summary>
/// <remarks>
/// One parameter group: every parameter shares the hyperparameters. State (momentum buffers, Adam's
/// moments and step counts) is created lazily per parameter on the first step at which that
/// parameter has a gradient, exactly as PyTorch does, so a parameter without a gradient is left
/// untouched and its state does not advance.
/// </remarks>
public abstract class Optimizer
{
    private readonly Parameter[] _parameters;
    private readonly ReadOnlyCollection<Parameter> _readOnlyParameters;
    private double _learningRate;

    /// <summary>Creates an optimizer over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The parameters to update, e.g. <c>model.Parameters()</c>; at least one, no duplicates.</param>
    /// <param name="learningRate">The initial learning rate; finite and ≥ 0.</param>
    /// <exception cref="ArgumentException">The list is empty or names a parameter twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is negative, NaN or infinite.</exception>
    protected Optimizer(IEnumerable<Parameter> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToArray();
        if (_parameters.Length == 0)
            throw new ArgumentException("The optimizer got an empty parameter list.", nameof(parameters));
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i] is null)
                throw new ArgumentException($"Parameter {i} of the list is null.", nameof(parameters));
            if (!seen.Add(_parameters[i]))
                throw new ArgumentException($"Parameter {i} of the list appears more than once; each parameter may be optimized only once per step.", nameof(parameters));
        }
        CheckLearningRate(learningRate, nameof(learningRate));
        _learningRate = learningRate;
        _readOnlyParameters = Array.AsReadOnly(_parameters);
    }

    /// <summary>The parameters this optimizer updates, in the order given.</summary>
    public IReadOnlyList<Parameter> Parameters => _readOnlyParameters;

    /// <summary>
    /// The learning rate used by the next <see cref="Step"/>. Schedules change it between steps
    /// (PyTorch: <c>param_groups[0]["lr"]</c>); momentum and moment state is kept.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            CheckLearningRate(value, nameof(LearningRate));
            _learningRate = value;
        }
    }

    /// <summary>How many times <see cref="Step"/> has run.</summary>
    public long StepCount { get; private set; }

    /// <summary>
    /// Updates every parameter that has a gradient (<see cref="Tensors.Tensor.Grad"/> not null) by
    /// this optimizer's rule; parameters without one are skipped, as in PyTorch.
    /// </summary>
    public void Step()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            Parameter parameter = _parameters[i];
            if (parameter.Grad is not { } grad) continue;
            Update(i, parameter.AsSpan(), grad.AsSpan());
        }
        StepCount++;
    }

    /// <summary>
    /// Clears the gradients of all parameters: zeroes them in place (PyTorch 1.x's default,
    /// and what lets the next backward pass reuse the buffers), or sets them to null.
    /// </summary>
    /// <param name="setToNone">Drop the gradient tensors instead of zeroing them; the next
    /// <see cref="Step"/> then skips parameters that receive no new gradient.</param>
    public void ZeroGrad(bool setToNone = false)
    {
        foreach (Parameter parameter in _parameters)
        {
            if (setToNone)
                parameter.Grad = null;
            else if (parameter.Grad is { } grad)
                SplitRanges.Clear(grad.AsSpan());
        }
    }

    /// <summary>
    /// A copy of the per-parameter state (momentum buffers, Adam's moments and step counts), keyed
    /// like PyTorch's flattened <c>optimizer.state_dict()["state"]</c>: <c>state.{index}.{name}</c>,
    /// e.g. <c>state.0.momentum_buffer</c>, <c>state.1.exp_avg</c>, <c>state.1.step</c> (a scalar).
    /// Parameters that have not been stepped yet have no entries. Hyperparameters, including the
    /// learning rate, are not part of it: recreate the optimizer with them, then load the state.
    /// </summary>
    /// <returns>Tensors by key; save them with <see cref="StateDictFile"/> to resume training exactly.</returns>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var result = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < _parameters.Length; i++)
        {
            foreach ((string name, float[] values) in GetParameterState(i))
            {
                int[] shape = values.Length == _parameters[i].ElementCount && name != StepStateName ? _parameters[i].GetShape() : [];
                result.Add(string.Create(CultureInfo.InvariantCulture, $"state.{i}.{name}"), Tensor.FromArray(values, shape));
            }
        }
        return result;
    }

    /// <summary>
    /// Replaces the per-parameter state with the one in <paramref name="stateDict"/> (as produced by
    /// <see cref="StateDict"/> of an optimizer of the same kind over parameters of the same shapes).
    /// Parameters without entries start fresh. Nothing changes if any entry is invalid.
    /// </summary>
    /// <param name="stateDict">Tensors by <c>state.{index}.{name}</c> key.</param>
    /// <exception cref="ArgumentException">A key is malformed, names an unknown parameter or state, or a tensor has the wrong size.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var perParameter = new Dictionary<string, float[]>[_parameters.Length];
        foreach ((string key, Tensor tensor) in stateDict)
        {
            string[] parts = key.Split('.');
            if (parts.Length != 3 || parts[0] != "state"
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= _parameters.Length)
                throw new ArgumentException($"Unexpected key '{key}' in the optimizer state dict (expected state.<index>.<name> with index < {_parameters.Length}).", nameof(stateDict));
            if (tensor is null)
                throw new ArgumentException($"The tensor for '{key}' is null.", nameof(stateDict));
            int expected = parts[2] == StepStateName ? 1 : _parameters[index].ElementCount;
            if (tensor.ElementCount != expected)
                throw new ArgumentException($"'{key}' holds {tensor.ElementCount} values; parameter {index} needs {expected}.", nameof(stateDict));
            (perParameter[index] ??= new Dictionary<string, float[]>(StringComparer.Ordinal))[parts[2]] = tensor.ToArray();
        }
        // Validate everything before changing anything.
        for (int i = 0; i < perParameter.Length; i++)
            if (perParameter[i] is { } state) CheckParameterState(i, state);
        for (int i = 0; i < perParameter.Length; i++)
            SetParameterState(i, perParameter[i]);
    }

    /// <summary>The state name under which step counts are stored (as one float, exact up to 2^24 steps).</summary>
    private protected const string StepStateName = "step";

    /// <summary>The state of the parameter at <paramref name="index"/> as named arrays (copies); empty when it has none.</summary>
    /// <param name="index">The parameter's position in <see cref="Parameters"/>.</param>
    /// <returns>Named state arrays, each a copy.</returns>
    private protected virtual IEnumerable<(string Name, float[] Values)> GetParameterState(int index) => [];

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="state"/> is a complete, valid state for this optimizer.</summary>
    /// <param name="index">The parameter's position.</param>
    /// <param name="state">Named arrays, already checked for size.</param>
    private protected virtual void CheckParameterState(int index, IReadOnlyDictionary<string, float[]> state)
    {
        if (state.Count > 0)
            throw new ArgumentException($"{GetType().Name} keeps no per-parameter state, but state for parameter {index} was given.", "stateDict");
    }

    /// <summary>Installs a state checked by <see cref="CheckParameterState"/>, or clears it when <paramref name="state"/> is null.</summary>
    /// <param name="index">The parameter's position.</param>
    /// <param name="state">Named arrays, or null for a fresh parameter.</param>
    private protected virtual void SetParameterState(int index, IReadOnlyDictionary<string, float[]>? state)
    {
    }

    /// <summary>Throws unless <paramref name="state"/> holds exactly the <paramref name="names"/>.</summary>
    private protected static void RequireStateNames(int index, IReadOnlyDictionary<string, float[]> state, params string[] names)
    {
        foreach (string key in state.Keys)
            if (Array.IndexOf(names, key) < 0)
                throw new ArgumentException($"Unknown optimizer state 'state.{index}.{key}' (expected {string.Join(", ", names)}).", "stateDict");
        foreach (string name in names)
            if (!state.ContainsKey(name))
                throw new ArgumentException($"Optimizer state for parameter {index} lacks '{name}'.", "stateDict");
    }

    /// <summary>Applies one update to the parameter at <paramref name="index"/> of <see cref="Parameters"/>.</summary>
    /// <param name="index">The parameter's position; derived classes keep their state by it.</param>
    /// <param name="parameter">The parameter's values, to update in place.</param>
    /// <param name="gradient">Its gradient, same length.</param>
    protected abstract void Update(int index, Span<float> parameter, ReadOnlySpan<float> gradient);

    /// <summary>Throws unless <paramref name="value"/> is a finite, non-negative learning rate.</summary>
    private static void CheckLearningRate(double value, string paramName)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(paramName, value, string.Create(CultureInfo.InvariantCulture, $"Invalid learning rate: {value}. It must be finite and ≥ 0."));
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and ≥ 0 (PyTorch's rule for momentum, weight decay, eps).</summary>
    /// <param name="value">The hyperparameter's value.</param>
    /// <param name="paramName">The constructor argument it came from, for the exception.</param>
    /// <param name="what">Its name in the message, e.g. "momentum value".</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative, NaN or infinite.</exception>
    protected static void CheckNonNegative(double value, string paramName, string what)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(paramName, value, string.Create(CultureInfo.InvariantCulture, $"Invalid {what}: {value}. It must be finite and ≥ 0."));
    }
}
