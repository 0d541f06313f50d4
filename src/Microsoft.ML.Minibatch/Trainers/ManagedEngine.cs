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
        return new ManagedTrainingStep(model, static (output, target) => Functional.CrossEntropy(output, target),
            CreateOptimizer(model.Parameters(), optimizer));
    }

    /// <summary>The optimizer <paramref name="settings"/> name, over <paramref name="parameters"/>.</summary>
    internal static Optimizer CreateOptimizer(IEnumerable<Parameter> parameters, OptimizerSettings settings) => settings.Kind switch
    {
        OptimizerKind.Adam => new Adam(parameters, settings.LearningRate, weightDecay: settings.WeightDecay),
        OptimizerKind.AdamW => new AdamW(parameters, settings.LearningRate, weightDecay: settings.WeightDecay),
        _ => new Sgd(parameters, settings.LearningRate, momentum: settings.Momentum, weightDecay: settings.WeightDecay),
    };
}
