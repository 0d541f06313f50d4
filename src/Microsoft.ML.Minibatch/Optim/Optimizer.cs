using System.Globalization;
using Microsoft.ML.Minibatch.NN;

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
    }

    /// <summary>The parameters this optimizer updates, in the order given.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

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
            else
                parameter.Grad?.AsSpan().Clear();
        }
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
