using System.Globalization;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// What one epoch of training produced: the training loss (mean over the epoch's rows), the validation loss and accuracy
/// (means over the validation rows, so a short last batch weighs by its size), the time taken and the learning rate.
/// </summary>
public sealed class EpochMetrics
{
    /// <summary>Creates the metrics of one epoch.</summary>
    /// <param name="epoch">The epoch index, from 0 as the seeds print it.</param>
    /// <param name="trainLoss">The batch losses averaged with the batch sizes as weights.</param>
    /// <param name="validLoss">The validation loss per row, or NaN without validation.</param>
    /// <param name="validAccuracy">The fraction of validation rows classified correctly, or NaN without validation.</param>
    /// <param name="seconds">Wall-clock seconds of the whole epoch (training and validation).</param>
    /// <param name="trainSeconds">Wall-clock seconds of the training pass alone.</param>
    /// <param name="learningRate">The optimizer's learning rate at the end of the epoch.</param>
    public EpochMetrics(int epoch, double trainLoss, double validLoss, double validAccuracy, double seconds, double trainSeconds, double learningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Epoch = epoch;
        TrainLoss = trainLoss;
        ValidLoss = validLoss;
        ValidAccuracy = validAccuracy;
        Seconds = seconds;
        TrainSeconds = trainSeconds;
        LearningRate = learningRate;
    }

    /// <summary>The epoch index, from 0.</summary>
    public int Epoch { get; }

    /// <summary>The training loss: the batch losses averaged with the batch sizes as weights.</summary>
    public double TrainLoss { get; }

    /// <summary>The validation loss per row (NaN when there was no validation set).</summary>
    public double ValidLoss { get; }

    /// <summary>The validation accuracy in [0, 1] (NaN when there was no validation set).</summary>
    public double ValidAccuracy { get; }

    /// <summary>Wall-clock seconds of the whole epoch, training and validation.</summary>
    public double Seconds { get; }

    /// <summary>Wall-clock seconds of the training pass alone (what the PyTorch reference script times).</summary>
    public double TrainSeconds { get; }

    /// <summary>The learning rate at the end of the epoch.</summary>
    public double LearningRate { get; }

    /// <summary>One line as the seeds print it: epoch, train loss, valid loss, valid accuracy, seconds.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Epoch} train_loss={TrainLoss:F4} valid_loss={ValidLoss:F4} valid_accuracy={ValidAccuracy:F4} seconds={Seconds:F3}");
}
