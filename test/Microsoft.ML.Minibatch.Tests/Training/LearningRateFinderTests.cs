using Microsoft.ML;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Samples.Commands;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Training;
using static Microsoft.ML.Minibatch.Tests.Trainers.TrainerTestData;

namespace Microsoft.ML.Minibatch.Tests.Training;

/// <summary>
/// The learning-rate finder against hand-computed values: fast.ai's exponential rates, its bias-corrected smoothing
/// (written here as the closed-form weighted mean), its valley rule and its [num_it/10 : −5] window; and the weights
/// restored bit for bit.
/// </summary>
[TestClass]
public sealed class LearningRateFinderTests
{
    [TestMethod]
    public void Rates_grow_exponentially_from_start_to_end_over_the_iterations()
    {
        var s = new LearningRateFinderSettings();
        Assert.AreEqual(1e-7, LearningRateFinder.RateAt(0, s), 1e-22);
        Assert.AreEqual(1e-5, LearningRateFinder.RateAt(25, s), 1e-19); // 1e-7 · (1e8)^(1/4)
        Assert.AreEqual(1e-3, LearningRateFinder.RateAt(50, s), 1e-17);
        Assert.AreEqual(10, LearningRateFinder.RateAt(100, s), 1e-13);
        var t = new LearningRateFinderSettings(0.01, 1, Iterations: 4);
        Assert.AreEqual(0.01 * Math.Sqrt(Math.Sqrt(100)) * Math.Sqrt(Math.Sqrt(100)) * Math.Sqrt(Math.Sqrt(100)), LearningRateFinder.RateAt(3, t), 1e-15);
    }

    [TestMethod]
    public void The_smoothed_loss_is_the_bias_corrected_weighted_mean()
    {
        var smooth = new SmoothedLoss(0.98);
        Assert.AreEqual(2.0, smooth.Add(2), 1e-15, "the first value is itself");
        Assert.AreEqual((0.98 * 0.02 * 2 + 0.02 * 1) / (1 - 0.98 * 0.98), smooth.Add(1), 1e-14);
        Assert.AreEqual((0.98 * 0.98 * 0.02 * 2 + 0.98 * 0.02 * 1 + 0.02 * 4) / (1 - 0.98 * 0.98 * 0.98), smooth.Add(4), 1e-14);
        Assert.AreEqual(3, smooth.Count);
        Assert.AreEqual(5.0, new SmoothedLoss(0).Add(5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SmoothedLoss(1));
    }

    [TestMethod]
    public void Valley_takes_about_two_thirds_into_the_longest_decreasing_run()
    {
        // Worked by hand from fast.ai's loops: the longest decreasing subsequence of [1, 3, 2, 1.5, 0.5, 2] is 3, 2, 1.5, 0.5
        // ending at 4 with max_start = 4 − 4 = 0; sections = 4/3; index = 0 + 1 + int(0.667) = 1.
        Assert.AreEqual(1, LearningRateFinder.ValleyIndex([1, 3, 2, 1.5, 0.5, 2]));
        // Strictly decreasing from the first: max_start = −1, sections = 5/3, index = −1 + 1 + 0 = 0.
        Assert.AreEqual(0, LearningRateFinder.ValleyIndex([5, 4, 3, 2, 1]));
        // Two points decreasing: index −1 + 0 + 0 = −1, which Python reads as the last.
        Assert.AreEqual(1, LearningRateFinder.ValleyIndex([2, 1]));
        Assert.AreEqual(0, LearningRateFinder.ValleyIndex([7]));
    }

    [TestMethod]
    public void The_suggestion_leaves_out_the_first_tenth_and_the_last_five_and_stops_at_NaN()
    {
        var rates = Enumerable.Range(0, 20).Select(i => (double)i).ToArray();
        var losses = Enumerable.Range(0, 20).Select(i => 100.0 - i).ToArray();
        // Window [2, 15): 13 decreasing points, max_start −1, max_end 12, sections 13/3: −1 + 4 + 2 = 5, i.e. rates[2 + 5].
        Assert.AreEqual(7.0, LearningRateFinder.Suggest(rates, losses, iterations: 20));
        losses[10] = double.NaN; // window [2, 10): 8 points: −1 + 2 + 1 = 2, i.e. rates[4]
        Assert.AreEqual(4.0, LearningRateFinder.Suggest(rates, losses, iterations: 20));
        Assert.IsNull(LearningRateFinder.Suggest(rates.Take(7).ToArray(), losses.Take(7).ToArray(), iterations: 20));
    }

    private static (ManagedTrainingStep Step, Sequential Model, DataLoader Loader) Setup(double momentum = 0)
    {
        var g = new Generator(3);
        var model = new Sequential(new Linear(4, 8, generator: g), new ReLU(), new Linear(8, 3, generator: g));
        var rows = KeyRows(48, 2);
        var x = Tensor.FromArray(rows.SelectMany(r => r.Features).ToArray(), rows.Count, 4);
        var y = new IntTensor(rows.Select(r => (int)r.Label).ToArray());
        var loader = new DataLoader(new TensorDataset(x, y), batchSize: 8, shuffle: true, generator: g); // 6 batches an epoch
        var step = new ManagedTrainingStep(model, (o, t) => Functional.CrossEntropy(o, t), new Sgd(model.Parameters(), 0.1, momentum: momentum));
        return (step, model, loader);
    }

    [TestMethod]
    public void The_sweep_restores_the_initial_weights_bit_for_bit()
    {
        var (step, model, loader) = Setup(momentum: 0.9);
        var before = model.Parameters().Select(p => p.AsSpan().ToArray()).ToList();
        var settings = new LearningRateFinderSettings(1e-4, 1, Iterations: 20, StopOnDivergence: false);
        var result = LearningRateFinder.Run(step, loader, settings);
        Assert.HasCount(20, result.LearningRates, "the loader (6 batches) is restarted until num_it");
        for (int i = 0; i < 20; i++) Assert.AreEqual(LearningRateFinder.RateAt(i, settings), result.LearningRates[i]);
        Assert.IsGreaterThan(result.Losses[^1], result.Losses[0], "the sweep trained: the smoothed loss came down");
        var after = model.Parameters().Select(p => p.AsSpan().ToArray()).ToList();
        for (int i = 0; i < before.Count; i++) CollectionAssert.AreEqual(before[i], after[i], $"parameter {i}");
        Assert.AreEqual(0.1, step.LearningRate, "the optimizer's rate is put back too");
    }

    /// <summary>A step that returns scripted losses, so that the stopping rule is checked on hand-picked values.</summary>
    private sealed class ScriptedStep(params float[] losses) : TrainingStep
    {
        private int _next;

        public override Module Model { get; } = new Sequential(new Linear(4, 3));

        public override double LearningRate { get; set; }

        public override float Train(Tensor features, IntTensor labels) => losses[_next++];

        public override (float Loss, int Correct) Evaluate(Tensor features, IntTensor labels) => throw new NotSupportedException();
    }

    [TestMethod]
    public void The_sweep_stops_once_the_smoothed_loss_exceeds_four_times_its_minimum()
    {
        var (_, _, loader) = Setup();
        // beta 0: the smoothed loss is the loss. Minimum 1 after the second batch; 3 and 4 are not above 4 × 1, 4.5 is.
        var result = LearningRateFinder.Run(new ScriptedStep(2, 1, 3, 4, 4.5f, 0.5f), loader, new LearningRateFinderSettings(Iterations: 100, Beta: 0));
        Assert.IsTrue(result.Diverged);
        CollectionAssert.AreEqual(new[] { 2.0, 1, 3, 4, 4.5 }, result.Losses.ToArray());
        // Without stop_div it runs to num_it; a non-finite loss always ends the sweep.
        var all = LearningRateFinder.Run(new ScriptedStep(2, 1, 3, 4, 4.5f, 0.5f), loader, new LearningRateFinderSettings(Iterations: 6, StopOnDivergence: false, Beta: 0));
        Assert.IsFalse(all.Diverged);
        Assert.HasCount(6, all.Losses);
        var nan = LearningRateFinder.Run(new ScriptedStep(2, float.NaN, 1), loader, new LearningRateFinderSettings(StopOnDivergence: false));
        Assert.IsTrue(nan.Diverged);
        Assert.HasCount(2, nan.Losses);
    }

    [TestMethod]
    public void The_trainer_sweeps_its_own_network_reproducibly()
    {
        LearningRateFinderResult Find()
        {
            var ml = new MLContext(seed: 1);
            var o = Small();
            o.Sampler = SamplerKind.Random;
            o.Momentum = 0.9f;
            return ml.MulticlassClassification.Trainers.Minibatch(o)
                .FindLearningRate(ml.Data.LoadFromEnumerable(KeyRows(240, 4)), new LearningRateFinderSettings(Iterations: 60));
        }
        var a = Find();
        var b = Find();
        CollectionAssert.AreEqual(a.Losses.ToArray(), b.Losses.ToArray());
        Assert.AreEqual(a.SuggestedLearningRate, b.SuggestedLearningRate);
        Assert.IsNotNull(a.SuggestedLearningRate);
        Assert.AreEqual(LearningRateFinder.RateAt(7, new LearningRateFinderSettings(Iterations: 60)), a.LearningRates[7]);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext(1).MulticlassClassification.Trainers.Minibatch(Small())
            .FindLearningRate(new MLContext(1).Data.LoadFromEnumerable(KeyRows(8, 1)), new LearningRateFinderSettings(1, 0.5)));
        Assert.AreEqual("EndLearningRate", e.ParamName);
    }

    [TestMethod]
    public void The_sparkline_maps_the_lowest_value_to_the_lowest_block()
    {
        Assert.AreEqual("▁▂▃▄▅▆▇█", Sparkline.Render([1, 2, 3, 4, 5, 6, 7, 8]));
        Assert.AreEqual("█▁", Sparkline.Render([3, 5, 1, 1], width: 2), "runs of two: means 4 and 1");
        Assert.AreEqual("▁×█", Sparkline.Render([1, double.NaN, 2]));
        Assert.AreEqual("▁▁", Sparkline.Render([2, 2]));
    }
}
