using Microsoft.ML.Minibatch.Optim;

namespace Microsoft.ML.Minibatch.Training;

/// <summary>
/// A <see cref="FitCallback"/> that sets <see cref="Optimizer.LearningRate"/> before every training batch according to a
/// <see cref="LearningRateSchedule"/>, from the base rate the optimizer had when <see cref="FitLoop.Fit"/> began.
/// </summary>
/// <remarks>The rate is computed in closed form from the position in the run (not by repeated multiplication), so a
/// run with the same schedule in another framework can reproduce each step's rate exactly; see <see cref="Rate"/>.</remarks>
public sealed class LearningRateScheduler : FitCallback
{
    private double _baseRate;
    private double? _baseMomentum;
    private int _epochs;

    /// <summary>Creates the scheduler.</summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="oneCycle">The parameters of <see cref="LearningRateSchedule.OneCycle"/> (fast.ai's defaults when
    /// null); ignored by the other schedules.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="schedule"/> is not a defined value.</exception>
    public LearningRateScheduler(LearningRateSchedule schedule, OneCyclePolicy? oneCycle = null)
    {
        if (!Enum.IsDefined(schedule))
            throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "Unknown learning-rate schedule.");
        Schedule = schedule;
        OneCycle = oneCycle ?? new OneCyclePolicy();
    }

    /// <summary>The schedule.</summary>
    public LearningRateSchedule Schedule { get; }

    /// <summary>The one-cycle parameters (used when <see cref="Schedule"/> is <see cref="LearningRateSchedule.OneCycle"/>).</summary>
    public OneCyclePolicy OneCycle { get; }

    /// <summary>
    /// The learning rate of batch <paramref name="batch"/> of epoch <paramref name="epoch"/> in a run of
    /// <paramref name="epochs"/> epochs of <paramref name="batchesPerEpoch"/> batches each.
    /// </summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="baseRate">The rate at the start.</param>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="batch">The batch within the epoch, from 0.</param>
    /// <param name="batchesPerEpoch">The batches per epoch; at least 1.</param>
    /// <param name="epochs">The epochs of the run; at least 1.</param>
    /// <returns>The rate to use for that batch.</returns>
    /// <param name="oneCycle">The one-cycle parameters; fast.ai's defaults when null.</param>
    public static double Rate(LearningRateSchedule schedule, double baseRate, int epoch, int batch, int batchesPerEpoch, int epochs,
        OneCyclePolicy? oneCycle = null)
    {
        switch (schedule)
        {
            case LearningRateSchedule.OneCycle:
                return (oneCycle ?? new OneCyclePolicy()).LearningRate(baseRate, Position(epoch, batch, batchesPerEpoch, epochs));
            case LearningRateSchedule.Cosine:
                double total = (double)Math.Max(1, batchesPerEpoch) * Math.Max(1, epochs);
                double done = (double)epoch * Math.Max(1, batchesPerEpoch) + batch;
                return baseRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(done, total) / total));
            case LearningRateSchedule.Step:
                // Milestones at ⌊epochs/2⌋ and ⌊3·epochs/4⌋, as the integers MultiStepLR would be given.
                double rate = baseRate;
                if (epoch >= epochs / 2 && epochs / 2 > 0) rate *= 0.1;
                if (epoch >= 3 * epochs / 4 && 3 * epochs / 4 > epochs / 2) rate *= 0.1;
                return rate;
            default:
                return baseRate;
        }
    }

    /// <summary>t / T: the batches done before batch <paramref name="batch"/> of epoch <paramref name="epoch"/> over the
    /// batches of the run (fast.ai's <c>pct_train</c>).</summary>
    /// <param name="epoch">The epoch, from 0.</param>
    /// <param name="batch">The batch within the epoch, from 0.</param>
    /// <param name="batchesPerEpoch">The batches per epoch; at least 1.</param>
    /// <param name="epochs">The epochs of the run; at least 1.</param>
    /// <returns>The position in [0, 1].</returns>
    public static double Position(int epoch, int batch, int batchesPerEpoch, int epochs)
    {
        double total = (double)Math.Max(1, batchesPerEpoch) * Math.Max(1, epochs);
        double done = (double)epoch * Math.Max(1, batchesPerEpoch) + batch;
        return Math.Min(done, total) / total;
    }

    /// <inheritdoc/>
    public override void OnFitBegin(FitLoop loop, int epochs)
    {
        ArgumentNullException.ThrowIfNull(loop);
        _baseRate = loop.LearningRate;
        // One-cycle cycles the momentum only of an optimizer that has one (not SGD without momentum).
        _baseMomentum = Schedule == LearningRateSchedule.OneCycle ? loop.Step.Momentum : null;
        _epochs = epochs;
    }

    /// <inheritdoc/>
    public override void OnBatchBegin(FitLoop loop, int epoch, int batch)
    {
        ArgumentNullException.ThrowIfNull(loop);
        loop.LearningRate = Rate(Schedule, _baseRate, epoch, batch, loop.Train.Count, _epochs, OneCycle);
        if (_baseMomentum is not null)
            loop.Step.Momentum = OneCycle.Momentum(Position(epoch, batch, loop.Train.Count, _epochs));
    }

    /// <inheritdoc/>
    public override void OnFitEnd(FitLoop loop, IReadOnlyList<EpochMetrics> history)
    {
        ArgumentNullException.ThrowIfNull(loop);
        // A later Fit starts from the same base rate and momentum, not from where the schedule ended.
        loop.LearningRate = _baseRate;
        if (_baseMomentum is not null) loop.Step.Momentum = _baseMomentum;
    }
}
