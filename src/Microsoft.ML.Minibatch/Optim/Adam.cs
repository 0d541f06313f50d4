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
    /// <summary>Step counts travel as one float in the state dict; beyond 2^24 they would not be exact.</summary>
    private const float MaxExactStep = 1 << 24;

    private readonly AdamState?[] _state;

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
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        AmsGrad = amsGrad;
        Maximize = maximize;
        _state = new AdamState[Parameters.Count];
    }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }

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
        return _state[index]?.Step ?? 0;
    }

    /// <inheritdoc/>
    private protected override IEnumerable<(string Name, float[] Values)> GetParameterState(int index)
    {
        if (_state[index] is not { } state) return [];
        if (state.Step > MaxExactStep)
            throw new InvalidOperationException($"Parameter {index} has taken {state.Step} steps; the state dict stores step counts exactly only up to {MaxExactStep}.");
        var result = new List<(string, float[])>
        {
            (StepStateName, [state.Step]),
            ("exp_avg", (float[])state.ExpAvg.Clone()),
            ("exp_avg_sq", (float[])state.ExpAvgSq.Clone()),
        };
        if (AmsGrad) result.Add(("max_exp_avg_sq", (float[])state.MaxExpAvgSq.Clone()));
        return result;
    }

    /// <inheritdoc/>
    private protected override void CheckParameterState(int index, IReadOnlyDictionary<string, float[]> state)
    {
        if (AmsGrad)
            RequireStateNames(index, state, StepStateName, "exp_avg", "exp_avg_sq", "max_exp_avg_sq");
        else
            RequireStateNames(index, state, StepStateName, "exp_avg", "exp_avg_sq");
        float step = state[StepStateName][0];
        if (!(step >= 1 && step <= MaxExactStep) || step != MathF.Floor(step))
            throw new ArgumentException($"'state.{index}.step' is {step}; a step count must be a whole number in [1, {MaxExactStep}].", "stateDict");
    }

    /// <inheritdoc/>
    private protected override void SetParameterState(int index, IReadOnlyDictionary<string, float[]>? state)
    {
        if (state is null)
        {
            _state[index] = null;
            return;
        }
        var restored = new AdamState(Parameters[index].ElementCount, AmsGrad) { Step = (long)state[StepStateName][0] };
        state["exp_avg"].CopyTo(restored.ExpAvg, 0);
        state["exp_avg_sq"].CopyTo(restored.ExpAvgSq, 0);
        if (AmsGrad) state["max_exp_avg_sq"].CopyTo(restored.MaxExpAvgSq, 0);
        _state[index] = restored;
    }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> parameter, ReadOnlySpan<float> gradient)
    {
        AdamState state = _state[index] ??= new AdamState(parameter.Length, AmsGrad);
        state.Step++;
        OptimizerKernels.AdamStep(parameter, gradient, state.ExpAvg, state.ExpAvgSq, state.MaxExpAvgSq, state.Step,
            LearningRate, Beta1, Beta2, Epsilon, WeightDecay, AmsGrad, Maximize);
    }

    private static void CheckBeta(double value, string paramName, int index)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(paramName, value, string.Create(CultureInfo.InvariantCulture, $"Invalid beta parameter at index {index}: {value}. It must be in [0, 1)."));
    }

    /// <summary>Per-parameter moments and step count (PyTorch's <c>state[p]</c>).</summary>
    private sealed class AdamState(int length, bool amsGrad)
    {
        public long Step;
        public readonly float[] ExpAvg = new float[length];
        public readonly float[] ExpAvgSq = new float[length];
        public readonly float[] MaxExpAvgSq = amsGrad ? new float[length] : [];
    }
}
