namespace Microsoft.ML.Minibatch;

/// <summary>The optimizer a <see cref="TrainingEngine"/> builds: PyTorch's <c>torch.optim.SGD</c>, <c>Adam</c> or <c>AdamW</c>
/// with these hyperparameters (the others at PyTorch's defaults).</summary>
/// <param name="Kind">SGD, Adam or AdamW.</param>
/// <param name="LearningRate">The (initial) learning rate.</param>
/// <param name="Momentum">SGD's momentum (0 for Adam and AdamW).</param>
/// <param name="WeightDecay">PyTorch's <c>weight_decay</c>: an L2 term in the gradient for SGD and Adam, the decoupled
/// decay for AdamW.</param>
public sealed record OptimizerSettings(OptimizerKind Kind, double LearningRate, double Momentum, double WeightDecay);
