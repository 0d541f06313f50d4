using System.Text.RegularExpressions;
using Microsoft.ML.Minibatch.Samples.Examples;

namespace Microsoft.ML.Minibatch.Tests.UX;

/// <summary>The documented examples (docs/examples.md) compile (they are part of the Samples project) and run to sensible results.</summary>
[TestClass]
public sealed class ExamplesTests
{
    [TestMethod]
    public void FirstProgram_TrainsToTheSeedsAccuracy_AndSavesAModel()
    {
        string path = Path.Combine(Path.GetTempPath(), $"example-{Guid.NewGuid():N}.zip");
        try
        {
            var metrics = FirstProgram.Run(path);
            // PyTorch's run of the same program ends at 95.24 % (Fixtures/trainer_golden.json); every epoch stays above 94 %.
            Assert.IsGreaterThan(0.94, metrics.MicroAccuracy);
            Assert.AreEqual(10000, metrics.ConfusionMatrix.Counts.Sum(r => r.Sum()));
            Assert.IsTrue(File.Exists(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void PlainObjectsPipeline_LearnsFromTheSplitsTrainingPart()
    {
        var metrics = PlainObjectsPipeline.Run(count: 3000);
        long heldOut = (long)metrics.ConfusionMatrix.Counts.Sum(r => r.Sum());
        // TrainTestSplit keeps about a fifth of the 3,000 rows apart (by hash, so not exactly 600).
        Assert.IsTrue(heldOut is > 450 and < 750, $"held out {heldOut}");
        Assert.IsGreaterThan(0.8, metrics.MicroAccuracy);
    }

    [TestMethod]
    public void EngineLoop_HandWrittenEpochThenFitLoop_ReachesTheSeedsAccuracy()
    {
        // Three epochs of the seeds' setup: the lesson reaches about 96 %.
        Assert.IsGreaterThan(0.94, EngineLoop.Run(epochs: 2));
    }

    [TestMethod]
    public void HomeGrownSequential_SavesAStateDictThatTheSameModelInPyTorchLoads_WithTheSameOutputs()
    {
        const string python = "/usr/bin/python3";
        string weights = Path.Combine(Path.GetTempPath(), $"sequential-model-{Guid.NewGuid():N}.bin");
        try
        {
            var model = HomeGrownSequential.Run(weightsPath: weights);
            CollectionAssert.AreEqual(new[] { "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias" }, model.StateDict().Keys.ToArray());
            if (!File.Exists(python))
            {
                Assert.Inconclusive("No /usr/bin/python3 to load the file in PyTorch.");
                return;
            }
            var valid = Minibatch.Data.Mnist.Load(Minibatch.Data.MnistSplit.Valid);
            const int rows = 200;
            float[] ours;
            using (Minibatch.Tensors.Autograd.NoGrad())
                ours = model.Forward(Minibatch.Tensors.Tensor.FromArray(valid.Features.AsSpan(0, rows * 784).ToArray(), rows, 784)).ToArray();

            // The lesson's class, in PyTorch; the images go over as the float32 pixels our engine used.
            string pixels = Path.ChangeExtension(weights, ".f32");
            File.WriteAllBytes(pixels, System.Runtime.InteropServices.MemoryMarshal.AsBytes(valid.Features.AsSpan(0, rows * 784)).ToArray());
            string script = string.Join('\n',
                "import sys, json, numpy, torch",
                "from torch import nn",
                "sys.path.insert(0, sys.argv[1])",
                "from optim_torchsharp_format import load_state_dict",
                "class SequentialModel(nn.Module):",
                "    def __init__(self, layers):",
                "        super().__init__()",
                "        self.layers = nn.ModuleList(layers)",
                "    def __call__(self, x):",
                "        for l in self.layers: x = l(x)",
                "        return x",
                "model = SequentialModel([nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10)])",
                "model.load_state_dict(load_state_dict(sys.argv[2]))",
                "x = torch.from_numpy(numpy.fromfile(sys.argv[3], dtype='<f4').reshape(-1, 784))",
                "with torch.no_grad(): print(json.dumps([float(v) for v in model(x).flatten()]))");
            string stdout = Recipes.DropoutTrainerTests.RunPython(python, script, Path.Combine(AppContext.BaseDirectory, "Fixtures"), weights, pixels);
            File.Delete(pixels);
            var theirs = System.Text.Json.JsonSerializer.Deserialize<float[]>(stdout)!;
            Assert.HasCount(ours.Length, theirs);
            for (int i = 0; i < ours.Length; i++) Assert.AreEqual(theirs[i], ours[i], 1e-5f, $"output {i}");
            Console.WriteLine($"PyTorch SequentialModel outputs vs ours: largest difference {ours.Zip(theirs).Max(p => Math.Abs(p.First - p.Second)):G3}");
        }
        finally
        {
            File.Delete(weights);
        }
    }

    [TestMethod]
    public void CsvBesideLbfgs_LoadFromTextFile_MatchesOrBeatsMlNetsOwnTrainer()
    {
        var directory = Directory.CreateTempSubdirectory("minibatch-csv-");
        try
        {
            string train = Path.Combine(directory.FullName, "train.csv"), test = Path.Combine(directory.FullName, "test.csv");
            MnistCsv.Write(Minibatch.Data.MnistSplit.Train, 10000, train);
            MnistCsv.Write(Minibatch.Data.MnistSplit.Test, 2000, test);
            var (ours, lbfgs) = CsvBesideLbfgs.Run(train, test);
            Assert.AreEqual(2000, ours.ConfusionMatrix.Counts.Sum(r => r.Sum()));
            Assert.AreEqual(2000, lbfgs.ConfusionMatrix.Counts.Sum(r => r.Sum()));
            Assert.IsGreaterThanOrEqualTo(lbfgs.MicroAccuracy, ours.MicroAccuracy);
            Assert.IsLessThanOrEqualTo(lbfgs.LogLoss, ours.LogLoss);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A code block of the documentation (README.md and docs/*.md) that follows <c>&lt;!-- example: PATH --&gt;</c> must be
    /// the file at PATH, verbatim, so the documentation cannot drift from code that compiles and runs; and every example
    /// the command line runs is quoted somewhere.
    /// </summary>
    [TestMethod]
    public void DocumentedExamples_AreTheCompiledFiles()
    {
        var quoted = new HashSet<string>(StringComparer.Ordinal);
        foreach (string page in DocumentationTests.Pages())
        {
            string text = File.ReadAllText(RepositoryFiles.Path(page)).ReplaceLineEndings("\n");
            foreach (Match block in Regex.Matches(text, @"<!-- example: (?<path>[^ ]+) -->\s*```csharp\n(?<code>.*?)```", RegexOptions.Singleline))
            {
                string path = block.Groups["path"].Value;
                string file = File.ReadAllText(RepositoryFiles.Path(path)).ReplaceLineEndings("\n");
                Assert.AreEqual(file, block.Groups["code"].Value, $"{page}'s copy of {path} differs from the file");
                quoted.Add(path);
            }
        }

        string[] examples = ["FirstProgram", "PlainObjectsPipeline", "EngineLoop", "HomeGrownSequential", "CsvBesideLbfgs"];
        foreach (string example in examples)
            Assert.Contains($"src/Samples/Examples/{example}.cs", quoted, $"no page quotes {example}.cs after an <!-- example: PATH --> marker");
        Assert.HasCount(examples.Length, quoted, string.Join(", ", quoted));
    }
}
