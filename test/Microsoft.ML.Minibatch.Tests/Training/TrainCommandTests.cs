using System.CommandLine;
using System.Text.Json;
using Microsoft.ML.Minibatch.Samples;
using Microsoft.ML.Minibatch.Samples.Commands;

namespace Microsoft.ML.Minibatch.Tests.TrainingTests;

using Command = System.CommandLine.Command;

[TestClass]
public sealed class TrainCommandTests
{
    /// <summary>Runs `minibatch train` in process; returns the exit code and what it printed.</summary>
    internal static (int Exit, string Output) Run(params string[] args)
    {
        var output = new StringWriter();
        var root = new RootCommand("test");
        root.Subcommands.Add(TrainCommand.Create(output));
        int exit = CommandLineHost.Run(root, args);
        return (exit, output.ToString());
    }

    [TestMethod]
    [DataRow("--epochs", "0")]
    [DataRow("--epochs", "x")]
    [DataRow("--batch-size", "-3")]
    [DataRow("--lr", "-0.1")]
    [DataRow("--optimizer", "rmsprop")]
    [DataRow("--sampler", "weighted")]
    [DataRow("--split", "half")]
    [DataRow("--lr-schedule", "linear")]
    [DataRow("--hidden", "128,x")]
    [DataRow("--hidden", "0")]
    [DataRow("--threads", "0")]
    [DataRow("--dropout", "1")]
    [DataRow("--dropout", "-0.1")]
    [DataRow("--pct-start", "1")]
    [DataRow("--div", "0.5")]
    [DataRow("--div-final", "x")]
    [DataRow("--moms", "0.9,0.8")]
    [DataRow("--moms", "0.9,1.2,0.9")]
    public void BadOptionValues_AreUsageErrors(string option, string value)
    {
        var (exit, output) = Run("train", option, value);
        Assert.AreEqual(2, exit);
        Assert.AreEqual("", output);
    }

    [TestMethod]
    public void HiddenSizes_ParseCommaSeparated_AndEmptyMeansNoHiddenLayer()
    {
        Assert.IsTrue(TrainCommand.TryParseHidden("128,64", out var sizes));
        CollectionAssert.AreEqual(new[] { 128, 64 }, sizes);
        Assert.IsTrue(TrainCommand.TryParseHidden("", out sizes));
        Assert.IsEmpty(sizes);
        var model = MinibatchNetwork.Create(784, [], 10, new Microsoft.ML.Minibatch.Tensors.Generator(1));
        Assert.AreEqual(1, model.Count);
    }

    [TestMethod]
    public void CorruptData_FailsWithExitOne_AndPrintsNoEpochs()
    {
        // Every file present but wrong: the data layer refuses them (pinned SHA-256) without downloading anything.
        var directory = Directory.CreateTempSubdirectory("minibatch-bad-mnist-").FullName;
        try
        {
            foreach (var name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
            {
                File.WriteAllBytes(Path.Combine(directory, name), [0, 0, 8, 3, 1, 2, 3]);
            }
            var (exit, output) = Run("train", "--data", directory);
            Assert.AreEqual(1, exit);
            Assert.AreEqual("", output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void OneEpochWithJson_EndsWithAParseableSummary()
    {
        var (exit, output) = Run("train", "--epochs", "1", "--json");
        Assert.AreEqual(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.HasCount(2, lines);
        StringAssert.StartsWith(lines[0], "epoch 0");
        using var json = JsonDocument.Parse(lines[^1]);
        var root = json.RootElement;
        Assert.AreEqual(1, root.GetProperty("epochs").GetInt32());
        foreach (var key in new[] { "train_seconds", "seconds_per_epoch", "train_loss", "valid_loss", "valid_accuracy", "peak_working_set_mb" })
        {
            Assert.IsTrue(root.TryGetProperty(key, out var value), key);
            Assert.IsTrue(double.IsFinite(value.GetDouble()), key);
        }
        Assert.IsFalse(root.TryGetProperty("test_accuracy", out _));
        Assert.IsGreaterThan(0.9, root.GetProperty("valid_accuracy").GetDouble());
    }

    [TestMethod]
    public void EngineTorchSharp_TrainsTheLessonsNetwork_ToTheManagedEnginesAccuracy()
    {
        // The lesson's run, 5 epochs, seed 1: the managed engine ends at PyTorch's 0.9524 (Fixtures/trainer_golden.json).
        var (exit, output) = Run("train", "--engine", "torchsharp", "--threads", "1", "--json");
        Assert.AreEqual(0, exit, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.HasCount(6, lines, output);
        using var json = JsonDocument.Parse(lines[^1]);
        Assert.AreEqual(0.9524, json.RootElement.GetProperty("valid_accuracy").GetDouble(), 0.003);
    }
}
