namespace Microsoft.ML.Minibatch.Training;

/// <summary>
/// Hooks into <see cref="FitLoop.Fit"/> (progress bars, logging, early stopping, schedules). Every method does nothing
/// unless overridden. They run on the training thread, in this order: <see cref="OnFitBegin"/>; per epoch
/// <see cref="OnEpochBegin"/>, <see cref="OnBatchBegin"/> and <see cref="OnBatchEnd"/> per batch, <see cref="OnEpochEnd"/>; then <see cref="OnFitEnd"/>
/// (also after a failure or cancellation, with the epochs completed so far).
/// </summary>
public abstract class FitCallback
{
    /// <summary>Called once before the first epoch.</summary>
    /// <param name="loop">The loop; <see cref="FitLoop.RequestStop"/> ends training after the current epoch.</param>
    /// <param name="epochs">The number of epochs requested.</param>
    public virtual void OnFitBegin(FitLoop loop, int epochs)
    {
    }

    /// <summary>Called before each epoch's training pass.</summary>
    /// <param name="loop">The loop.</param>
    /// <param name="epoch">The epoch index, from 0.</param>
    public virtual void OnEpochBegin(FitLoop loop, int epoch)
    {
    }

    /// <summary>Called before each training batch's forward pass (after the batch is loaded).</summary>
    /// <param name="loop">The loop.</param>
    /// <param name="epoch">The epoch index, from 0.</param>
    /// <param name="batch">The batch index within the epoch, from 0.</param>
    public virtual void OnBatchBegin(FitLoop loop, int epoch, int batch)
    {
    }

    /// <summary>Called after each training batch's optimizer step.</summary>
    /// <param name="loop">The loop.</param>
    /// <param name="metrics">The batch's loss and position.</param>
    public virtual void OnBatchEnd(FitLoop loop, in BatchMetrics metrics)
    {
    }

    /// <summary>Called after each epoch's validation pass.</summary>
    /// <param name="loop">The loop.</param>
    /// <param name="metrics">The epoch's metrics.</param>
    public virtual void OnEpochEnd(FitLoop loop, EpochMetrics metrics)
    {
    }

    /// <summary>Called once when training ends, normally or not.</summary>
    /// <param name="loop">The loop.</param>
    /// <param name="history">The metrics of the completed epochs.</param>
    public virtual void OnFitEnd(FitLoop loop, IReadOnlyList<EpochMetrics> history)
    {
    }
}
