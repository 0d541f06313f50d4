using System.Globalization;
using Microsoft.ML.Minibatch.NN;

namespace Microsoft.ML.Minibatch.Optim;

/// <summary>
/// What <see cref="Adam"/> and <see cref="AdamW"/> share: the moments, the hyperparameters and PyTorch's Adam step; they
/// differ only in how weight decay enters (added to the gradient, or decoupled) and in its default.
/// </summary>
public abstract class AdamOptimizer : Optimizer
{
    private readonly AdamMoments _moments;
    private readonly bool _decoupledWeightDecay;
    private double _beta1;

    private protected AdamOptimizer(IEnumerable<Parameter> parameters, double learningRate, double beta1, double beta2,
        double epsilon, double weightDecay, bool amsGrad, bool maximize, bool decoupledWeightDecay)
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
        _decoupledWeightDecay = decoupledWeightDecay;
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
            CheckBeta(value, nameof(Beta1), 0);
            _beta1 = value;
        }
    }

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Term added to the denominator for numerical stability.</summary>
    public double Epsilon { get; }

    /// <summary>The weight decay: an L2 penalty added to the gradient (<see cref="Adam"/>), or a decay of the parameters by
    /// 1 − lr·WeightDecay each step, outside the moments (<see cref="AdamW"/>).</summary>
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
            LearningRate, Beta1, Beta2, Epsilon, WeightDecay, AmsGrad, Maximize, _decoupledWeightDecay);
    }

    /// <summary>Throws unless a beta is in [0, 1), with PyTorch's message.</summary>
    private static void CheckBeta(double value, string paramName, int index)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(paramName, value, string.Create(CultureInfo.InvariantCulture, $"Invalid beta parameter at index {index}: {value}. It must be in [0, 1)."));
    }
}
