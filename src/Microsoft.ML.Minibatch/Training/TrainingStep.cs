using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Training;

/// <summary>
/// What a training engine computes for <see cref="FitLoop"/>: the forward pass, loss, backward pass and optimizer step
/// of one training batch, and the loss and accuracy of a validation batch. Everything around them — samplers and
/// loaders, validation weighted by batch size, callbacks, learning-rate schedules, early stopping, divergence checks,
/// cancellation, the history — belongs to the fit loop and is the same for every engine. <see cref="ManagedTrainingStep"/>
/// is this library's engine; another assembly may bring its own (e.g. on libtorch).
/// </summary>
public abstract class TrainingStep : IDisposable
{
    /// <summary>The network being trained, in this library's types. An engine that keeps its own copy of the weights
    /// writes them back here in <see cref="CopyWeightsToModel"/>.</summary>
    public abstract Module Model { get; }

    /// <summary>The optimizer's learning rate, which a schedule may change before any batch.</summary>
    public abstract double LearningRate { get; set; }

    /// <summary>The optimizer's momentum — SGD's momentum factor, Adam's and AdamW's β1 — which a schedule (one-cycle) may
    /// change before any batch; <see langword="null"/> when the optimizer has none (SGD without momentum).</summary>
    /// <exception cref="NotSupportedException">Set on an engine or optimizer without momentum.</exception>
    public virtual double? Momentum
    {
        get => null;
        set => throw new NotSupportedException("This engine's optimizer has no momentum to set.");
    }

    /// <summary>One optimizer step on a batch (in training mode); returns the batch's mean loss before the step.</summary>
    /// <param name="features">The batch's features, [B, F]; valid only during the call.</param>
    /// <param name="labels">The batch's class indices, [B].</param>
    /// <returns>The mean loss.</returns>
    public abstract float Train(Tensor features, IntTensor labels);

    /// <summary>The mean loss and the number of correct arg-max predictions of a batch, in eval mode, without learning.</summary>
    /// <param name="features">The batch's features, [B, F]; valid only during the call.</param>
    /// <param name="labels">The batch's class indices, [B].</param>
    /// <returns>The mean loss and the count of correct predictions.</returns>
    public abstract (float Loss, int Correct) Evaluate(Tensor features, IntTensor labels);

    /// <summary>Writes the engine's current weights into <see cref="Model"/> (nothing to do when they live there).</summary>
    public virtual void CopyWeightsToModel()
    {
    }

    /// <summary>Makes the engine continue from <see cref="Model"/>'s weights (after they were restored there).</summary>
    public virtual void CopyWeightsFromModel()
    {
    }

    /// <summary>Cumulative time spent in the forward pass with the loss, the backward pass, and the optimizer step, for
    /// engines that measure them (zero otherwise).</summary>
    public virtual (TimeSpan Forward, TimeSpan Backward, TimeSpan Step) PhaseTimes => default;

    /// <summary>Releases what the engine holds (native memory, for engines that have it).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the engine holds.</summary>
    /// <param name="disposing">Whether this is <see cref="Dispose()"/> rather than a finaliser.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
