using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Training;
using F = Microsoft.ML.Minibatch.NN.Functional;

namespace Microsoft.ML.Minibatch.Tests.TrainingTests;

[TestClass]
public sealed class FitLoopTests
{
    private static readonly Func<Tensor, IntTensor, Tensor> s_crossEntropy = (o, t) => F.CrossEntropy(o, t);

    /// <summary>
    /// 25 one-hot rows scored by an identity Linear(2, 2): a row is classified correctly when its hot feature is its label.
    /// In batches of 10, 10 and 5 the correct counts are 5, 5 and 2 — the seeds' example.
    /// </summary>
    private static (TensorDataset Data, Linear Model) SeedsWeightingExample()
    {
        var x = new float[25 * 2];
        var y = new int[25];
        bool[] correct = new bool[25];
        for (int i = 0; i < 5; i++) correct[i] = true;        // batch 0: 5 of 10
        for (int i = 10; i < 15; i++) correct[i] = true;      // batch 1: 5 of 10
        for (int i = 20; i < 22; i++) correct[i] = true;      // batch 2: 2 of 5
        for (int i = 0; i < 25; i++)
        {
            y[i] = i % 2;
            int hot = correct[i] ? y[i] : 1 - y[i];
            x[i * 2 + hot] = 1;
        }
        var model = new Linear(2, 2, generator: new Generator(0));
        model.Weight.AsSpan().Clear();
        model.Weight.AsSpan()[0] = 1;
        model.Weight.AsSpan()[3] = 1;
        model.Bias!.AsSpan().Clear();
        return (new TensorDataset(Tensor.FromArray(x, 25, 2), new IntTensor(y)), model);
    }

    // Logits [1, 0] against the right class: log(1 + e^-1); against the wrong one: log(1 + e).
    private static readonly double s_rightLoss = Math.Log(1 + Math.Exp(-1));
    private static readonly double s_wrongLoss = Math.Log(1 + Math.E);

    [TestMethod]
    public void ValidationMetrics_AreWeightedByBatchSize_TwelveOfTwentyFive()
    {
        var (data, model) = SeedsWeightingExample();
        var loader = new DataLoader(data, batchSize: 10);
        var loop = new FitLoop(model, s_crossEntropy, new Sgd(model.Parameters(), 0.0), loader, loader);
        var history = loop.Fit(1);
        Assert.AreEqual(12.0 / 25, history[0].ValidAccuracy, 1e-12);
        Assert.AreNotEqual(14.0 / 30, history[0].ValidAccuracy, 1e-3);
        double expectedLoss = (12 * s_rightLoss + 13 * s_wrongLoss) / 25;
        Assert.AreEqual(expectedLoss, history[0].ValidLoss, 1e-6);
        // lr 0 leaves the model as it was, so the training loss is the same weighted mean.
        Assert.AreEqual(expectedLoss, history[0].TrainLoss, 1e-6);
        Assert.AreEqual(0.0, history[0].LearningRate);
        var (loss, accuracy) = loop.Evaluate(loader);
        Assert.AreEqual(12.0 / 25, accuracy, 1e-12);
        Assert.AreEqual(expectedLoss, loss, 1e-6);
    }

    private sealed class Recorder : FitCallback
    {
        public List<string> Events { get; } = [];

        public override void OnFitBegin(FitLoop loop, int epochs) => Events.Add($"fit-begin {epochs}");

        public override void OnEpochBegin(FitLoop loop, int epoch) => Events.Add($"epoch-begin {epoch}");

        public override void OnBatchBegin(FitLoop loop, int epoch, int batch) => Events.Add($"batch-begin {epoch}.{batch}");

        public override void OnBatchEnd(FitLoop loop, in BatchMetrics m) => Events.Add($"batch {m.Epoch}.{m.Batch}/{m.BatchCount} size {m.Size}");

        public override void OnEpochEnd(FitLoop loop, EpochMetrics m) => Events.Add($"epoch-end {m.Epoch}");

        public override void OnFitEnd(FitLoop loop, IReadOnlyList<EpochMetrics> history) => Events.Add($"fit-end {history.Count}");
    }

    [TestMethod]
    public void Callbacks_FireInOrder_WithTheRightCounts()
    {
        var (data, model) = SeedsWeightingExample();
        var loop = new FitLoop(model, s_crossEntropy, new Sgd(model.Parameters(), 0.1), new DataLoader(data, 10), new DataLoader(data, 20));
        var recorder = new Recorder();
        loop.Callbacks.Add(recorder);
        var history = loop.Fit(2);
        Assert.AreEqual(2, history.Count);
        CollectionAssert.AreEqual(new[]
        {
            "fit-begin 2",
            "epoch-begin 0",
            "batch-begin 0.0", "batch 0.0/3 size 10", "batch-begin 0.1", "batch 0.1/3 size 10", "batch-begin 0.2", "batch 0.2/3 size 5",
            "epoch-end 0",
            "epoch-begin 1",
            "batch-begin 1.0", "batch 1.0/3 size 10", "batch-begin 1.1", "batch 1.1/3 size 10", "batch-begin 1.2", "batch 1.2/3 size 5",
            "epoch-end 1",
            "fit-end 2",
        }, recorder.Events);
        Assert.AreEqual(0, history[0].Epoch);
        Assert.AreEqual(1, history[1].Epoch);
        Assert.IsTrue(history.All(e => e.Seconds >= e.TrainSeconds && e.TrainSeconds > 0));
    }

    private sealed class CancelAt(CancellationTokenSource source, int batch) : FitCallback
    {
        public int Batches { get; private set; }

        public int FitEndHistory { get; private set; } = -1;

        public override void OnBatchEnd(FitLoop loop, in BatchMetrics m)
        {
            Batches++;
            if (m.Batch == batch) source.Cancel();
        }

        public override void OnFitEnd(FitLoop loop, IReadOnlyList<EpochMetrics> history) => FitEndHistory = history.Count;
    }

    [TestMethod]
    public void Cancellation_StopsBeforeTheNextBatch()
    {
        var (data, model) = SeedsWeightingExample();
        var loop = new FitLoop(model, s_crossEntropy, new Sgd(model.Parameters(), 0.1), new DataLoader(data, 5), new DataLoader(data, 5));
        using var source = new CancellationTokenSource();
        var canceller = new CancelAt(source, 1);
        loop.Callbacks.Add(canceller);
        Assert.ThrowsExactly<OperationCanceledException>(() => loop.Fit(3, source.Token));
        Assert.AreEqual(2, canceller.Batches);
        Assert.AreEqual(0, canceller.FitEndHistory);
    }

    private sealed class StopAfterFirstEpoch : FitCallback
    {
        public override void OnEpochEnd(FitLoop loop, EpochMetrics metrics) => loop.RequestStop();
    }

    [TestMethod]
    public void RequestStop_EndsAfterTheCurrentEpoch()
    {
        var (data, model) = SeedsWeightingExample();
        var loop = new FitLoop(model, s_crossEntropy, new Sgd(model.Parameters(), 0.1), new DataLoader(data, 10));
        loop.Callbacks.Add(new StopAfterFirstEpoch());
        var history = loop.Fit(5);
        Assert.AreEqual(1, history.Count);
        Assert.IsTrue(double.IsNaN(history[0].ValidAccuracy));
    }

    [TestMethod]
    public void AHugeLearningRate_StopsWithAnErrorNamingEpochAndBatch()
    {
        var generator = new Generator(1);
        var model = new Sequential(new Linear(784, 50, generator: generator), new ReLU(), new Linear(50, 10, generator: generator));
        var x = Tensor.Rand(new Generator(2), 256, 784);
        var y = new IntTensor(Enumerable.Range(0, 256).Select(i => i % 10).ToArray());
        var loop = new FitLoop(model, s_crossEntropy, new Sgd(model.Parameters(), 1e38), new DataLoader(new TensorDataset(x, y), 64));
        var e = Assert.ThrowsExactly<TrainingDivergedException>(() => loop.Fit(3));
        Assert.AreEqual(0, e.Epoch);
        Assert.IsGreaterThanOrEqualTo(1, e.Batch);
        Assert.IsFalse(double.IsFinite(e.Loss));
        StringAssert.Contains(e.Message, $"epoch 0, batch {e.Batch}");
        StringAssert.Contains(e.Message, "smaller learning rate");
    }

    [TestMethod]
    public void TrainingLoss_IsTheBatchSizeWeightedMeanOfTheBatchLosses()
    {
        var (data, model) = SeedsWeightingExample();
        var losses = new List<(double Loss, int Size)>();
        var loop = new FitLoop(model, s_crossEntropy, new Sgd(model.Parameters(), 0.3), new DataLoader(data, 10, shuffle: true, generator: new Generator(3)));
        loop.Callbacks.Add(new BatchLog(losses));
        var history = loop.Fit(1);
        double expected = losses.Sum(l => l.Loss * l.Size) / 25;
        Assert.AreEqual(expected, history[0].TrainLoss, 1e-12);
        Assert.AreNotEqual(losses.Average(l => l.Loss), history[0].TrainLoss, 1e-9);
    }

    private sealed class BatchLog(List<(double, int)> log) : FitCallback
    {
        public override void OnBatchEnd(FitLoop loop, in BatchMetrics m) => log.Add((m.Loss, m.Size));
    }
}
