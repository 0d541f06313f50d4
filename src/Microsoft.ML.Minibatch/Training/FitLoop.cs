using System.Diagnostics;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Training;

/// <summary>
/// The seeds' <c>fit(epochs, model, loss_func, opt, train_dl, valid_dl)</c>: per epoch, each training batch through the
/// engine's <see cref="TrainingStep.Train"/> (forward, loss, backward, optimizer step, zero grad); then the validation
/// loader through <see cref="TrainingStep.Evaluate"/> (eval mode, no gradients), with loss and accuracy weighted by batch
/// size. The engine is this library's (<see cref="ManagedTrainingStep"/>) unless another is given.
/// </summary>
/// <remarks>
/// Cancellation is checked between batches and throws <see cref="OperationCanceledException"/>. A non-finite training
/// loss, or one more than a million times the first batch's (or 1), stops training at once with a
/// <see cref="TrainingDivergedException"/> naming the epoch and batch.
/// </remarks>
public sealed class FitLoop
{
    private readonly List<FitCallback> _callbacks = [];
    private bool _stopRequested;
    private long _gatherTicks, _batches;

    // A loss this many times the first batch's (or 1, if that was smaller) means training has blown up even while
    // float32 still holds it: with lr 1e6 on MNIST the loss jumps from 2.3 to ~1e10 in one step and, in shuffled order,
    // may stay finite for the whole run (PyTorch's too) with weights near 1e21 — a model nobody should keep.
    private const double DivergenceFactor = 1e6;
    private double _firstLoss = double.NaN;

    /// <summary>Creates the loop on this library's engine.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="lossFunction">Maps the model's output <c>[B, C]</c> and the labels <c>[B]</c> to a scalar mean loss,
    /// e.g. <c>(output, target) =&gt; Functional.CrossEntropy(output, target)</c>.</param>
    /// <param name="optimizer">The optimizer over the model's parameters.</param>
    /// <param name="train">The training loader.</param>
    /// <param name="valid">The validation loader, or null to skip validation (its metrics are then NaN).</param>
    public FitLoop(Module model, Func<Tensor, IntTensor, Tensor> lossFunction, Optimizer optimizer, DataLoader train, DataLoader? valid = null)
        : this(new ManagedTrainingStep(model, lossFunction, optimizer), train, valid)
    {
    }

    /// <summary>Creates the loop on any engine.</summary>
    /// <param name="step">The engine's training step.</param>
    /// <param name="train">The training loader.</param>
    /// <param name="valid">The validation loader, or null to skip validation (its metrics are then NaN).</param>
    public FitLoop(TrainingStep step, DataLoader train, DataLoader? valid = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(train);
        Step = step;
        Train = train;
        Valid = valid;
    }

    /// <summary>The engine's training step.</summary>
    public TrainingStep Step { get; }

    /// <summary>The model (after <see cref="Fit"/>, it holds the trained weights whatever the engine).</summary>
    public Module Model => Step.Model;

    /// <summary>The learning rate of the optimizer, which schedules change between batches.</summary>
    public double LearningRate
    {
        get => Step.LearningRate;
        set => Step.LearningRate = value;
    }

    /// <summary>The training loader.</summary>
    public DataLoader Train { get; }

    /// <summary>The validation loader, or null.</summary>
    public DataLoader? Valid { get; }

    /// <summary>The callbacks, called in list order.</summary>
    public IList<FitCallback> Callbacks => _callbacks;

    /// <summary>The metrics of every epoch completed by the last <see cref="Fit"/> call.</summary>
    public IReadOnlyList<EpochMetrics> History { get; private set; } = [];

    /// <summary>
    /// Cumulative wall-clock time of the training batches' phases since the loop was created: gathering the batch,
    /// forward (model and loss), backward, and the optimizer step with zero grad (the last three as the engine measures
    /// them); and the number of batches.
    /// </summary>
    public (TimeSpan Gather, TimeSpan Forward, TimeSpan Backward, TimeSpan Step, long Batches) PhaseTimes
    {
        get
        {
            var (forward, backward, step) = Step.PhaseTimes;
            return (Stopwatch.GetElapsedTime(0, _gatherTicks), forward, backward, step, _batches);
        }
    }

    /// <summary>Ends training after the current epoch (early stopping); <see cref="Fit"/> returns the epochs done.</summary>
    public void RequestStop() => _stopRequested = true;

    /// <summary>Trains for <paramref name="epochs"/> epochs and returns the history.</summary>
    /// <param name="epochs">The number of epochs; not negative.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>The metrics of each completed epoch.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="TrainingDivergedException">A training loss was NaN or infinite.</exception>
    public IReadOnlyList<EpochMetrics> Fit(int epochs, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        var history = new List<EpochMetrics>(epochs);
        History = history.AsReadOnly();
        _stopRequested = false;
        foreach (var callback in _callbacks) callback.OnFitBegin(this, epochs);
        try
        {
            for (int epoch = 0; epoch < epochs && !_stopRequested; epoch++)
            {
                foreach (var callback in _callbacks) callback.OnEpochBegin(this, epoch);
                long start = Stopwatch.GetTimestamp();
                double trainLoss = TrainEpoch(epoch, cancellationToken);
                double trainSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                var (validLoss, validAccuracy) = Valid is null ? (double.NaN, double.NaN) : Evaluate(Valid, cancellationToken);
                // Callbacks see the epoch's weights in Model, whatever engine holds them.
                Step.CopyWeightsToModel();
                var metrics = new EpochMetrics(epoch, trainLoss, validLoss, validAccuracy,
                    Stopwatch.GetElapsedTime(start).TotalSeconds, trainSeconds, LearningRate);
                history.Add(metrics);
                foreach (var callback in _callbacks) callback.OnEpochEnd(this, metrics);
            }
        }
        finally
        {
            Step.CopyWeightsToModel();
            foreach (var callback in _callbacks) callback.OnFitEnd(this, History);
        }
        return History;
    }

    /// <summary>
    /// The model's loss and accuracy over <paramref name="loader"/> in eval mode without gradients: sums of per-batch
    /// means times batch sizes, divided by the row count (batches scoring 5/10, 5/10 and 2/5 give 12/25, not 14/30).
    /// The model is left in eval mode.
    /// </summary>
    /// <param name="loader">The rows to score.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>The loss and accuracy per row (NaN for an empty loader).</returns>
    public (double Loss, double Accuracy) Evaluate(DataLoader loader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loader);
        Model.Eval();
        double lossSum = 0;
        long correct = 0, rows = 0;
        foreach (var batch in loader)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (loss, right) = Step.Evaluate(batch.Features, batch.Labels);
            int size = batch.Count;
            lossSum += (double)loss * size;
            correct += right;
            rows += size;
        }
        return rows == 0 ? (double.NaN, double.NaN) : (lossSum / rows, (double)correct / rows);
    }

    private double TrainEpoch(int epoch, CancellationToken cancellationToken)
    {
        Model.Train();
        int batchCount = Train.Count;
        double lossSum = 0;
        long rows = 0;
        int index = 0;
        using var batches = Train.GetEnumerator();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            if (!batches.MoveNext()) break;
            var batch = batches.Current;
            _gatherTicks += Stopwatch.GetTimestamp() - t0;
            foreach (var callback in _callbacks) callback.OnBatchBegin(this, epoch, index);
            float loss = Step.Train(batch.Features, batch.Labels);
            if (double.IsNaN(_firstLoss)) _firstLoss = Math.Max(1.0, loss);
            if (!float.IsFinite(loss) || loss > DivergenceFactor * _firstLoss)
                throw new TrainingDivergedException(epoch, index, loss, LearningRate);
            _batches++;
            int size = batch.Count;
            lossSum += (double)loss * size;
            rows += size;
            if (_callbacks.Count > 0)
            {
                var metrics = new BatchMetrics(epoch, index, batchCount, size, loss);
                foreach (var callback in _callbacks) callback.OnBatchEnd(this, metrics);
            }
            index++;
        }
        return rows == 0 ? double.NaN : lossSum / rows;
    }
}
