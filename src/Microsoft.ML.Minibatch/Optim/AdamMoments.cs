namespace Microsoft.ML.Minibatch.Optim;

/// <summary>
/// The per-parameter state Adam and AdamW share (PyTorch's <c>state[p]</c>: <c>step</c>, <c>exp_avg</c>,
/// <c>exp_avg_sq</c> and, with AMSGrad, <c>max_exp_avg_sq</c>), created lazily, copied out and checked back in for
/// the optimizer's state dict.
/// </summary>
internal sealed class AdamMoments
{
    /// <summary>Step counts travel as one float in the state dict; beyond 2^24 they would not be exact.</summary>
    private const float MaxExactStep = 1 << 24;

    private const string StepName = "step";

    private readonly State?[] _state;
    private readonly bool _amsGrad;

    /// <summary>Creates empty state for <paramref name="count"/> parameters.</summary>
    public AdamMoments(int count, bool amsGrad)
    {
        _state = new State[count];
        _amsGrad = amsGrad;
    }

    /// <summary>The step count of parameter <paramref name="index"/> (0 before its first step).</summary>
    public long StepCount(int index) => _state[index]?.Step ?? 0;

    /// <summary>The state of parameter <paramref name="index"/>, created on first use, with its step count advanced.</summary>
    public State Advance(int index, int length)
    {
        State state = _state[index] ??= new State(length, _amsGrad);
        state.Step++;
        return state;
    }

    /// <summary>Copies of the named state arrays of parameter <paramref name="index"/>; empty before its first step.</summary>
    public IEnumerable<(string Name, float[] Values)> Get(int index)
    {
        if (_state[index] is not { } state) return [];
        if (state.Step > MaxExactStep)
            throw new InvalidOperationException($"Parameter {index} has taken {state.Step} steps; the state dict stores step counts exactly only up to {MaxExactStep}.");
        var result = new List<(string, float[])>
        {
            (StepName, [state.Step]),
            ("exp_avg", (float[])state.ExpAvg.Clone()),
            ("exp_avg_sq", (float[])state.ExpAvgSq.Clone()),
        };
        if (_amsGrad) result.Add(("max_exp_avg_sq", (float[])state.MaxExpAvgSq.Clone()));
        return result;
    }

    /// <summary>The names a complete state holds.</summary>
    public string[] Names => _amsGrad ? [StepName, "exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : [StepName, "exp_avg", "exp_avg_sq"];

    /// <summary>Throws <see cref="ArgumentException"/> unless the step count of <paramref name="state"/> is a whole number in [1, 2^24].</summary>
    public static void CheckStep(int index, IReadOnlyDictionary<string, float[]> state)
    {
        float step = state[StepName][0];
        if (!(step >= 1 && step <= MaxExactStep) || step != MathF.Floor(step))
            throw new ArgumentException($"'state.{index}.step' is {step}; a step count must be a whole number in [1, {MaxExactStep}].", "stateDict");
    }

    /// <summary>Installs a checked state for parameter <paramref name="index"/>, or clears it when <paramref name="state"/> is null.</summary>
    public void Set(int index, int length, IReadOnlyDictionary<string, float[]>? state)
    {
        if (state is null)
        {
            _state[index] = null;
            return;
        }
        var restored = new State(length, _amsGrad) { Step = (long)state[StepName][0] };
        state["exp_avg"].CopyTo(restored.ExpAvg, 0);
        state["exp_avg_sq"].CopyTo(restored.ExpAvgSq, 0);
        if (_amsGrad) state["max_exp_avg_sq"].CopyTo(restored.MaxExpAvgSq, 0);
        _state[index] = restored;
    }

    /// <summary>One parameter's moments and step count.</summary>
    internal sealed class State(int length, bool amsGrad)
    {
        public long Step;
        public readonly float[] ExpAvg = new float[length];
        public readonly float[] ExpAvgSq = new float[length];
        public readonly float[] MaxExpAvgSq = amsGrad ? new float[length] : [];
    }
}
