using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;
using static Microsoft.ML.Minibatch.Tests.Trainers.TrainerTestData;

namespace Microsoft.ML.Minibatch.Tests.Recipes;

/// <summary>
/// <c>Options.DropoutRate</c> through the trainer, the saved model, ML.NET's loader, the ONNX export and PyTorch. The
/// masks themselves are checked against PyTorch in DropoutTests; here, that the network is PyTorch's
/// <c>nn.Sequential(Linear, ReLU, Dropout, Linear)</c>, that training uses the masks (reproducibly) and that nothing
/// after training does.
/// </summary>
[TestClass]
public sealed class DropoutTrainerTests
{
    private sealed class Scored
    {
        public float[] Score { get; set; } = [];
    }

    private static MinibatchTransformer Fit(float dropout, int seed = 7)
    {
        var ml = new MLContext(seed: 1);
        var o = Small(4);
        o.HiddenLayers = [16];
        o.Sampler = SamplerKind.Random;
        o.DropoutRate = dropout;
        o.Seed = seed;
        return ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(KeyRows(96, 3)));
    }

    [TestMethod]
    [DataRow(-0.1f)]
    [DataRow(1f)]
    [DataRow(float.NaN)]
    public void A_rate_outside_0_to_1_is_refused(float rate)
    {
        var ml = new MLContext(seed: 1);
        var o = Small();
        o.DropoutRate = rate;
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Minibatch(o));
        Assert.AreEqual(nameof(MinibatchTrainer.Options.DropoutRate), e.ParamName);
    }

    [TestMethod]
    public void The_network_is_PyTorchs_Sequential_with_Dropout_after_each_hidden_ReLU()
    {
        var ml = new MLContext(seed: 1);
        var o = Small(1);
        o.HiddenLayers = [6, 5];
        o.DropoutRate = 0.25f;
        var model = ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(KeyRows(24, 3)));
        CollectionAssert.AreEqual(new[] { "0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias" }, model.Model.StateDict().Keys.ToArray());
        Assert.AreEqual(string.Join('\n',
            "Sequential(",
            "  (0): Linear(in_features=4, out_features=6, bias=True)",
            "  (1): ReLU()",
            "  (2): Dropout(p=0.25, inplace=False)",
            "  (3): Linear(in_features=6, out_features=5, bias=True)",
            "  (4): ReLU()",
            "  (5): Dropout(p=0.25, inplace=False)",
            "  (6): Linear(in_features=5, out_features=3, bias=True)",
            ")"), model.Model.ToString());
        CollectionAssert.AreEqual(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, Fit(0).Model.StateDict().Keys.ToArray(), "rate 0 keeps 0, 2, 4");
    }

    [TestMethod]
    public void Same_seed_gives_the_same_weights_and_dropout_changes_the_training()
    {
        var a = Fit(0.3f);
        var b = Fit(0.3f);
        AssertSameWeights(a, b);
        var without = Fit(0);
        CollectionAssert.AreNotEqual(Weights(without)[0], Weights(a)[0], "the masks changed the gradients");
        CollectionAssert.AreNotEqual(Weights(Fit(0.3f, seed: 8))[0], Weights(a)[0]);
        // The initial weights are drawn before any mask: zero epochs give the same network with and without dropout.
        var ml = new MLContext(seed: 1);
        var o = Small(0);
        o.HiddenLayers = [16];
        var rows = ml.Data.LoadFromEnumerable(KeyRows(96, 3));
        var init = ml.MulticlassClassification.Trainers.Minibatch(o).Fit(rows);
        o = Small(0);
        o.HiddenLayers = [16];
        o.DropoutRate = 0.3f;
        AssertSameWeights(init, ml.MulticlassClassification.Trainers.Minibatch(o).Fit(rows));
    }

    [TestMethod]
    public void FromNetwork_takes_a_network_with_dropout_and_refuses_mixed_rates()
    {
        var g = new Generator(3);
        var network = new Sequential(new Linear(4, 6, generator: g), new ReLU(), new Dropout(0.2, g), new Linear(6, 3, generator: g));
        var model = MinibatchTransformer.FromNetwork(network);
        Assert.AreEqual(0.2f, model.TrainingOptions.DropoutRate);
        CollectionAssert.AreEqual(new[] { 6 }, model.TrainingOptions.HiddenLayers);
        var mixed = new Sequential(new Linear(4, 6, generator: g), new ReLU(), new Dropout(0.2, g), new Linear(6, 5, generator: g),
            new ReLU(), new Dropout(0.3, g), new Linear(5, 3, generator: g));
        Assert.ThrowsExactly<ArgumentException>(() => MinibatchTransformer.FromNetwork(mixed));
    }

    [TestMethod]
    public void Dropout_masks_come_from_the_arena_and_equal_those_drawn_outside_it()
    {
        var input = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => i * 0.25f).ToArray(), 8, 8);
        float[] plain = Functional.Dropout(input, 0.4, true, new Generator(5)).ToArray();
        var arena = new TensorArena();
        var generator = new Generator(5);
        float[] first;
        using (arena.Activate()) first = Functional.Dropout(input, 0.4, true, generator).ToArray();
        CollectionAssert.AreEqual(plain, first);
        long capacity = arena.CapacityInFloats;
        Assert.IsGreaterThanOrEqualTo(2 * 64L, capacity, "mask and result both rented");
        arena.Reset();
        using (arena.Activate()) Functional.Dropout(input, 0.4, true, generator);
        Assert.AreEqual(capacity, arena.CapacityInFloats, "the second batch reuses the first one's buffers");
    }

    [TestMethod]
    public void Saved_loaded_by_us_and_by_MLNET_and_exported_to_ONNX_without_dropout_at_inference()
    {
        var model = Fit(0.5f);
        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(KeyRows(40, 11));

        // Our scores twice (scoring is evaluation mode: no mask, so no randomness), and from the engine's own eval forward.
        var features = KeyRows(40, 11).SelectMany(r => r.Features).ToArray();
        var ours = new float[40 * 3];
        var again = new float[40 * 3];
        model.Score(features, ours);
        model.Score(features, again);
        CollectionAssert.AreEqual(ours, again);
        model.Model.Eval();
        float[] logits;
        using (Autograd.NoGrad()) logits = Functional.LogSoftmax(model.Model.Forward(Tensor.FromArray(features, 40, 4))).ToArray();
        for (int i = 0; i < ours.Length; i++) Assert.AreEqual(MathF.Exp(logits[i]), ours[i], 1e-6f, $"eval forward {i}");

        using var zip = new MemoryStream();
        ml.Model.Save(model, rows.Schema, zip);

        zip.Position = 0;
        var loaded = MinibatchTransformer.Load(zip);
        Assert.AreEqual(0.5f, loaded.TrainingOptions.DropoutRate);
        AssertSameWeights(model, loaded);
        Assert.IsInstanceOfType<Dropout>(loaded.Model[2]);

        zip.Position = 0;
        var theirs = ml.Data.CreateEnumerable<Scored>(ml.Model.Load(zip, out _).Transform(rows), reuseRowObject: false)
            .SelectMany(s => s.Score).ToArray();
        Assert.HasCount(ours.Length, theirs);
        double worst = 0;
        for (int i = 0; i < ours.Length; i++) worst = Math.Max(worst, Math.Abs(ours[i] - theirs[i]));
        Assert.IsLessThanOrEqualTo(1e-5, worst, "ML.NET's ApplyOnnxModel chain scores as we do");
        Console.WriteLine($"ML.NET's loaded chain vs our scores: largest difference {worst:G3}");

        string onnx = Path.Combine(Path.GetTempPath(), $"dropout-{Guid.NewGuid():N}.onnx");
        try
        {
            model.ExportOnnx(onnx);
            var contents = Onnx.OnnxMlp.Read(File.ReadAllBytes(onnx), onnx);
            CollectionAssert.AreEquivalent(new[] { "0.weight", "0.bias", "3.weight", "3.bias" }, contents.Initializers.Keys.ToArray());
            using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx);
            var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(features, [40, 4]);
            using var results = session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("Features", input)]);
            var score = results.Single(r => r.Name == "Score").AsTensor<float>().ToArray();
            for (int i = 0; i < ours.Length; i++) Assert.AreEqual(ours[i], score[i], 1e-5f, $"ONNX score {i}");
            Console.WriteLine($"ONNX Runtime vs our scores: largest difference {ours.Zip(score).Max(p => Math.Abs(p.First - p.Second)):G3}");
        }
        finally
        {
            File.Delete(onnx);
        }
    }

    [TestMethod]
    public void The_state_dict_loads_into_PyTorchs_Sequential_with_Dropout_and_gives_our_eval_outputs()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            Assert.Inconclusive("No /usr/bin/python3 to load the file in PyTorch.");
            return;
        }
        var model = Fit(0.5f);
        string path = Path.Combine(Path.GetTempPath(), $"dropout-{Guid.NewGuid():N}.bin");
        try
        {
            StateDictFile.Save(model.Model, path);
            var features = KeyRows(10, 5).SelectMany(r => r.Features).ToArray();
            model.Model.Eval();
            float[] ours;
            using (Autograd.NoGrad()) ours = model.Model.Forward(Tensor.FromArray(features, 10, 4)).ToArray();

            string script = string.Join('\n',
                "import sys, json, torch",
                "sys.path.insert(0, sys.argv[1])",
                "from optim_torchsharp_format import load_state_dict",
                "model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(16, 3))",
                "model.load_state_dict(load_state_dict(sys.argv[2]))",
                "model.eval()",
                "x = torch.tensor(json.loads(sys.argv[3]), dtype=torch.float32).reshape(10, 4)",
                "with torch.no_grad(): print(json.dumps([float(v) for v in model(x).flatten()]))");
            string stdout = RunPython(python, script, Path.Combine(AppContext.BaseDirectory, "Fixtures"), path,
                "[" + string.Join(",", features.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]");
            var theirs = JsonSerializer.Deserialize<float[]>(stdout)!;
            Assert.HasCount(ours.Length, theirs);
            for (int i = 0; i < ours.Length; i++) Assert.AreEqual(theirs[i], ours[i], 1e-6f, $"output {i}");
            Console.WriteLine($"PyTorch eval outputs vs ours: largest difference {ours.Zip(theirs).Max(p => Math.Abs(p.First - p.Second)):G3}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static string RunPython(string python, string script, params string[] args)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var a in args) start.ArgumentList.Add(a);
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && stderr.Result.Contains("No module named", StringComparison.Ordinal))
            Assert.Inconclusive("PyTorch is not installed for /usr/bin/python3.");
        Assert.AreEqual(0, process.ExitCode, stderr.Result);
        return stdout;
    }
}
