using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Training;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// Where <see cref="MinibatchTrainer"/> computes its batches. <see cref="ManagedEngine"/>, this library's own tensor
/// engine, is the default; the package Microsoft.ML.Minibatch.TorchSharp brings one on libtorch. Only the batches'
/// arithmetic moves: sampling, loaders, validation, schedules, early stopping and the history stay the trainer's, and
/// after training the weights are in the trainer's network whatever engine computed them.
/// </summary>
public abstract class TrainingEngine
{
    /// <summary>A short name for logs and reports ("managed", "torchsharp").</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Creates the step that trains <paramref name="model"/> from its current weights with the optimizer
    /// <paramref name="optimizer"/> describes, minimising the cross-entropy of the network's logits.
    /// </summary>
    /// <param name="model">A <c>Linear, ReLU, …, Linear</c> network, initialised.</param>
    /// <param name="optimizer">The optimizer's kind and hyperparameters.</param>
    /// <returns>The step; the trainer disposes it.</returns>
    /// <exception cref="ArgumentException">The engine cannot honour a setting; the message names it.</exception>
    public abstract TrainingStep CreateStep(Sequential model, OptimizerSettings optimizer);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
