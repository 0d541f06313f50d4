using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Tests.UX;
using MnistFiles = Microsoft.ML.Minibatch.Tests.Trainers.MnistFiles;

namespace Microsoft.ML.Minibatch.Tests.MLNet;

/// <summary>
/// A model saved with <c>ml.Model.Save</c> — a user's chain with an ML.NET transform and our trainer — is loaded and
/// run by a separate program (test/DeployedModel) that references only Microsoft.ML, Microsoft.ML.OnnxTransformer and
/// Microsoft.ML.OnnxRuntime, and reproduces our predictions.
/// </summary>
[TestClass]
public sealed class DeployedModelTests
{
    private const int Rows = 2000;

    [TestMethod]
    public void AProgramWithoutThisLibrary_LoadsTheZip_AndReproducesOurPredictions()
    {
        string program = DeployedProgram();
        // The program really has never heard of this library.
        string deps = File.ReadAllText(Path.ChangeExtension(program, ".deps.json"));
        Assert.DoesNotContain("Minibatch", deps);
        Assert.IsFalse(File.Exists(Path.Combine(Path.GetDirectoryName(program)!, "Microsoft.ML.Minibatch.dll")));

        var ml = new MLContext(seed: 1);
        var (images, labels) = MnistFiles.Train(MnistFiles.Require());
        IDataView all = ml.Data.LoadIdx(images, labels);
        IDataView train = ml.Data.TakeRows(all, 5000);
        IDataView test = ml.Data.TakeRows(ml.Data.SkipRows(all, 50000), Rows);
        var pipeline = ml.Transforms.NormalizeMinMax("Features")
            .Append(ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options { HiddenLayers = [32], NumberOfEpochs = 2, Seed = 3 }));
        var model = pipeline.Fit(train);

        var work = Directory.CreateTempSubdirectory("minibatch-deployed-");
        try
        {
            string zip = Path.Combine(work.FullName, "model.zip"), input = Path.Combine(work.FullName, "features.bin"), output = Path.Combine(work.FullName, "out.tsv");
            ml.Model.Save(model, train.Schema, zip);
            var features = ml.Data.CreateEnumerable<FeatureRow>(test, reuseRowObject: false).Select(r => r.Features).ToList();
            using (var writer = new BinaryWriter(File.Create(input)))
            {
                writer.Write(features.Count);
                writer.Write(784);
                foreach (var row in features) foreach (float v in row) writer.Write(v);
            }

            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { program, zip, input, output }) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            string stderr = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            Assert.IsTrue(process.WaitForExit(120_000), "the deployed program did not finish");
            Assert.AreEqual(0, process.ExitCode, stderr);

            var lines = File.ReadAllLines(output);
            var transformed = lines.Where(l => char.IsDigit(l[0])).Select(Parse).ToList();
            var engine = lines.Where(l => l.StartsWith("engine\t", StringComparison.Ordinal)).Select(l => Parse(l["engine\t".Length..])).ToList();
            var ours = ml.Data.CreateEnumerable<Scored>(model.Transform(test), reuseRowObject: false).ToList();
            Assert.HasCount(Rows, transformed);
            Assert.HasCount(20, engine);
            for (int r = 0; r < Rows; r++)
            {
                Assert.AreEqual(ours[r].PredictedLabel, transformed[r].Predicted, $"row {r}");
                for (int k = 0; k < 10; k++) Assert.AreEqual(ours[r].Score[k], transformed[r].Score[k], EstimatorChecks.LoadedScoreTolerance, $"row {r}, class {k}");
            }
            for (int r = 0; r < engine.Count; r++)
            {
                Assert.AreEqual(transformed[r].Predicted, engine[r].Predicted, $"engine row {r}");
                CollectionAssert.AreEqual(transformed[r].Score, engine[r].Score, $"engine row {r}");
            }
            CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray(),
                lines.Single(l => l.StartsWith("keyvalues\t", StringComparison.Ordinal)).Split('\t')[1..]);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static (uint Predicted, float[] Score) Parse(string line)
    {
        var parts = line.Split('\t');
        return (uint.Parse(parts[0], CultureInfo.InvariantCulture), parts[1..].Select(p => float.Parse(p, CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>The DeployedModel program built beside the tests (same configuration).</summary>
    private static string DeployedProgram()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = output.Parent!.Name, framework = output.Name;
        string path = RepositoryFiles.Path(Path.Combine("test", "DeployedModel", "bin", configuration, framework, "DeployedModel.dll"));
        Assert.IsTrue(File.Exists(path), $"{path} was not built");
        return path;
    }

    private sealed class FeatureRow
    {
        [VectorType(784)] public float[] Features { get; set; } = [];
    }

    private sealed class Scored
    {
        public uint PredictedLabel { get; set; }
        public float[] Score { get; set; } = [];
    }
}
