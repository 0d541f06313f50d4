namespace Microsoft.ML.Minibatch;

/// <summary>The optimizer a <see cref="TrainingEngine"/> builds: PyTorch's <c>torch.optim.SGD</c> or <c>Adam</c>
/// with these hyperparameters (the others at PyTorch's defaults).</summary>
/// <param name="Kind">SGD or Adam.</param>
/// <param name="LearningRate">The (initial) learning rate.</param>
/// <param name="Momentum">SGD's momentum (0 for Adam).</param>
/// <param name="WeightDecay">L2 weight decay, as PyTorch's <c>weight_decay</c>.</param>
public sealed record OptimizerSettings(OptimizerKind Kind, double LearningRate, double Momentum, double WeightDecay);
