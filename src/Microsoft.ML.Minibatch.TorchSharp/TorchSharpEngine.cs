using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Training;

namespace Microsoft.ML.Minibatch.TorchSharp;

/// <summary>
/// Trains <see cref="MinibatchTrainer"/>'s network on libtorch through TorchSharp: a <c>torch.nn.Sequential</c> of
/// <c>Linear</c>, <c>ReLU</c> (and <c>Dropout</c>) with PyTorch's keys, <c>torch.optim.SGD</c>, <c>Adam</c> or <c>AdamW</c>, and
/// <c>cross_entropy</c>, starting from the trainer's initial weights (which equal <c>torch.manual_seed(s)</c>'s) and
/// fed the trainer's own batches. Set <c>Options.Engine = new TorchSharpEngine()</c>.
/// </summary>
public sealed class TorchSharpEngine : TrainingEngine
{
    /// <summary>Creates the engine.</summary>
    /// <param name="threads">libtorch's intra-op threads (<c>torch.set_num_threads</c>, process-wide), or
    /// <see langword="null"/> to leave libtorch's setting alone.</param>
    public TorchSharpEngine(int? threads = null)
    {
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be at least 1.");
        Threads = threads;
    }

    /// <summary>libtorch's intra-op threads, or <see langword="null"/> for libtorch's default.</summary>
    public int? Threads { get; }

    /// <inheritdoc/>
    public override string Name => "torchsharp";

    /// <inheritdoc/>
    public override TrainingStep CreateStep(Sequential model, OptimizerSettings optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        TorchSharpLoader.EnsureLoaded();
        if (Threads is int threads) global::TorchSharp.torch.set_num_threads(threads);
        return new TorchSharpTrainingStep(model, optimizer);
    }
}
