using System.Globalization;
using Microsoft.ML.Minibatch.NN;

namespace Microsoft.ML.Minibatch.Optim;

/// <summary>
/// Adam (Kingma and Ba), optionally AMSGrad, with PyTorch's defaults and its exact
/// <c>torch.optim.Adam</c> rule, reproduced to the float32 bit.
/// </summary>
/// <remarks>
/// Per step t of a parameter p with gradient g: g = ±g + <see cref="WeightDecay"/>·p (L2 decay in
/// the gradient, not AdamW's decoupled decay); m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²;
/// with AMSGrad v̂ = max(v̂, v) replaces v below; p −= (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε).
/// ε is added to the bias-corrected √v, as in PyTorch and the paper's Algorithm 1 — not to the raw
/// √v as in the paper's "efficient" variant (TensorFlow's), which differs while 1 − β2^t is small.
/// </remarks>
public sealed class Adam : Optimizer
{
    private readonly AdamMoments _moments;
    private double _beta1;

    /// <summary>Creates an Adam optimizer; defaults and checks follow PyTorch's.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="learningRate">Learning rate (PyTorch's <c>lr</c>); finite and ≥ 0.</param>
    /// <param name="beta1">Decay of the running mean of the gradient; in [0, 1).</param>
    /// <param name="beta2">Decay of the running mean of its square; in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator (PyTorch's <c>eps</c>); finite and ≥ 0.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient; finite and ≥ 0.</param>
    /// <param name="amsGrad">Use the running maximum of the second moment (AMSGrad).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names it and its value.</exception>
    /// <exception cref="ArgumentException">The parameter list is empty or has duplicates.</exception>
    public Adam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0, bool amsGrad = false, bool maximize = false)
        : base(parameters, learningRate)
    {
        CheckNonNegative(epsilon, nameof(epsilon), "epsilon value");
        CheckBeta(beta1, nameof(beta1), 0);
        CheckBeta(beta2, nameof(beta2), 1);
        CheckNonNegative(weightDecay, nameof(weightDecay), "weight_decay value");
        _beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        AmsGrad = amsGrad;
        Maximize = maximize;
        _moments = new AdamMoments(Parameters.Count, amsGrad);
    }

    /// <summary>
    /// Decay of the first moment used by the next <see cref="Optimizer.Step"/>, in [0, 1). Schedules such as one-cycle
    /// change it between steps as they change momentum (PyTorch: <c>param_groups[0]["betas"][0]</c>); the moments are kept.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1).</exception>
    public double Beta1
    {
        get => _beta1;
        set
        {
            Adam.CheckBeta(value, nameof(Beta1), 0);
            _beta1 = value;
        }
    }

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Term added to the denominator for numerical stability.</summary>
    public double Epsilon { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether AMSGrad's running maximum of the second moment is used.</summary>
    public bool AmsGrad { get; }

    /// <summary>Whether the objective is maximized.</summary>
    public bool Maximize { get; }

    /// <summary>How many updates <see cref="Optimizer.Parameters"/>[<paramref name="index"/>] has received (it advances only on steps where the parameter had a gradient).</summary>
    /// <param name="index">The parameter's position in <see cref="Optimizer.Parameters"/>.</param>
    /// <returns>The parameter's own step count t.</returns>
    public long GetParameterStepCount(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Parameters.Count);
        return _moments.StepCount(index);
    }

    /// <inheritdoc/>
    private protected override IEnumerable<(string Name, float[] Values)> GetParameterState(int index) => _moments.Get(index);

    /// <inheritdoc/>
    private protected override void CheckParameterState(int index, IReadOnlyDictionary<string, float[]> state)
    {
        RequireStateNames(index, state, _moments.Names);
        AdamMoments.CheckStep(index, state);
    }

    /// <inheritdoc/>
    private protected override void SetParameterState(int index, IReadOnlyDictionary<string, float[]>? state) =>
        _moments.Set(index, Parameters[index].ElementCount, state);

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> parameter, ReadOnlySpan<float> gradient)
    {
        AdamMoments.State state = _moments.Advance(index, parameter.Length);
        OptimizerKernels.AdamStep(parameter, gradient, state.ExpAvg, state.ExpAvgSq, state.MaxExpAvgSq, state.Step,
            LearningRate, Beta1, Beta2, Epsilon, WeightDecay, AmsGrad, Maximize, decoupledWeightDecay: false);
    }

    /// <summary>Throws unless a beta is in [0, 1), with PyTorch's message.</summary>
    internal static void CheckBeta(double value, string paramName, int index)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(paramName, value, string.Create(CultureInfo.InvariantCulture, $"Invalid beta parameter at index {index}: {value}. It must be in [0, 1)."));
    }
}
