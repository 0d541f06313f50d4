using System.Collections.Concurrent;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Training;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// Compiles the managed engine's training code before it is needed. The first training batch otherwise spends about
/// 0.1 s in the JIT compiler (some seventy methods of vector kernels, autograd and the optimizer), a third of the
/// lesson's five-epoch run. A trainer starts this when it is created, so the compiling happens on an idle core while
/// the caller loads and transforms its data: a one-epoch fit of a tiny network of the same kind on a few synthetic rows,
/// through the same loop, loaders and engine step as the real fit, and beside it, on a second task, a backward pass and
/// the optimizer's step. Nothing it touches is shared with a user's training (its own generator, model and data);
/// each kind of network is warmed once per process.
/// </summary>
internal static class EngineWarmUp
{
    // Wide enough for the dot-product GEMM path (k ≥ 16) that most first layers take; ten classes, as most data sets
    // have about as many, so that the last layer's products and the loss take the kernels a real fit takes (a
    // 10-row weight gradient uses 10-row register tiles, a 3-row one 6-row tiles: GemmJob.RowTileFor).
    private const int Features = 32;
    private const int Classes = 10;
    private const int Rows = 20;

    private static readonly ConcurrentDictionary<string, Task> s_warmed = new(StringComparer.Ordinal);

    /// <summary>Starts compiling, in the background, what a fit with these options will run; returns at once.</summary>
    public static void Start(MinibatchTrainer.Options options)
    {
        if (options.Engine is not ManagedEngine) return;
        var o = options.Clone();
        o.HiddenLayers = (int[])o.HiddenLayers.Clone();
        // What selects different code: the optimizer, dropout, depth, the schedule and the sampler.
        string kind = $"{o.Optimizer}/{o.DropoutRate > 0}/{o.HiddenLayers.Length}/{o.LearningRateSchedule}/{o.Sampler}";
        s_warmed.GetOrAdd(kind, _ => Task.WhenAll(Task.Run(() => Run(o)), Task.Run(() => CompileBackwardAndStep(o))));
    }

    private static IntTensor Labels() => new(Enumerable.Range(0, Rows).Select(i => i % Classes).ToArray());

    private static OptimizerSettings Settings(MinibatchTrainer.Options o) =>
        new(o.Optimizer, 0.01, o.Optimizer == OptimizerKind.Sgd ? o.Momentum : 0, o.WeightDecay);

    /// <summary>
    /// A backward pass and the optimizer's step, on tensors of their own, in the opposite order to the tiny fit's: the
    /// step and the clearing of gradients, then the loss, the activation and the linear map. The tiny fit compiles its
    /// methods in the order it first calls them, and a real first batch that caught up with it waited for the rest: on
    /// Zen 3 the lesson's first batch took 11–99 ms (median 48); with this second task compiling from the other end,
    /// 0.4–0.7 ms in twelve runs out of twelve.
    /// </summary>
    private static void CompileBackwardAndStep(MinibatchTrainer.Options o)
    {
        try
        {
            var generator = new Generator(1);
            var weight = new Parameter(Tensor.Rand(generator, Classes, Features))
            {
                Grad = Tensor.Rand(generator, Classes, Features),
            };
            Optimizer optimizer = ManagedEngine.CreateOptimizer([weight], Settings(o));
            optimizer.Step();
            optimizer.ZeroGrad();

            var logits = Tensor.Rand(generator, Rows, Classes);
            logits.RequiresGrad = true;
            Functional.CrossEntropy(logits, Labels()).Backward();
            var activations = Tensor.Rand(generator, Rows, Classes);
            activations.RequiresGrad = true;
            Functional.Relu(activations).Sum().Backward();
            var bias = new Parameter(Tensor.Rand(generator, Classes));
            Functional.Linear(Tensor.Rand(generator, Rows, Features), weight, bias).Sum().Backward();
        }
        catch (Exception)
        {
            // Only a head start, as the fit below.
        }
    }

    private static void Run(MinibatchTrainer.Options o)
    {
        try
        {
            var generator = new Generator(0);
            var features = Tensor.Rand(generator, Rows, Features);
            var labels = Labels();
            var data = new TensorDataset(features, labels);
            // The network's layers, at most 64 wide: the same kernels run, on a few microseconds of arithmetic.
            int[] hidden = o.HiddenLayers.Select(h => Math.Min(h, 64)).ToArray();
            var model = MinibatchNetwork.Create(Features, hidden, Classes, generator, o.DropoutRate);
            using var step = o.Engine.CreateStep(model, Settings(o));
            var settings = new MinibatchFitLoop.Settings(Rows / 2, Rows, Epochs: 1, o.Sampler, ShufflePool: null, DropLast: false, Patience: 0,
                generator, o.LearningRateSchedule, new OneCyclePolicy(), EpochCompleted: null,
                Callbacks: [], CancellationToken.None);
            MinibatchFitLoop.Run(step, data, data, settings);
        }
        catch (Exception)
        {
            // Only a head start: whatever went wrong here, the real fit runs (and reports) on its own.
        }
    }
}
