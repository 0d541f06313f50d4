using System.Globalization;

namespace Microsoft.ML.Minibatch.Training;

/// <summary>
/// fast.ai's one-cycle policy (<c>Learner.fit_one_cycle</c>): over the first <see cref="PctStart"/> of the batches the
/// learning rate rises from lr_max / <see cref="Div"/> to lr_max along half a cosine, then falls along half a cosine to
/// lr_max / <see cref="DivFinal"/>; the momentum moves the other way, from <see cref="MomentumStart"/> down to
/// <see cref="MomentumMiddle"/> and back up to <see cref="MomentumEnd"/>. Defaults are fast.ai's: pct_start 0.25,
/// div 25, div_final 1e5, moms (0.95, 0.85, 0.95).
/// </summary>
/// <remarks>
/// Position p = t / T, with t the batches done and T the batches of the whole run, as fast.ai's <c>pct_train</c>.
/// Each phase is fast.ai's <c>SchedCos(start, end)</c>: start + (1 + cos(π·(1 − q)))·(end − start)/2 with q the
/// position within the phase. The final rate is lr_max / div_final (fast.ai), not PyTorch's <c>OneCycleLR</c>
/// lr_max / (div·final_div_factor).
/// </remarks>
public sealed class OneCyclePolicy
{
    /// <summary>Creates the policy; the defaults are fast.ai's.</summary>
    /// <param name="pctStart">The fraction of the batches spent warming up, in (0, 1).</param>
    /// <param name="div">lr_max / div is the first rate; ≥ 1.</param>
    /// <param name="divFinal">lr_max / divFinal is the last rate; ≥ 1.</param>
    /// <param name="momentumStart">The momentum at the first batch, in [0, 1).</param>
    /// <param name="momentumMiddle">The momentum at the peak of the learning rate, in [0, 1).</param>
    /// <param name="momentumEnd">The momentum at the end, in [0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    public OneCyclePolicy(double pctStart = 0.25, double div = 25, double divFinal = 1e5,
        double momentumStart = 0.95, double momentumMiddle = 0.85, double momentumEnd = 0.95)
    {
        if (!(pctStart > 0 && pctStart < 1))
            throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, "pct_start must be in (0, 1).");
        if (!(div >= 1) || double.IsInfinity(div))
            throw new ArgumentOutOfRangeException(nameof(div), div, "div must be finite and ≥ 1.");
        if (!(divFinal >= 1) || double.IsInfinity(divFinal))
            throw new ArgumentOutOfRangeException(nameof(divFinal), divFinal, "div_final must be finite and ≥ 1.");
        CheckMomentum(momentumStart, nameof(momentumStart));
        CheckMomentum(momentumMiddle, nameof(momentumMiddle));
        CheckMomentum(momentumEnd, nameof(momentumEnd));
        PctStart = pctStart;
        Div = div;
        DivFinal = divFinal;
        MomentumStart = momentumStart;
        MomentumMiddle = momentumMiddle;
        MomentumEnd = momentumEnd;
    }

    /// <summary>The fraction of the batches spent warming up.</summary>
    public double PctStart { get; }

    /// <summary>The first rate is lr_max / Div.</summary>
    public double Div { get; }

    /// <summary>The last rate is lr_max / DivFinal.</summary>
    public double DivFinal { get; }

    /// <summary>The momentum at the first batch.</summary>
    public double MomentumStart { get; }

    /// <summary>The momentum at the peak of the learning rate.</summary>
    public double MomentumMiddle { get; }

    /// <summary>The momentum at the end.</summary>
    public double MomentumEnd { get; }

    /// <summary>The learning rate at <paramref name="position"/> of the run.</summary>
    /// <param name="maxRate">lr_max, the peak rate.</param>
    /// <param name="position">t / T, the fraction of the batches done, in [0, 1].</param>
    /// <returns>The rate.</returns>
    public double LearningRate(double maxRate, double position) =>
        Combined(position, maxRate / Div, maxRate, maxRate / DivFinal);

    /// <summary>The momentum at <paramref name="position"/> of the run.</summary>
    /// <param name="position">t / T, the fraction of the batches done, in [0, 1].</param>
    /// <returns>The momentum (SGD's momentum factor, or Adam's β1).</returns>
    public double Momentum(double position) => Combined(position, MomentumStart, MomentumMiddle, MomentumEnd);

    /// <summary>fast.ai's <c>combined_cos(pct_start, start, middle, end)</c>.</summary>
    private double Combined(double position, double start, double middle, double end)
    {
        double p = Math.Clamp(position, 0, 1);
        return p < PctStart
            ? Cosine(start, middle, p / PctStart)
            : Cosine(middle, end, (p - PctStart) / (1 - PctStart));
    }

    /// <summary>fast.ai's <c>sched_cos</c>: from start at q = 0 to end at q = 1 along half a cosine.</summary>
    private static double Cosine(double start, double end, double q) => start + (1 + Math.Cos(Math.PI * (1 - q))) * (end - start) / 2;

    private static void CheckMomentum(double value, string name)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"A one-cycle momentum must be in [0, 1) (got {value})."));
    }
}
