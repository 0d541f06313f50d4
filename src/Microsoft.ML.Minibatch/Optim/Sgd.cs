using System.Globalization;
using Microsoft.ML.Minibatch.NN;

namespace Microsoft.ML.Minibatch.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, L2 weight
/// decay and maximization — PyTorch's <c>torch.optim.SGD</c> rule, reproduced to the float32 bit.
/// </summary>
/// <remarks>
/// Per step and parameter p with gradient g: d = g (−g when <see cref="Maximize"/>);
/// d += <see cref="WeightDecay"/>·p; with momentum μ, buf = d on the parameter's first step, then
/// buf = μ·buf + (1 − <see cref="Dampening"/>)·d, and d = <see cref="Nesterov"/> ? d + μ·buf : buf;
/// finally p −= lr·d.
/// </remarks>
/// <example>
/// <code>
/// var opt = new Sgd(model.Parameters(), learningRate: 0.5);
/// loss.Backward();
/// opt.Step();
/// opt.ZeroGrad();
/// </code>
/// </example>
public sealed class Sgd : Optimizer
{
    private const string MomentumBufferName = "momentum_buffer";

    private readonly float[]?[] _momentumBuffers;
    private double _momentum;

    /// <summary>Creates an SGD optimizer; the checks follow PyTorch's.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="learningRate">Learning rate (PyTorch's <c>lr</c>); finite and ≥ 0.</param>
    /// <param name="momentum">Momentum factor; finite and ≥ 0 (0 = none).</param>
    /// <param name="dampening">Dampening for momentum; finite.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient; finite and ≥ 0.</param>
    /// <param name="nesterov">Nesterov momentum; needs <paramref name="momentum"/> &gt; 0 and <paramref name="dampening"/> = 0.</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names it and its value.</exception>
    /// <exception cref="ArgumentException">Nesterov without momentum or with dampening, or a bad parameter list.</exception>
    public Sgd(IEnumerable<Parameter> parameters, double learningRate, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(parameters, learningRate)
    {
        CheckNonNegative(momentum, nameof(momentum), "momentum value");
        if (!double.IsFinite(dampening))
            throw new ArgumentOutOfRangeException(nameof(dampening), dampening, string.Create(CultureInfo.InvariantCulture, $"Invalid dampening value: {dampening}. It must be finite."));
        CheckNonNegative(weightDecay, nameof(weightDecay), "weight_decay value");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Nesterov momentum requires a momentum > 0 and zero dampening (got momentum {momentum}, dampening {dampening})."), nameof(nesterov));
        _momentum = momentum;
        Dampening = dampening;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        Maximize = maximize;
        _momentumBuffers = new float[Parameters.Count][];
    }

    /// <summary>
    /// The momentum factor (0 = plain SGD) used by the next <see cref="Optimizer.Step"/>. Schedules such as one-cycle
    /// change it between steps (PyTorch: <c>param_groups[0]["momentum"]</c>); the momentum buffers are kept.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite, or 0 with Nesterov momentum.</exception>
    public double Momentum
    {
        get => _momentum;
        set
        {
            CheckNonNegative(value, nameof(Momentum), "momentum value");
            if (Nesterov && value <= 0)
                throw new ArgumentOutOfRangeException(nameof(Momentum), value, "Nesterov momentum requires a momentum > 0.");
            _momentum = value;
        }
    }

    /// <summary>The dampening applied to the gradient in the momentum update.</summary>
    public double Dampening { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <summary>Whether the objective is maximized.</summary>
    public bool Maximize { get; }

    /// <summary>A copy of the momentum buffer of <see cref="Optimizer.Parameters"/>[<paramref name="index"/>], or null before its first step with momentum.</summary>
    /// <param name="index">The parameter's position in <see cref="Optimizer.Parameters"/>.</param>
    /// <returns>The buffer's values, row-major.</returns>
    public float[]? GetMomentumBuffer(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Parameters.Count);
        return (float[]?)_momentumBuffers[index]?.Clone();
    }

    /// <inheritdoc/>
    private protected override IEnumerable<(string Name, float[] Values)> GetParameterState(int index) =>
        _momentumBuffers[index] is { } buffer ? [(MomentumBufferName, (float[])buffer.Clone())] : [];

    /// <inheritdoc/>
    private protected override void CheckParameterState(int index, IReadOnlyDictionary<string, float[]> state)
    {
        if (Momentum == 0 && state.Count > 0)
            throw new ArgumentException($"This Sgd has no momentum, but state for parameter {index} was given.", "stateDict");
        RequireStateNames(index, state, MomentumBufferName);
    }

    /// <inheritdoc/>
    private protected override void SetParameterState(int index, IReadOnlyDictionary<string, float[]>? state) =>
        _momentumBuffers[index] = state is null ? null : (float[])state[MomentumBufferName].Clone();

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> parameter, ReadOnlySpan<float> gradient)
    {
        bool first = false;
        Span<float> buffer = default;
        if (Momentum != 0)
        {
            first = _momentumBuffers[index] is null;
            buffer = _momentumBuffers[index] ??= new float[parameter.Length];
        }
        OptimizerKernels.SgdStep(parameter, gradient, buffer, first, LearningRate, Momentum, Dampening, WeightDecay, Nesterov, Maximize);
    }
}
