using Microsoft.ML;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.TorchSharp;
using Microsoft.ML.Minibatch.Training;
using static Microsoft.ML.Minibatch.Tests.Trainers.TrainerTestData;
using F = Microsoft.ML.Minibatch.NN.Functional;
using Generator = Microsoft.ML.Minibatch.Tensors.Generator;
using Tensor = Microsoft.ML.Minibatch.Tensors.Tensor;

namespace Microsoft.ML.Minibatch.Tests.Recipes;

/// <summary>
/// fast.ai's one-cycle policy against hand-computed points of its two half-cosines, through the fit loop on both
/// engines (learning rate and momentum per batch), and through the trainer.
/// </summary>
[TestClass]
public sealed class OneCycleTests
{
    // lr_max 0.1, fast.ai's defaults: start 0.1/25 = 0.004, peak 0.1 at p = 0.25, end 0.1/1e5 = 1e-6.
    // Half-way through a phase a half-cosine is at the mean of its ends; a quarter of the way at start + (2 − √2)/4·(end − start).
    private static readonly double Quarter = (2 - Math.Sqrt(2)) / 4;

    [TestMethod]
    [DataRow(0.0, 0.004, 0.95)]
    [DataRow(0.0625, 0.004 + 0.096 * 0.14644660940672624, 0.95 - 0.1 * 0.14644660940672624)]
    [DataRow(0.125, 0.052, 0.90)]
    [DataRow(0.25, 0.1, 0.85)]
    [DataRow(0.4375, 0.08535548550593679, 0.85 + 0.1 * 0.14644660940672624)]
    [DataRow(0.625, 0.0500005, 0.90)]
    [DataRow(1.0, 1e-6, 0.95)]
    public void Default_policy_hand_computed_points(double position, double rate, double momentum)
    {
        var policy = new OneCyclePolicy();
        Assert.AreEqual(rate, policy.LearningRate(0.1, position), 1e-15, "learning rate");
        Assert.AreEqual(momentum, policy.Momentum(position), 1e-15, "momentum");
        Assert.AreEqual(0.14644660940672624, Quarter, 1e-16);
    }

    [TestMethod]
    public void Custom_parameters_move_the_peak_and_the_ends()
    {
        // pct_start 0.5, div 10, div_final 100, moms (0.9, 0.8, 0.7): p = 0.5 is the peak, p = 0.75 half-way down.
        var policy = new OneCyclePolicy(0.5, 10, 100, 0.9, 0.8, 0.7);
        Assert.AreEqual(0.1, policy.LearningRate(1, 0), 1e-15);
        Assert.AreEqual(1.0, policy.LearningRate(1, 0.5), 1e-15);
        Assert.AreEqual((1 + 0.01) / 2, policy.LearningRate(1, 0.75), 1e-15);
        Assert.AreEqual(0.01, policy.LearningRate(1, 1), 1e-15);
        Assert.AreEqual(0.75, policy.Momentum(0.75), 1e-15);
        Assert.AreEqual(0.7, policy.Momentum(1), 1e-15);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new OneCyclePolicy(pctStart: 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new OneCyclePolicy(div: 0.5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new OneCyclePolicy(momentumMiddle: 1));
    }

    /// <summary>Two epochs of four batches (T = 8) of a 4-2 linear model; records (lr, momentum) at each batch after the scheduler.</summary>
    private static (List<(double Lr, double? Momentum)> Seen, TrainingStep Step) Run(Func<Sequential, TrainingStep> makeStep)
    {
        var model = new Sequential(new Linear(4, 2, generator: new Generator(3)));
        var g = new Generator(5);
        var data = new TensorDataset(Tensor.Rand(g, 8, 4), new IntTensor([0, 1, 0, 1, 1, 0, 1, 0]));
        var step = makeStep(model);
        var loop = new FitLoop(step, new DataLoader(data, batchSize: 2));
        loop.Callbacks.Add(new LearningRateScheduler(LearningRateSchedule.OneCycle));
        var recorder = new Recorder();
        loop.Callbacks.Add(recorder);
        loop.Fit(2);
        return (recorder.Seen, step);
    }

    private sealed class Recorder : FitCallback
    {
        public List<(double, double?)> Seen { get; } = [];
        public override void OnBatchBegin(FitLoop loop, int epoch, int batch) => Seen.Add((loop.LearningRate, loop.Step.Momentum));
    }

    private static TrainingStep Managed(Sequential m, OptimizerSettings s) => ManagedEngine.Instance.CreateStep(m, s);

    private static TrainingStep Torch(Sequential m, OptimizerSettings s) => new TorchSharpEngine().CreateStep(m, s);

    [TestMethod]
    [DataRow(OptimizerKind.Sgd, 0.9, false)]
    [DataRow(OptimizerKind.Adam, 0.0, false)]
    [DataRow(OptimizerKind.AdamW, 0.0, false)]
    [DataRow(OptimizerKind.Sgd, 0.9, true)]
    [DataRow(OptimizerKind.Adam, 0.0, true)]
    [DataRow(OptimizerKind.AdamW, 0.0, true)]
    public void Each_batch_gets_the_policy_rate_and_momentum_and_the_base_values_come_back(OptimizerKind kind, double momentum, bool torchSharp)
    {
        var settings = new OptimizerSettings(kind, 0.1, momentum, 0);
        var (seen, step) = Run(m => torchSharp ? Torch(m, settings) : Managed(m, settings));
        using var _ = step;
        var policy = new OneCyclePolicy();
        Assert.HasCount(8, seen);
        for (int t = 0; t < 8; t++)
        {
            Assert.AreEqual(policy.LearningRate(0.1, t / 8.0), seen[t].Lr, 1e-15, $"lr at t = {t}");
            Assert.AreEqual(policy.Momentum(t / 8.0), seen[t].Momentum!.Value, 1e-15, $"momentum at t = {t}");
        }
        // t = 2 is the peak (p = 0.25): lr_max and the lowest momentum.
        Assert.AreEqual(0.1, seen[2].Lr, 1e-15);
        Assert.AreEqual(0.85, seen[2].Momentum!.Value, 1e-15);
        Assert.AreEqual(0.1, step.LearningRate, 1e-15, "base rate restored");
        Assert.AreEqual(kind == OptimizerKind.Sgd ? 0.9 : 0.9, step.Momentum!.Value, 1e-15, "base momentum (SGD's, or β1 0.9) restored");
    }

    [TestMethod]
    public void Sgd_without_momentum_cycles_only_the_rate()
    {
        var (seen, step) = Run(m => Managed(m, new OptimizerSettings(OptimizerKind.Sgd, 0.1, 0, 0)));
        using var _ = step;
        Assert.IsTrue(seen.All(s => s.Momentum is null), "no momentum appears");
        Assert.AreEqual(0.004, seen[0].Lr, 1e-15);
    }

    [TestMethod]
    public void Trainer_one_cycle_on_both_engines_gives_the_same_history()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(KeyRows(60, 1));
        var valid = ml.Data.LoadFromEnumerable(KeyRows(30, 2));
        MinibatchTransformer Fit(TrainingEngine engine, OptimizerKind kind)
        {
            var o = Small(4);
            o.LearningRateSchedule = LearningRateSchedule.OneCycle;
            o.Optimizer = kind;
            o.Momentum = kind == OptimizerKind.Sgd ? 0.9f : 0;
            o.LearningRate = kind == OptimizerKind.Sgd ? 0.2f : 0.01f;
            o.ValidationSet = valid;
            o.Engine = engine;
            return ml.MulticlassClassification.Trainers.Minibatch(o).Fit(train);
        }
        foreach (var kind in new[] { OptimizerKind.Sgd, OptimizerKind.Adam })
        {
            var ours = Fit(ManagedEngine.Instance, kind);
            var theirs = Fit(new TorchSharpEngine(), kind);
            for (int e = 0; e < 4; e++)
            {
                Assert.AreEqual(ours.History[e].LearningRate, theirs.History[e].LearningRate, 1e-12, $"{kind} epoch {e}");
                Assert.AreEqual(ours.History[e].ValidLoss, theirs.History[e].ValidLoss, 1e-4, $"{kind} epoch {e}");
            }
            Assert.AreEqual(LearningRateSchedule.OneCycle, ours.TrainingOptions.LearningRateSchedule);
        }
    }

    [TestMethod]
    public void Trainer_rejects_bad_one_cycle_options()
    {
        var ml = new MLContext(seed: 1);
        foreach (Action<MinibatchTrainer.Options> bad in new Action<MinibatchTrainer.Options>[]
        {
            o => o.OneCyclePctStart = 0, o => o.OneCycleDiv = 0.5f, o => o.OneCycleDivFinal = float.NaN,
            o => o.OneCycleMomentums = [0.9f, 0.8f], o => o.OneCycleMomentums = [0.9f, 1f, 0.9f],
        })
        {
            var o = Small();
            bad(o);
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Minibatch(o));
        }
    }
}
