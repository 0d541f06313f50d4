namespace Microsoft.ML.Minibatch.NN;

/// <summary>How a loss combines its per-sample values (PyTorch's <c>reduction=</c> argument).</summary>
public enum Reduction
{
    /// <summary>No reduction: one loss per sample.</summary>
    None,

    /// <summary>The mean over the batch (PyTorch's default).</summary>
    Mean,

    /// <summary>The sum over the batch.</summary>
    Sum,
}
