namespace Microsoft.ML.Minibatch;

/// <summary>What one epoch of training measured: the mean training loss and accuracy over the epoch's batches and,
/// when a validation set is given, the validation loss and accuracy (batch means weighted by batch size).</summary>
public sealed class EpochMetrics
{
    /// <summary>The epoch number, from 1.</summary>
    public int Epoch { get; init; }

    /// <summary>The mean cross-entropy of the training batches, weighted by batch size.</summary>
    public double TrainLoss { get; init; }

    /// <summary>The fraction of training rows classified correctly while training, weighted by batch size.</summary>
    public double TrainAccuracy { get; init; }

    /// <summary>The validation cross-entropy, or <see langword="null"/> without a validation set.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>The validation accuracy, or <see langword="null"/> without a validation set.</summary>
    public double? ValidationAccuracy { get; init; }

    /// <summary>The wall-clock time the epoch took, validation included.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        string text = string.Format(c, "epoch {0}: train loss {1:F6} accuracy {2:F4}", Epoch, TrainLoss, TrainAccuracy);
        if (ValidationLoss is { } vl)
            text += string.Format(c, ", valid loss {0:F6} accuracy {1:F4}", vl, ValidationAccuracy);
        return text + string.Format(c, " ({0:F2} s)", Elapsed.TotalSeconds);
    }
}
