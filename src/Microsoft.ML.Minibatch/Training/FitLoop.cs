using System.Diagnostics;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Training;

/// <summary>
/// The seeds' <c>fit(epochs, model, loss_func, opt, train_dl, valid_dl)</c>: per epoch, <see cref="Module.Train"/> mode and
/// for each training batch forward, loss, backward, optimizer step and zero grad; then <see cref="Module.Eval"/> mode under
/// <see cref="Autograd.NoGrad"/> over the validation loader, with loss and accuracy weighted by batch size.
/// </summary>
/// <remarks>
/// <para>Intermediate tensors of each batch come from a <see cref="TensorArena"/> that is reset at the next batch, so the
/// steady-state loop does not allocate them again; the loss function and model must not keep tensors across batches.</para>
/// <para>Cancellation is checked between batches and throws <see cref="OperationCanceledException"/>. A non-finite training
/// loss, or one more than a million times the first batch's (or 1), stops training at once with a
/// <see cref="TrainingDivergedException"/> naming the epoch and batch.</para>
/// </remarks>
public sealed class FitLoop
{
    private readonly TensorArena _arena = new();
    private readonly List<FitCallback> _callbacks = [];
    private bool _stopRequested;
    private long _gatherTicks, _forwardTicks, _backwardTicks, _stepTicks, _batches;

    // A loss this many times the first batch's (or 1, if that was smaller) means training has blown up even while
    // float32 still holds it: with lr 1e6 on MNIST the loss jumps from 2.3 to ~1e10 in one step and, in shuffled order,
    // may stay finite for the whole run (PyTorch's too) with weights near 1e21 — a model nobody should keep.
    private const double DivergenceFactor = 1e6;
    private double _firstLoss = double.NaN;

    /// <summary>Creates the loop.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="lossFunction">Maps the model's output <c>[B, C]</c> and the labels <c>[B]</c> to a scalar mean loss,
    /// e.g. <c>(output, target) =&gt; Functional.CrossEntropy(output, target)</c>.</param>
    /// <param name="optimizer">The optimizer over the model's parameters.</param>
    /// <param name="train">The training loader.</param>
    /// <param name="valid">The validation loader, or null to skip validation (its metrics are then NaN).</param>
    public FitLoop(Module model, Func<Tensor, IntTensor, Tensor> lossFunction, Optimizer optimizer, DataLoader train, DataLoader? valid = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(lossFunction);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        Model = model;
        LossFunction = lossFunction;
        Optimizer = optimizer;
        Train = train;
        Valid = valid;
    }

    /// <summary>The model.</summary>
    public Module Model { get; }

    /// <summary>The loss function.</summary>
    public Func<Tensor, IntTensor, Tensor> LossFunction { get; }

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }

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
    /// forward (model and loss), backward, and the optimizer step with zero grad; and the number of batches.
    /// </summary>
    public (TimeSpan Gather, TimeSpan Forward, TimeSpan Backward, TimeSpan Step, long Batches) PhaseTimes => (
        Stopwatch.GetElapsedTime(0, _gatherTicks), Stopwatch.GetElapsedTime(0, _forwardTicks),
        Stopwatch.GetElapsedTime(0, _backwardTicks), Stopwatch.GetElapsedTime(0, _stepTicks), _batches);

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
                var metrics = new EpochMetrics(epoch, trainLoss, validLoss, validAccuracy,
                    Stopwatch.GetElapsedTime(start).TotalSeconds, trainSeconds, Optimizer.LearningRate);
                history.Add(metrics);
                foreach (var callback in _callbacks) callback.OnEpochEnd(this, metrics);
            }
        }
        finally
        {
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
        using (Autograd.NoGrad())
        {
            foreach (var batch in loader)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _arena.Reset();
                using (_arena.Activate())
                {
                    var output = Model.Forward(batch.Features);
                    float loss = LossFunction(output, batch.Labels).Item();
                    int size = batch.Count;
                    lossSum += (double)loss * size;
                    // Accuracy is correct / size in float32; rounding recovers the exact count.
                    correct += (long)Math.Round((double)Functional.Accuracy(output, batch.Labels) * size);
                    rows += size;
                }
            }
            _arena.Reset();
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
            long t1 = Stopwatch.GetTimestamp();
            foreach (var callback in _callbacks) callback.OnBatchBegin(this, epoch, index);
            // The previous batch's activations and graph are dead once its step is done: hand their storage out again.
            _arena.Reset();
            float loss;
            long t2;
            using (_arena.Activate())
            {
                var lossTensor = LossFunction(Model.Forward(batch.Features), batch.Labels);
                loss = lossTensor.Item();
                if (double.IsNaN(_firstLoss)) _firstLoss = Math.Max(1.0, loss);
                if (!float.IsFinite(loss) || loss > DivergenceFactor * _firstLoss)
                {
                    throw new TrainingDivergedException(epoch, index, loss, Optimizer.LearningRate);
                }
                t2 = Stopwatch.GetTimestamp();
                lossTensor.Backward();
            }
            long t3 = Stopwatch.GetTimestamp();
            Optimizer.Step();
            Optimizer.ZeroGrad();
            long t4 = Stopwatch.GetTimestamp();
            _gatherTicks += t1 - t0;
            _forwardTicks += t2 - t1;
            _backwardTicks += t3 - t2;
            _stepTicks += t4 - t3;
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
        _arena.Reset();
        return rows == 0 ? double.NaN : lossSum / rows;
    }
}
