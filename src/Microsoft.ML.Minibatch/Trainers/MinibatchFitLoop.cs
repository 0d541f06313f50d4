using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Training;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// Connects the trainer's datasets to the training room: a <see cref="RandomSampler"/> (drawing from the trainer's
/// seeded generator) or <see cref="SequentialSampler"/> for training, a sequential loader for validation, and the
/// <see cref="FitLoop"/> on the engine's step, with callbacks for the schedule, the per-epoch report, early stopping
/// (which keeps the weights of the epoch with the lowest validation loss) and the caller's own.
/// </summary>
internal static class MinibatchFitLoop
{
    /// <summary>How to train; ShufflePool, with the random sampler, is the pool of a <see cref="ShufflePoolSampler"/>
    /// (streamed rows), or null for a <see cref="RandomSampler"/>.</summary>
    public sealed record Settings(int BatchSize, int ValidationBatchSize, int Epochs, SamplerKind Sampler, int? ShufflePool, bool DropLast,
        int Patience, Generator Generator, LearningRateSchedule Schedule, OneCyclePolicy OneCycle, Action<EpochMetrics>? EpochCompleted,
        IReadOnlyList<FitCallback> Callbacks, CancellationToken Cancellation);

    public static IReadOnlyList<EpochMetrics> Run(TrainingStep step, Dataset trainSet, Dataset? valid, Settings s)
    {
        var sampler = TrainingSampler(s.Sampler, s.ShufflePool, trainSet, s.Generator);
        // Fewer rows than one batch still train, on one short batch.
        bool dropLast = s.DropLast && trainSet.Count >= s.BatchSize;
        // Both loaders draw from the trainer's generator, as PyTorch's DataLoader iterators draw their base seed from the
        // global generator every epoch: with seed s the run is that of torch.manual_seed(s) and the seeds' get_dls
        // (and of `minibatch train --seed s`), not merely similar to it.
        var trainLoader = new DataLoader(trainSet, s.BatchSize, sampler: sampler, dropLast: dropLast, generator: s.Generator);
        DataLoader? validLoader = valid is { Count: > 0 }
            ? new DataLoader(valid, s.ValidationBatchSize, sampler: new SequentialSampler(valid.Count), generator: s.Generator)
            : null;
        var loop = new FitLoop(step, trainLoader, validLoader);
        var stopper = new EarlyStopping(s.Patience);
        if (s.Schedule != LearningRateSchedule.Constant) loop.Callbacks.Add(new LearningRateScheduler(s.Schedule, s.OneCycle));
        loop.Callbacks.Add(new Report(s.EpochCompleted));
        if (s.Patience > 0 && validLoader != null) loop.Callbacks.Add(stopper);
        foreach (var callback in s.Callbacks) loop.Callbacks.Add(callback);
        var history = loop.Fit(s.Epochs, s.Cancellation);
        stopper.RestoreBest(step.Model);
        step.Model.Eval();
        return history;
    }

    /// <summary>The order of the training rows: sequential, or random — a permutation, or a shuffle pool's order for rows
    /// that are streamed.</summary>
    public static Sampler TrainingSampler(SamplerKind kind, int? shufflePool, Dataset train, Generator generator) =>
        kind == SamplerKind.Sequential ? new SequentialSampler(train)
        : shufflePool is int pool ? new ShufflePoolSampler(train.Count, pool, generator)
        : new RandomSampler(train, generator: generator);

    private sealed class Report(Action<EpochMetrics>? onEpoch) : FitCallback
    {
        public override void OnEpochEnd(FitLoop loop, EpochMetrics metrics) => onEpoch?.Invoke(metrics);
    }

    /// <summary>Stops when the validation loss has not improved for <c>patience</c> epochs; remembers the best weights.</summary>
    private sealed class EarlyStopping(int patience) : FitCallback
    {
        private double _best = double.PositiveInfinity;
        private int _since;
        private List<float[]>? _bestWeights;

        public override void OnEpochEnd(FitLoop loop, EpochMetrics metrics)
        {
            if (metrics.ValidLoss < _best)
            {
                _best = metrics.ValidLoss;
                _since = 0;
                _bestWeights = loop.Model.Parameters().Select(p => p.AsSpan().ToArray()).ToList();
            }
            else if (++_since >= patience)
            {
                loop.RequestStop();
            }
        }

        public void RestoreBest(Module model)
        {
            if (_bestWeights == null) return;
            int i = 0;
            foreach (var p in model.Parameters()) _bestWeights[i++].CopyTo(p.AsSpan());
        }
    }
}
