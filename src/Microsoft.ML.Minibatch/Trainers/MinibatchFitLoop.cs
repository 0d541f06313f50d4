using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The epoch loop of the lesson's <c>fit</c>: per epoch, the training rows in sampler order in batches (gathered by
/// index into one [B, D] tensor), cross-entropy, backward, step, zero-grad; then validation in eval mode without
/// gradients, with metrics weighted by batch size. Stops on divergence (NaN/∞ loss), on cancellation (checked every
/// batch) and, with a patience, when validation loss stops improving, restoring the best weights.
/// </summary>
internal static class MinibatchFitLoop
{
    public sealed record Settings(int BatchSize, int ValidationBatchSize, int Epochs, SamplerKind Sampler, bool DropLast,
        int Patience, double LearningRate, Generator Generator, Action<EpochMetrics>? EpochCompleted, CancellationToken Cancellation);

    public static List<EpochMetrics> Run(Sequential model, Optimizer optimizer, MaterializedData train, MaterializedData? valid, Settings s)
    {
        var history = new List<EpochMetrics>();
        int n = train.Rows;
        int d = train.Dimension;
        var order = new int[n];
        double bestLoss = double.PositiveInfinity;
        List<float[]>? best = null;
        int sinceBest = 0;
        for (int epoch = 1; epoch <= s.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            if (s.Sampler == SamplerKind.Random) s.Generator.Permutation(order);
            else for (int i = 0; i < n; i++) order[i] = i;

            model.Train();
            double lossSum = 0, correctSum = 0;
            long seen = 0;
            int batchCount = s.DropLast && n >= s.BatchSize ? n / s.BatchSize : (n + s.BatchSize - 1) / s.BatchSize;
            for (int b = 0; b < batchCount; b++)
            {
                s.Cancellation.ThrowIfCancellationRequested();
                int start = b * s.BatchSize;
                int rows = Math.Min(s.BatchSize, n - start);
                var (xb, yb) = Gather(train, order.AsSpan(start, rows));
                var output = model.Forward(xb);
                var loss = Functional.CrossEntropy(output, yb);
                float lossValue = loss.Item();
                if (!float.IsFinite(lossValue))
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"Training diverged at epoch {epoch}, batch {b + 1}: the loss is {lossValue}. Try a smaller learning rate (now {s.LearningRate})."));
                loss.Backward();
                optimizer.Step();
                optimizer.ZeroGrad();
                lossSum += (double)lossValue * rows;
                correctSum += (double)Functional.Accuracy(output.Detach(), yb) * rows;
                seen += rows;
            }
            if (!MinibatchNetwork.AllFinite(model))
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"Training diverged in epoch {epoch}: the weights are no longer finite. Try a smaller learning rate (now {s.LearningRate})."));

            double? validLoss = null, validAccuracy = null;
            if (valid is { Rows: > 0 })
            {
                (validLoss, validAccuracy) = Evaluate(model, valid, s.ValidationBatchSize, s.Cancellation);
                model.Train();
            }
            var metrics = new EpochMetrics
            {
                Epoch = epoch,
                TrainLoss = seen == 0 ? double.NaN : lossSum / seen,
                TrainAccuracy = seen == 0 ? double.NaN : correctSum / seen,
                ValidationLoss = validLoss,
                ValidationAccuracy = validAccuracy,
                Elapsed = clock.Elapsed,
            };
            history.Add(metrics);
            s.EpochCompleted?.Invoke(metrics);

            if (s.Patience > 0 && validLoss is { } vl)
            {
                if (vl < bestLoss)
                {
                    bestLoss = vl;
                    best = model.Parameters().Select(p => p.AsSpan().ToArray()).ToList();
                    sinceBest = 0;
                }
                else if (++sinceBest >= s.Patience)
                {
                    break;
                }
            }
        }
        if (best != null)
        {
            int i = 0;
            foreach (var p in model.Parameters()) best[i++].CopyTo(p.AsSpan());
        }
        model.Eval();
        return history;
    }

    /// <summary>Mean loss and accuracy over <paramref name="data"/> in sequential batches, weighted by batch size.</summary>
    public static (double Loss, double Accuracy) Evaluate(Sequential model, MaterializedData data, int batchSize, CancellationToken cancellation)
    {
        model.Eval();
        double lossSum = 0, correctSum = 0;
        using (Autograd.NoGrad())
        {
            var all = new int[data.Rows];
            for (int i = 0; i < all.Length; i++) all[i] = i;
            for (int start = 0; start < data.Rows; start += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                int rows = Math.Min(batchSize, data.Rows - start);
                var (xb, yb) = Gather(data, all.AsSpan(start, rows));
                var output = model.Forward(xb);
                lossSum += (double)Functional.CrossEntropy(output, yb).Item() * rows;
                correctSum += (double)Functional.Accuracy(output, yb) * rows;
            }
        }
        return (lossSum / data.Rows, correctSum / data.Rows);
    }

    private static (Tensor X, IntTensor Y) Gather(MaterializedData data, ReadOnlySpan<int> indices)
    {
        int d = data.Dimension;
        var x = new float[indices.Length * d];
        var y = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int r = indices[i];
            data.Features.AsSpan(r * d, d).CopyTo(x.AsSpan(i * d, d));
            y[i] = data.Labels[r];
        }
        return (Tensor.Wrap(x, indices.Length, d), new IntTensor(y));
    }
}
