using Microsoft.ML;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Training;
using Microsoft.ML.Minibatch.TorchSharp;
using static Microsoft.ML.Minibatch.Tests.Trainers.TrainerTestData;
using MnistFiles = Microsoft.ML.Minibatch.Tests.Trainers.MnistFiles;
using static TorchSharp.torch;
using Generator = Microsoft.ML.Minibatch.Tensors.Generator;
using Tensor = Microsoft.ML.Minibatch.Tensors.Tensor;

namespace Microsoft.ML.Minibatch.Tests.Engines;

/// <summary>
/// libtorch, in-process, as the independent check of our engine: the same seed gives the same initial weights; from
/// the same weights and batches, the two engines agree after 20 steps; the lesson's run trains to the same accuracy;
/// weights files move between TorchSharp's <c>Module.save</c>/<c>load</c> and our <see cref="StateDictFile"/>.
/// </summary>
[TestClass]
public sealed class TorchSharpEngineTests
{
    /// <summary>Our network for 784-50-10, initialised from <c>Generator(seed)</c>.</summary>
    private static Sequential Lesson(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential(new Linear(784, 50, generator: g), new ReLU(), new Linear(50, 10, generator: g));
    }

    [TestMethod]
    public void TorchManualSeed_InitialisesLinearAsOurGenerator()
    {
        manual_seed(1);
        using var theirs = nn.Linear(784, 50);
        var ours = new Linear(784, 50, generator: new Generator(1));
        Assert.AreEqual(0.018402258f, theirs.weight![0, 0].item<float>());
        CollectionAssert.AreEqual(ours.Weight.AsSpan().ToArray(), theirs.weight.data<float>().ToArray());
        CollectionAssert.AreEqual(ours.Bias!.AsSpan().ToArray(), theirs.bias!.data<float>().ToArray());
    }

    [TestMethod]
    [DataRow(OptimizerKind.Sgd, 0.0, DisplayName = "SGD")]
    [DataRow(OptimizerKind.Sgd, 0.9, DisplayName = "SGD with momentum")]
    [DataRow(OptimizerKind.Adam, 0.0, DisplayName = "Adam")]
    [DataRow(OptimizerKind.AdamW, 0.0, DisplayName = "AdamW")]
    public void TwentySteps_FromTheSameWeightsAndBatches_AgreeWithin1e4(OptimizerKind kind, double momentum)
    {
        // AdamW with a weight decay large enough to shrink the weights by 1% over the 20 steps (torch.optim.AdamW).
        var settings = new OptimizerSettings(kind, kind == OptimizerKind.Sgd ? 0.1 : 0.001, momentum, kind == OptimizerKind.AdamW ? 0.5 : 1e-4);
        using var managed = ManagedEngine.Instance.CreateStep(Lesson(1), settings);
        using var torchSharp = new TorchSharpEngine().CreateStep(Lesson(1), settings);
        var data = new Generator(7);
        for (int step = 0; step < 20; step++)
        {
            var x = Tensor.Rand(data, 64, 784);
            var y = new IntTensor(Enumerable.Range(0, 64).Select(i => (int)(data.NextUInt64() % 10)).ToArray());
            float a = managed.Train(x, y), b = torchSharp.Train(x, y);
            Assert.AreEqual(a, b, 1e-4f, $"loss at step {step}");
        }
        torchSharp.CopyWeightsToModel();
        var expected = managed.Model.StateDict();
        foreach (var (key, tensor) in torchSharp.Model.StateDict())
        {
            var want = expected[key].AsSpan();
            var got = tensor.AsSpan();
            float worst = 0;
            for (int i = 0; i < want.Length; i++) worst = Math.Max(worst, Math.Abs(want[i] - got[i]));
            Assert.IsLessThan(1e-4f, worst, $"{key}: largest difference {worst}");
        }
    }

    [TestMethod]
    public void TheLessonsRun_OnBothEngines_ReachesTheSameAccuracyEveryEpoch()
    {
        var ml = new MLContext(seed: 1);
        var (images, labels) = MnistFiles.Train(MnistFiles.Require());
        var all = ml.Data.LoadIdx(images, labels);
        var train = ml.Data.TakeRows(all, 50000);
        var valid = ml.Data.SkipRows(all, 50000);
        MinibatchTransformer Fit(TrainingEngine engine) => ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options
        {
            HiddenLayers = [50], BatchSize = 64, NumberOfEpochs = 5, LearningRate = 0.5f, ValidationSet = valid, Seed = 1, Engine = engine,
        }).Fit(train);
        var ours = Fit(ManagedEngine.Instance);
        var theirs = Fit(new TorchSharpEngine(threads: 1));
        for (int e = 0; e < 5; e++)
        {
            Console.WriteLine($"epoch {e}: managed {ours.History[e]} | torchsharp {theirs.History[e]}");
            Assert.AreEqual(ours.History[e].ValidAccuracy, theirs.History[e].ValidAccuracy, 0.003, $"epoch {e}");
        }
        // The trained weights are in our network: scoring, saving and evaluating need no libtorch.
        var m = ml.MulticlassClassification.Evaluate(theirs.Transform(valid));
        Assert.AreEqual(theirs.History[^1].ValidAccuracy, m.MicroAccuracy, 1e-9);
    }

    [TestMethod]
    public void Dropout_trains_on_libtorch_with_the_same_keys_and_a_seeded_run_is_reproducible()
    {
        // libtorch draws its own masks (from torch.manual_seed, seeded from our generator), so the two engines are not
        // compared here: that is done with dropout 0 above. What must hold: PyTorch's keys, a trained network that
        // differs from the one without dropout, and the same model for the same seed.
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(KeyRows(96, 3));
        MinibatchTransformer Fit(float dropout)
        {
            var o = Small(3);
            o.HiddenLayers = [16];
            o.DropoutRate = dropout;
            o.Engine = new TorchSharpEngine();
            return ml.MulticlassClassification.Trainers.Minibatch(o).Fit(train);
        }
        var a = Fit(0.5f);
        CollectionAssert.AreEqual(new[] { "0.weight", "0.bias", "3.weight", "3.bias" }, a.Model.StateDict().Keys.ToArray());
        AssertSameWeights(a, Fit(0.5f));
        CollectionAssert.AreNotEqual(Weights(Fit(0))[0], Weights(a)[0]);
    }

    [TestMethod]
    public void Deskewing_feeds_libtorch_the_deskewed_rows()
    {
        // KeyRows' four features, all ≥ 0, read as 2 × 2 images.
        var ml = new MLContext(seed: 1);
        var rows = KeyRows(96, 3);
        var deskew = new Microsoft.ML.Minibatch.Data.ImageDeskew(2, 2);
        var straightened = rows.Select(r =>
        {
            var image = new float[4];
            deskew.Apply(r.Features, image);
            return new KeyRow { Features = image, Label = r.Label };
        }).ToList();
        MinibatchTransformer Fit(List<KeyRow> data, bool deskewing, TrainingEngine engine)
        {
            var o = Small(3);
            o.HiddenLayers = [16];
            o.Deskew = deskewing;
            o.Engine = engine;
            return ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(data));
        }
        var theirs = Fit(rows, true, new TorchSharpEngine());
        AssertSameWeights(Fit(straightened, false, new TorchSharpEngine()), theirs);
        var ours = Fit(rows, true, ManagedEngine.Instance).Model.StateDict();
        foreach (var (key, tensor) in theirs.Model.StateDict())
            for (int i = 0; i < tensor.ElementCount; i++) Assert.AreEqual(ours[key].AsSpan()[i], tensor.AsSpan()[i], 1e-4f, key);
    }

    [TestMethod]
    public void Schedules_EarlyStopping_AndHistory_AreTheTrainers_WhateverTheEngine()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(KeyRows(60, 1));
        var valid = ml.Data.LoadFromEnumerable(KeyRows(30, 2, flip: true));
        MinibatchTransformer Fit(TrainingEngine engine)
        {
            var o = Small(10);
            o.LearningRateSchedule = LearningRateSchedule.Cosine;
            o.ValidationSet = valid;
            o.EarlyStoppingPatience = 2;
            o.Engine = engine;
            return ml.MulticlassClassification.Trainers.Minibatch(o).Fit(train);
        }
        var ours = Fit(ManagedEngine.Instance);
        var theirs = Fit(new TorchSharpEngine());
        Assert.HasCount(ours.History.Count, theirs.History);
        for (int e = 0; e < ours.History.Count; e++)
        {
            Assert.AreEqual(ours.History[e].LearningRate, theirs.History[e].LearningRate, 1e-12, $"epoch {e}");
            Assert.AreEqual(ours.History[e].ValidLoss, theirs.History[e].ValidLoss, 1e-4, $"epoch {e}");
        }
        // Early stopping kept the best epoch's weights on both.
        var a = ours.Model.StateDict();
        foreach (var (key, tensor) in theirs.Model.StateDict())
            for (int i = 0; i < tensor.ElementCount; i++) Assert.AreEqual(a[key].AsSpan()[i], tensor.AsSpan()[i], 1e-4f, key);
    }

    [TestMethod]
    public void The_learning_rate_finder_sweeps_the_same_curve_on_libtorch()
    {
        LearningRateFinderResult Find(TrainingEngine engine)
        {
            var ml = new MLContext(seed: 1);
            var o = Small();
            o.Momentum = 0.9f;
            o.Engine = engine;
            return ml.MulticlassClassification.Trainers.Minibatch(o)
                .FindLearningRate(ml.Data.LoadFromEnumerable(KeyRows(240, 4)), new LearningRateFinderSettings(Iterations: 60));
        }
        var ours = Find(ManagedEngine.Instance);
        var theirs = Find(new TorchSharpEngine());
        CollectionAssert.AreEqual(ours.LearningRates.ToArray(), theirs.LearningRates.ToArray());
        Assert.AreEqual(ours.Diverged, theirs.Diverged);
        double worst = Enumerable.Range(0, ours.Losses.Count).Max(i => Math.Abs(ours.Losses[i] - theirs.Losses[i]));
        Assert.IsLessThan(1e-6, worst, $"largest difference of the smoothed losses {worst} (measured 1.2e-7)");
        Assert.AreEqual(ours.SuggestedLearningRate, theirs.SuggestedLearningRate);
    }

    [TestMethod]
    public void WeightsFiles_MoveBetweenTorchSharpAndStateDictFile_BothWays_Strict()
    {
        string directory = Directory.CreateTempSubdirectory("minibatch-torchsharp-").FullName;
        try
        {
            // TorchSharp's Module.save → our loader, strict.
            manual_seed(3);
            using var theirs = nn.Sequential(("0", nn.Linear(784, 50)), ("1", nn.ReLU()), ("2", nn.Linear(50, 10)));
            string fromTorch = Path.Combine(directory, "from-torchsharp.bin");
            theirs.save(fromTorch);
            var ours = Lesson(99);
            StateDictFile.Load(ours, fromTorch);
            foreach (var (name, parameter) in theirs.named_parameters())
                CollectionAssert.AreEqual(parameter.data<float>().ToArray(), ours.StateDict()[name].AsSpan().ToArray(), name);

            // Our writer → TorchSharp's Module.load, strict.
            var mine = Lesson(5);
            string fromUs = Path.Combine(directory, "from-us.bin");
            StateDictFile.Save(mine, fromUs);
            using var loaded = nn.Sequential(("0", nn.Linear(784, 50)), ("1", nn.ReLU()), ("2", nn.Linear(50, 10)));
            loaded.load(fromUs, strict: true);
            foreach (var (name, parameter) in loaded.named_parameters())
                CollectionAssert.AreEqual(mine.StateDict()[name].AsSpan().ToArray(), parameter.data<float>().ToArray(), name);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// The Debian 12 fix (buildTransitive targets) changed one byte of the output copy of libLibTorchSharp.so, from 0
    /// to 2 (VER_FLG_WEAK), where this machine's libstdc++ lacks GLIBCXX_3.4.32 — and nothing where it has it; the
    /// copy in the NuGet cache is never touched.
    /// </summary>
    [TestMethod]
    public void DebianFix_PatchesOnlyTheOutputCopy_OneFlagByte_WhenLibStdCxxIsOld()
    {
        if (!OperatingSystem.IsLinux()) return;
        string output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string cached = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.IsTrue(File.Exists(output), output);
        Assert.IsTrue(File.Exists(cached), cached);
        byte[] a = File.ReadAllBytes(cached), b = File.ReadAllBytes(output);
        Assert.HasCount(a.Length, b);
        var differing = Enumerable.Range(0, a.Length).Where(i => a[i] != b[i]).ToList();
        string libStdCxx = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6" }.First(File.Exists);
        bool old = !System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(libStdCxx)).Contains("GLIBCXX_3.4.32", StringComparison.Ordinal);
        if (old)
        {
            Assert.HasCount(1, differing);
            Assert.AreEqual(0, a[differing[0]]);
            Assert.AreEqual(2, b[differing[0]]);
        }
        else
        {
            Assert.IsEmpty(differing);
        }
    }

    [TestMethod]
    public void WhatTheEngineCannotTrain_IsRefusedByName()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new TorchSharpEngine().CreateStep(new Sequential(new Linear(4, 3), new LogSoftmax()),
            new OptimizerSettings(OptimizerKind.Sgd, 0.1, 0, 0)));
        StringAssert.Contains(e.Message, "LogSoftmax");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TorchSharpEngine(threads: 0));
    }
}
