using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.NNTests;

/// <summary>Module-level save/load of state dicts in TorchSharp's format, including PyTorch interop.</summary>
[TestClass]
public sealed class StateDictFileTests
{
    private static Sequential Mlp(ulong seed)
    {
        var generator = new Generator(seed);
        return new Sequential(new Linear(4, 3, generator: generator), new ReLU(), new Linear(3, 2, generator: generator));
    }

    private static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    private static string TempDir() => Directory.CreateTempSubdirectory("statedictfile").FullName;

    [TestMethod]
    public void A_saved_module_loads_into_a_fresh_one_bit_for_bit()
    {
        string dir = TempDir();
        try
        {
            string path = Path.Combine(dir, "mlp.bin");
            Sequential source = Mlp(1), target = Mlp(2);
            Assert.AreNotEqual(source.StateDict()["0.weight"].ToArray()[0], target.StateDict()["0.weight"].ToArray()[0]);

            StateDictFile.Save(source, path);
            LoadStateDictResult result = StateDictFile.Load(target, path);

            Assert.IsEmpty(result.MissingKeys);
            Assert.IsEmpty(result.UnexpectedKeys);
            foreach ((string key, Tensor tensor) in source.StateDict())
                CollectionAssert.AreEqual(Bits(tensor), Bits(target.StateDict()[key]), key);

            OrderedDictionary<string, Tensor> raw = StateDictFile.Load(path);
            CollectionAssert.AreEqual(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, raw.Keys.ToArray());
            CollectionAssert.AreEqual(new[] { 3, 4 }, raw["0.weight"].GetShape());
            CollectionAssert.AreEqual(new[] { 2 }, raw["2.bias"].GetShape());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Saving_takes_a_snapshot_and_streams_work_too()
    {
        Sequential model = Mlp(1);
        using var stream = new MemoryStream();
        StateDictFile.Save(model, stream);
        float saved = model.StateDict()["2.bias"].ToArray()[0];
        model.StateDict()["2.bias"].AsSpan()[0] = 123f; // keeps training after the save
        stream.Position = 0;
        OrderedDictionary<string, Tensor> loaded = StateDictFile.Load(stream);
        Assert.AreEqual(saved, loaded["2.bias"].ToArray()[0]);

        stream.Position = 0;
        StateDictFile.Load(model, stream);
        Assert.AreEqual(saved, model.StateDict()["2.bias"].ToArray()[0]);
    }

    [TestMethod]
    public void The_Python_fixture_loads_into_a_module_non_strictly()
    {
        // The script wrote 0.weight [3,4], 0.bias [3], 2.weight [2,3], 2.bias [2] plus three extra keys.
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "optim_statedict_from_python.bin");
        Sequential model = Mlp(5);
        LoadStateDictResult result = StateDictFile.Load(model, path, strict: false);
        Assert.IsEmpty(result.MissingKeys);
        CollectionAssert.AreEquivalent(new[] { "scalar", "empty", "gewicht.üß" }, result.UnexpectedKeys.ToArray());
        float[] bias = model.StateDict()["2.bias"].ToArray();
        Assert.AreEqual(float.PositiveInfinity, bias[0]);
        Assert.AreEqual(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(bias[1]));

        InvalidDataException strict = Assert.ThrowsExactly<InvalidDataException>(() => StateDictFile.Load(Mlp(5), path));
        StringAssert.Contains(strict.Message, path);
        StringAssert.Contains(strict.Message, "Unexpected key(s)");
    }

    [TestMethod]
    public void A_file_for_another_model_is_refused_and_changes_nothing()
    {
        string dir = TempDir();
        try
        {
            string path = Path.Combine(dir, "other.bin");
            var generator = new Generator(3);
            StateDictFile.Save(new Sequential(new Linear(4, 7, generator: generator), new ReLU(), new Linear(7, 2, generator: generator)), path);
            Sequential model = Mlp(1);
            int[] before = Bits(model.StateDict()["2.bias"]);

            InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => StateDictFile.Load(model, path));
            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, "size mismatch for 0.weight");
            CollectionAssert.AreEqual(before, Bits(model.StateDict()["2.bias"]));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Malformed_files_and_bad_arguments_are_reported()
    {
        string dir = TempDir();
        try
        {
            string path = Path.Combine(dir, "truncated.bin");
            File.WriteAllBytes(path, [4, 8, (byte)'0', (byte)'.']);
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => StateDictFile.Load(Mlp(1), path)).Message, path);
            Assert.ThrowsExactly<FileNotFoundException>(() => StateDictFile.Load(Path.Combine(dir, "missing.bin")));
            using (var zipLike = new MemoryStream([4, 8]))
            {
                InvalidDataException named = Assert.ThrowsExactly<InvalidDataException>(() => StateDictFile.Load(Mlp(1), zipLike, sourceName: "model.zip, entry weights.bin"));
                StringAssert.Contains(named.Message, "model.zip, entry weights.bin");
            }

            var duplicate = new List<KeyValuePair<string, Tensor>> { new("a", Tensor.Zeros(1)), new("a", Tensor.Zeros(1)) };
            Assert.ThrowsExactly<ArgumentException>(() => StateDictFile.Save(duplicate, Path.Combine(dir, "dup.bin")));
            Assert.IsFalse(File.Exists(Path.Combine(dir, "dup.bin")));
            Assert.IsEmpty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void A_module_saved_here_gives_the_same_outputs_in_PyTorch()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            Assert.Inconclusive("No /usr/bin/python3 to load the file in PyTorch.");
            return;
        }
        string dir = TempDir();
        try
        {
            string path = Path.Combine(dir, "mlp.bin");
            Sequential model = Mlp(7);
            StateDictFile.Save(model, path);
            float[] input = [0.5f, -1.25f, 2f, 0.75f, -0.5f, 0.25f, 1f, -2f];
            float[] ours = model.Forward(Tensor.FromArray(input, 2, 4)).ToArray();

            string script = string.Join('\n',
                "import sys, json, torch",
                "sys.path.insert(0, sys.argv[1])",
                "from optim_torchsharp_format import load_state_dict",
                "model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))",
                "model.load_state_dict(load_state_dict(sys.argv[2]))",
                "x = torch.tensor(json.loads(sys.argv[3]), dtype=torch.float32).reshape(2, 4)",
                "with torch.no_grad(): print(json.dumps([float(v) for v in model(x).flatten()]))");
            var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Fixtures"));
            start.ArgumentList.Add(path);
            start.ArgumentList.Add("[" + string.Join(",", input.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]");
            using Process process = Process.Start(start)!;
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 && stderr.Result.Contains("No module named", StringComparison.Ordinal))
            {
                Assert.Inconclusive($"PyTorch/numpy not available: {stderr.Result}");
                return;
            }
            Assert.AreEqual(0, process.ExitCode, stderr.Result);
            float[] theirs = JsonSerializer.Deserialize<double[]>(stdout)!.Select(v => (float)v).ToArray();
            Assert.HasCount(ours.Length, theirs);
            for (int i = 0; i < ours.Length; i++)
                Assert.AreEqual(theirs[i], ours[i], 1e-6f * Math.Max(1f, Math.Abs(theirs[i])), $"output {i}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
