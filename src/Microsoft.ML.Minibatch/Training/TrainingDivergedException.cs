namespace Microsoft.ML.Minibatch.Training;

/// <summary>Thrown when a training loss becomes NaN or infinite, or explodes (more than a million times the first batch's):
/// the parameters are no longer usable.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for the batch whose loss diverged.</summary>
    /// <param name="epoch">The epoch index, from 0.</param>
    /// <param name="batch">The batch index within the epoch, from 0.</param>
    /// <param name="loss">The loss value.</param>
    /// <param name="learningRate">The learning rate in use.</param>
    public TrainingDivergedException(int epoch, int batch, double loss, double learningRate)
        : base($"Training diverged: the loss of epoch {epoch}, batch {batch} is {loss} with learning rate {learningRate}; "
            + "try a smaller learning rate.")
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
    }

    /// <summary>The epoch index, from 0.</summary>
    public int Epoch { get; }

    /// <summary>The batch index within the epoch, from 0.</summary>
    public int Batch { get; }

    /// <summary>The loss that stopped training (NaN, infinite or exploded).</summary>
    public double Loss { get; }
}
