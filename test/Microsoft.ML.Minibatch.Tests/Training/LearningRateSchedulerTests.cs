using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Training;
using F = Microsoft.ML.Minibatch.NN.Functional;

namespace Microsoft.ML.Minibatch.Tests.TrainingTests;

[TestClass]
public sealed class LearningRateSchedulerTests
{
    [TestMethod]
    public void Cosine_HandComputedPoints()
    {
        // 4 epochs of 25 batches: T = 100. t = 0 → base; t = 25 → base·(1 + cos(π/4))/2; t = 50 → base/2; t = 75 → base·(1 − √2/2)/2.
        const double lr = 0.1;
        Assert.AreEqual(0.1, LearningRateScheduler.Rate(LearningRateSchedule.Cosine, lr, 0, 0, 25, 4), 1e-15);
        Assert.AreEqual(0.1 * (1 + Math.Sqrt(0.5)) / 2, LearningRateScheduler.Rate(LearningRateSchedule.Cosine, lr, 1, 0, 25, 4), 1e-15);
        Assert.AreEqual(0.05, LearningRateScheduler.Rate(LearningRateSchedule.Cosine, lr, 1, 25, 25, 4), 1e-15);
        Assert.AreEqual(0.1 * (1 - Math.Sqrt(0.5)) / 2, LearningRateScheduler.Rate(LearningRateSchedule.Cosine, lr, 3, 0, 25, 4), 1e-15);
        // The last batch (t = 99) still learns a little.
        double last = LearningRateScheduler.Rate(LearningRateSchedule.Cosine, lr, 3, 24, 25, 4);
        Assert.IsTrue(last > 0 && last < 1e-4, $"last rate {last}");
    }

    [TestMethod]
    public void Step_DividesByTenAtHalfAndThreeQuarters()
    {
        // 10 epochs: milestones 5 and 7 (⌊30/4⌋); the batch index does not matter.
        Assert.AreEqual(1.0, LearningRateScheduler.Rate(LearningRateSchedule.Step, 1, 4, 9, 10, 10));
        for (int epoch = 0; epoch < 10; epoch++)
        {
            double want = epoch switch { < 5 => 1, < 7 => 0.1, _ => 0.01 };
            Assert.AreEqual(want, LearningRateScheduler.Rate(LearningRateSchedule.Step, 1, epoch, 0, 10, 10), 1e-15, $"epoch {epoch}");
        }
    }

    [TestMethod]
    public void Constant_IsTheBaseRate() =>
        Assert.AreEqual(0.5, LearningRateScheduler.Rate(LearningRateSchedule.Constant, 0.5, 3, 7, 10, 5));

    [TestMethod]
    public void UndefinedSchedule_Throws() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LearningRateScheduler((LearningRateSchedule)7));

    [TestMethod]
    public void FitLoop_UsesTheScheduledRateForEachBatch_AndRestoresTheBaseRate()
    {
        // Linear(1, 2) without bias on one row x = 1, label 0, batch 1, 2 epochs of 2 batches (the same row twice).
        // The cross-entropy gradient of weight row 0 is p0 − 1, so each step moves w0 by lr·(1 − p0), lr from the schedule.
        var model = new Linear(1, 2, bias: false, generator: new Generator(0));
        model.Weight.AsSpan().Clear();
        var data = new TensorDataset(Tensor.FromArray([1f, 1f], 2, 1), new IntTensor([0, 0]));
        var loader = new DataLoader(data, batchSize: 1);
        var sgd = new Sgd(model.Parameters(), 0.4);
        var loop = new FitLoop(model, (o, t) => F.CrossEntropy(o, t), sgd, loader);
        loop.Callbacks.Add(new LearningRateScheduler(LearningRateSchedule.Cosine));
        var history = loop.Fit(2);

        double w0 = 0, w1 = 0;
        double[] rates = [0.4, 0.4 * (1 + Math.Cos(Math.PI / 4)) / 2, 0.2, 0.4 * (1 + Math.Cos(3 * Math.PI / 4)) / 2];
        foreach (double lr in rates)
        {
            double p0 = 1 / (1 + Math.Exp(w1 - w0));
            w0 += lr * (1 - p0);
            w1 -= lr * (1 - p0);
        }
        Assert.AreEqual(w0, model.Weight.AsSpan()[0], 1e-6);
        Assert.AreEqual(w1, model.Weight.AsSpan()[1], 1e-6);
        Assert.AreEqual(rates[3], history[1].LearningRate, 1e-12);
        Assert.AreEqual(0.4, sgd.LearningRate);
    }
}
