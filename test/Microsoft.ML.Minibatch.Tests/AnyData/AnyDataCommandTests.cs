using System.CommandLine;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Samples;
using Microsoft.ML.Minibatch.Samples.Commands;

namespace Microsoft.ML.Minibatch.Tests.AnyData;

/// <summary>
/// The command line on data sets that are not MNIST: a 20×20, 26-class IDX set, a subset of MNIST, and a 64-pixel
/// ten-class CSV file; each trained model compared with ML.NET's LbfgsMaximumEntropy on the same rows.
/// </summary>
[TestClass]
public sealed class AnyDataCommandTests
{
    private static string _work = "";

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void Create(TestContext _) => _work = Directory.CreateTempSubdirectory("minibatch-anydata-").FullName;

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var output = new StringWriter();
        var root = new RootCommand("test");
        root.Subcommands.Add(DataCommand.Create(output, TextWriter.Null));
        root.Subcommands.Add(TrainCommand.Create(output));
        root.Subcommands.Add(EvaluateCommand.Create(output));
        root.Subcommands.Add(PredictCommand.Create(output));
        root.Subcommands.Add(ReportCommand.Create(output));
        root.Subcommands.Add(ExportCommand.Create(output));
        int code = CommandLineHost.Run(root, args);
        return (code, output.ToString());
    }

    private static double Lbfgs(MLContext ml, IDataView train, IDataView test)
    {
        var model = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy().Fit(train);
        return ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
    }

    [TestMethod]
    public void IdxSet_20x20_26Classes_TrainsAtLeastAsWellAsLbfgs_AndEveryVerbWorks()
    {
        string dir = Path.Combine(_work, "letters"), model = Path.Combine(_work, "letters.zip"), report = Path.Combine(_work, "letters.html");
        AnyDataSets.WriteSyntheticIdx(dir, side: 20, classes: 26, trainCount: 3120, testCount: 1040, seed: 7);

        var data = Run("data", "--data", dir, "--json");
        Assert.AreEqual(0, data.Code, data.Output);
        using (var json = JsonDocument.Parse(data.Output))
        {
            Assert.IsFalse(json.RootElement.GetProperty("original_mnist").GetBoolean());
            Assert.AreEqual(20, json.RootElement.GetProperty("rows").GetInt32());
            Assert.AreEqual(20, json.RootElement.GetProperty("columns").GetInt32());
            Assert.AreEqual(26, json.RootElement.GetProperty("classes").GetInt32());
            Assert.AreEqual(3120 - 520, json.RootElement.GetProperty("train").GetProperty("count").GetInt32());
            Assert.AreEqual(26, json.RootElement.GetProperty("test").GetProperty("class_counts").GetArrayLength());
        }

        var train = Run("train", "--data", dir, "--epochs", "20", "--lr", "0.05", "--momentum", "0.9", "--hidden", "200", "--lr-schedule", "cosine", "--model", model, "--json");
        Assert.AreEqual(0, train.Code, train.Output);
        var evaluate = Run("evaluate", "--model", model, "--data", dir, "--split", "test", "--json");
        Assert.AreEqual(0, evaluate.Code, evaluate.Output);
        using var metrics = JsonDocument.Parse(evaluate.Output);
        double ours = metrics.RootElement.GetProperty("micro_accuracy").GetDouble();
        Assert.AreEqual(26, metrics.RootElement.GetProperty("confusion_matrix").GetArrayLength());
        Assert.AreEqual(26, metrics.RootElement.GetProperty("confusion_matrix")[0].GetArrayLength());
        Assert.AreEqual("25", metrics.RootElement.GetProperty("class_names")[25].GetString());

        // LbfgsMaximumEntropy on the same training rows (the first five sixths of the training file), the same test rows.
        var ml = new MLContext(seed: 1);
        var all = ml.Data.LoadIdx(Path.Combine(dir, Mnist.TrainImagesFileName), Path.Combine(dir, Mnist.TrainLabelsFileName), 26);
        double theirs = Lbfgs(ml, ml.Data.TakeRows(all, 2600), ml.Data.LoadIdx(Path.Combine(dir, Mnist.TestImagesFileName), Path.Combine(dir, Mnist.TestLabelsFileName), 26));
        TestContext.WriteLine($"20x20, 26 classes, test split: minibatch {ours:F4}, LbfgsMaximumEntropy {theirs:F4}");
        Assert.IsGreaterThanOrEqualTo(theirs, ours, $"minibatch {ours} vs LbfgsMaximumEntropy {theirs}");
        Assert.IsGreaterThan(0.5, ours);

        var predict = Run("predict", "--model", model, "--data", dir, "--index", "3");
        Assert.AreEqual(0, predict.Code, predict.Output);
        var lines = predict.Output.Split('\n');
        Assert.IsTrue(lines.Take(20).All(l => l.Length <= 40) && lines.Take(20).Any(l => l.Contains('█')), predict.Output);
        StringAssert.StartsWith(lines[20], "row 3: label 3, predicted");
        Assert.AreEqual(26, lines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*\d+ \d\.\d{6}")));

        var html = Run("report", "--model", model, "--data", dir, "--out", report, "--mistakes", "5");
        Assert.AreEqual(0, html.Code, html.Output);
        string page = File.ReadAllText(report);
        Assert.AreEqual(26 * 26, System.Text.RegularExpressions.Regex.Matches(page, "<td class=\"(hit|miss)").Count);
        StringAssert.Contains(page, "width=\"60\" height=\"60\"");

        var export = Run("export", "--model", model, "--onnx", Path.Combine(_work, "letters.onnx"));
        Assert.AreEqual(0, export.Code, export.Output);
        StringAssert.Contains(export.Output, "[N, 400], output 'Score' [N, 26]");
    }

    [TestMethod]
    public void MnistSubset_IsNotTheOriginal_AndTrains()
    {
        string dir = Path.Combine(_work, "subset");
        AnyDataSets.WriteMnistSubset(dir, 6000, 1000);
        var data = Run("data", "--data", dir);
        Assert.AreEqual(0, data.Code, data.Output);
        StringAssert.Contains(data.Output, "not the original MNIST: SHA-256 differs (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte); used as given");
        StringAssert.Contains(data.Output, "28×28 images, 10 classes");

        var train = Run("train", "--data", dir, "--epochs", "2", "--json");
        Assert.AreEqual(0, train.Code, train.Output);
        using var json = JsonDocument.Parse(train.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.IsGreaterThan(0.85, json.RootElement.GetProperty("valid_accuracy").GetDouble());
    }

    [TestMethod]
    public void DefaultCache_IsTheOriginalMnist()
    {
        var data = Run("data");
        Assert.AreEqual(0, data.Code, data.Output);
        StringAssert.Contains(data.Output, ": the original MNIST");
    }
}
