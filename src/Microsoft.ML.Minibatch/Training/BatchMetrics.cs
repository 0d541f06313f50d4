namespace Microsoft.ML.Minibatch.Training;

/// <summary>What one training batch produced, passed to <see cref="FitCallback.OnBatchEnd"/> without allocating.</summary>
public readonly struct BatchMetrics
{
    /// <summary>Creates the metrics of one batch.</summary>
    /// <param name="epoch">The epoch index, from 0.</param>
    /// <param name="batch">The batch index within the epoch, from 0.</param>
    /// <param name="batchCount">The number of batches in the epoch.</param>
    /// <param name="size">The number of rows in the batch.</param>
    /// <param name="loss">The batch's mean loss.</param>
    public BatchMetrics(int epoch, int batch, int batchCount, int size, double loss)
    {
        Epoch = epoch;
        Batch = batch;
        BatchCount = batchCount;
        Size = size;
        Loss = loss;
    }

    /// <summary>The epoch index, from 0.</summary>
    public int Epoch { get; }

    /// <summary>The batch index within the epoch, from 0.</summary>
    public int Batch { get; }

    /// <summary>The number of batches in the epoch.</summary>
    public int BatchCount { get; }

    /// <summary>The number of rows in the batch.</summary>
    public int Size { get; }

    /// <summary>The batch's mean loss.</summary>
    public double Loss { get; }
}
