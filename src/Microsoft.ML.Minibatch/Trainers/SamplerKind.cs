namespace Microsoft.ML.Minibatch;

/// <summary>How <see cref="MinibatchTrainer"/> orders the training rows in each epoch.</summary>
public enum SamplerKind
{
    /// <summary>A new random permutation of the rows every epoch, drawn from the trainer's seeded generator
    /// (PyTorch's <c>RandomSampler</c> / <c>torch.randperm</c>).</summary>
    Random = 0,

    /// <summary>The rows in their input order every epoch (PyTorch's <c>SequentialSampler</c>).</summary>
    Sequential = 1,
}
