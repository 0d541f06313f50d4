using System.Diagnostics;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Training;

/// <summary>
/// This library's engine: the model's forward pass, the loss function, autograd's backward pass and the optimizer, on
/// the managed tensor engine. Each batch's intermediate tensors come from a <see cref="TensorArena"/> that is reset at
/// the next batch, so the steady-state loop does not allocate them again; the loss function and model must not keep
/// tensors across batches.
/// </summary>
public sealed class ManagedTrainingStep : TrainingStep
{
    private readonly TensorArena _arena = new();
    private readonly Module _model;
    private long _forwardTicks, _backwardTicks, _stepTicks;

    /// <summary>Creates the step.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="lossFunction">Maps the model's output <c>[B, C]</c> and the labels <c>[B]</c> to a scalar mean loss,
    /// e.g. <c>(output, target) =&gt; Functional.CrossEntropy(output, target)</c>.</param>
    /// <param name="optimizer">The optimizer over the model's parameters.</param>
    public ManagedTrainingStep(Module model, Func<Tensor, IntTensor, Tensor> lossFunction, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(lossFunction);
        ArgumentNullException.ThrowIfNull(optimizer);
        _model = model;
        LossFunction = lossFunction;
        Optimizer = optimizer;
    }

    /// <inheritdoc/>
    public override Module Model => _model;

    /// <summary>The loss function.</summary>
    public Func<Tensor, IntTensor, Tensor> LossFunction { get; }

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }

    /// <inheritdoc/>
    public override double LearningRate
    {
        get => Optimizer.LearningRate;
        set => Optimizer.LearningRate = value;
    }

    /// <inheritdoc/>
    public override double? Momentum
    {
        get => Optimizer switch
        {
            Sgd { Momentum: not 0 } sgd => sgd.Momentum,
            AdamOptimizer adam => adam.Beta1,
            _ => null,
        };
        set
        {
            double momentum = value ?? throw new ArgumentNullException(nameof(value));
            switch (Optimizer)
            {
                case Sgd { Momentum: not 0 } sgd: sgd.Momentum = momentum; break;
                case AdamOptimizer adam: adam.Beta1 = momentum; break;
                default: base.Momentum = value; break;
            }
        }
    }

    /// <inheritdoc/>
    public override float Train(Tensor features, IntTensor labels)
    {
        // Setting the mode walks every submodule (and allocates an iterator): only on a change, not every batch.
        if (!_model.IsTraining) _model.Train();
        // The previous batch's activations and graph are dead once its step is done: hand their storage out again.
        _arena.Reset();
        long t0 = Stopwatch.GetTimestamp();
        float loss;
        long t1;
        using (_arena.Activate())
        {
            var lossTensor = LossFunction(_model.Forward(features), labels);
            loss = lossTensor.Item();
            t1 = Stopwatch.GetTimestamp();
            // A diverged loss is the fit loop's to report; stepping on it would only spoil the weights further.
            if (!float.IsFinite(loss)) return loss;
            lossTensor.Backward();
        }
        long t2 = Stopwatch.GetTimestamp();
        Optimizer.Step();
        Optimizer.ZeroGrad();
        long t3 = Stopwatch.GetTimestamp();
        _forwardTicks += t1 - t0;
        _backwardTicks += t2 - t1;
        _stepTicks += t3 - t2;
        return loss;
    }

    /// <inheritdoc/>
    public override (float Loss, int Correct) Evaluate(Tensor features, IntTensor labels)
    {
        if (_model.IsTraining) _model.Eval();
        _arena.Reset();
        using (Autograd.NoGrad())
        using (_arena.Activate())
        {
            var output = _model.Forward(features);
            float loss = LossFunction(output, labels).Item();
            // Accuracy is correct / size in float32; rounding recovers the exact count.
            int correct = (int)Math.Round((double)Functional.Accuracy(output, labels) * labels.ElementCount);
            return (loss, correct);
        }
    }

    /// <inheritdoc/>
    public override (TimeSpan Forward, TimeSpan Backward, TimeSpan Step) PhaseTimes => (
        Stopwatch.GetElapsedTime(0, _forwardTicks), Stopwatch.GetElapsedTime(0, _backwardTicks), Stopwatch.GetElapsedTime(0, _stepTicks));
}
