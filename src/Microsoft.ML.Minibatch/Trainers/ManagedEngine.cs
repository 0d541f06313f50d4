using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Training;

namespace Microsoft.ML.Minibatch;

/// <summary>This library's own engine: the managed tensor engine with its SIMD matrix multiply, autograd and
/// optimizers, bit for bit PyTorch's where PyTorch's CPU kernels allow. The default.</summary>
public sealed class ManagedEngine : TrainingEngine
{
    /// <summary>The engine (it holds no state).</summary>
    public static ManagedEngine Instance { get; } = new();

    private ManagedEngine()
    {
    }

    /// <inheritdoc/>
    public override string Name => "managed";

    /// <inheritdoc/>
    public override TrainingStep CreateStep(Sequential model, OptimizerSettings optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer rule = optimizer.Kind switch
        {
            OptimizerKind.Adam => new Adam(model.Parameters(), optimizer.LearningRate, weightDecay: optimizer.WeightDecay),
            OptimizerKind.AdamW => new AdamW(model.Parameters(), optimizer.LearningRate, weightDecay: optimizer.WeightDecay),
            _ => new Sgd(model.Parameters(), optimizer.LearningRate, momentum: optimizer.Momentum, weightDecay: optimizer.WeightDecay),
        };
        return new ManagedTrainingStep(model, static (output, target) => Functional.CrossEntropy(output, target), rule);
    }
}
