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

    [TestMethod]
    public void Csv_64Pixels_TenClasses_TrainsAtLeastAsWellAsLbfgs_AndEveryVerbWorks()
    {
        string train = Path.Combine(_work, "digits-train.csv"), valid = Path.Combine(_work, "digits-valid.csv");
        string model = Path.Combine(_work, "digits.zip"), report = Path.Combine(_work, "digits.html");
        AnyDataSets.WriteDigits8x8Csv(train, MnistSplit.Train, 0, 3000);
        AnyDataSets.WriteDigits8x8Csv(valid, MnistSplit.Test, 0, 1000);

        var fit = Run("train", "--data", train, "--valid", valid, "--epochs", "20", "--lr", "0.05", "--momentum", "0.9", "--hidden", "100",
            "--lr-schedule", "cosine", "--model", model, "--json");
        Assert.AreEqual(0, fit.Code, fit.Output);
        var evaluate = Run("evaluate", "--model", model, "--data", valid, "--json");
        Assert.AreEqual(0, evaluate.Code, evaluate.Output);
        using var metrics = JsonDocument.Parse(evaluate.Output);
        double ours = metrics.RootElement.GetProperty("micro_accuracy").GetDouble();
        Assert.AreEqual(1000, metrics.RootElement.GetProperty("rows").GetInt32());
        // The history's last validation accuracy is the same number: evaluate ran ML.NET's loaded chain on the same rows.
        using var summary = JsonDocument.Parse(fit.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.AreEqual(summary.RootElement.GetProperty("valid_accuracy").GetDouble(), ours, 1e-9);

        // ML.NET's own pipeline for the same files: MapValueToKey, Concatenate, NormalizeMinMax, LbfgsMaximumEntropy.
        var ml = new MLContext(seed: 1);
        var columns = Enumerable.Range(0, 64).Select(i => new Microsoft.ML.Data.TextLoader.Column($"p{i}", Microsoft.ML.Data.DataKind.Single, i))
            .Append(new Microsoft.ML.Data.TextLoader.Column("digit", Microsoft.ML.Data.DataKind.String, 64)).ToArray();
        var trainView = ml.Data.LoadFromTextFile(train, columns, ',', hasHeader: true);
        var validView = ml.Data.LoadFromTextFile(valid, columns, ',', hasHeader: true);
        var lbfgs = ml.Transforms.Conversion.MapValueToKey("Label", "digit")
            .Append(ml.Transforms.Concatenate("Features", Enumerable.Range(0, 64).Select(i => $"p{i}").ToArray()))
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy()).Fit(trainView);
        double theirs = ml.MulticlassClassification.Evaluate(lbfgs.Transform(validView)).MicroAccuracy;
        TestContext.WriteLine($"8x8 CSV, 10 classes, 1000 held-out rows: minibatch {ours:F4}, LbfgsMaximumEntropy {theirs:F4}");
        Assert.IsGreaterThanOrEqualTo(theirs, ours, $"minibatch {ours} vs LbfgsMaximumEntropy {theirs}");

        var predict = Run("predict", "--model", model, "--data", valid, "--index", "0");
        Assert.AreEqual(0, predict.Code, predict.Output);
        StringAssert.Contains(predict.Output, "row 0: label 7, predicted");
        StringAssert.Contains(predict.Output, "p63");
        var html = Run("report", "--model", model, "--data", valid, "--out", report, "--mistakes", "5");
        Assert.AreEqual(0, html.Code, html.Output);
        string page = File.ReadAllText(report);
        Assert.AreEqual(100, System.Text.RegularExpressions.Regex.Matches(page, "<td class=\"(hit|miss)").Count);
        StringAssert.Contains(page, "class=\"mistake-rows\"");
    }

    [TestMethod]
    public void Csv_StringLabels_NoHeader_Tab_DefaultSplit()
    {
        string path = Path.Combine(_work, "animals.tsv"), model = Path.Combine(_work, "animals.zip");
        var random = new Random(3);
        string[] names = ["cat", "dog", "bird"];
        var lines = Enumerable.Range(0, 600).Select(i =>
        {
            int k = i % 3;
            return $"{names[k]}\t{k + random.NextDouble() * 0.8:F3}\t{2 - k + random.NextDouble() * 0.8:F3}";
        });
        File.WriteAllLines(path, lines);
        var fit = Run("train", "--data", path, "--label-column", "0", "--epochs", "5", "--model", model, "--json");
        Assert.AreEqual(0, fit.Code, fit.Output);
        using var summary = JsonDocument.Parse(fit.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.IsGreaterThan(0.9, summary.RootElement.GetProperty("valid_accuracy").GetDouble());
        var evaluate = Run("evaluate", "--model", model, "--data", path, "--json");
        Assert.AreEqual(0, evaluate.Code, evaluate.Output);
        using var metrics = JsonDocument.Parse(evaluate.Output);
        // Keys in order of first appearance.
        CollectionAssert.AreEqual(names, metrics.RootElement.GetProperty("class_names").EnumerateArray().Select(e => e.GetString()).ToArray());
        var predict = Run("predict", "--model", model, "--data", path, "--index", "1");
        Assert.AreEqual(0, predict.Code, predict.Output);
        StringAssert.Contains(predict.Output, "row 1: label dog");
    }

    [TestMethod]
    [DataRow("bad-cell", "a,b,label\n1,2,x\n3,oops,y\n", "bad-cell.csv line 3, column 1 ('b'): 'oops' is not a number")]
    [DataRow("ragged", "a,b,label\n1,2,x\n3,y\n", "ragged.csv line 3: ragged rows: 2 cells where the header has 3")]
    [DataRow("empty", "", "empty.csv: the file is empty")]
    [DataRow("single", "a,b,label\n1,2,x\n3,4,x\n", "a single class ('x')")]
    [DataRow("clash", "a,a,label\n1,2,x\n3,4,y\n", "header names clash: 'a' names columns 0 and 1")]
    [DataRow("nolabel", "a,b,label\n1,2,x\n3,4,y\n", "the label column does not exist: no header name 'kind'")]
    public void BadCsv_OneLine_ExitOne_NothingWritten(string name, string content, string expected)
    {
        string path = Path.Combine(_work, name + ".csv"), model = Path.Combine(_work, name + ".zip");
        File.WriteAllText(path, content);
        var args = new List<string> { "train", "--data", path, "--model", model };
        if (name == "nolabel") args.AddRange(["--label-column", "kind"]);
        var (exit, stdout, stderr) = MinibatchProgram.Run(TimeSpan.FromMinutes(2), args.ToArray());
        Assert.AreEqual(1, exit, stderr);
        var errorLines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, errorLines, stderr);
        StringAssert.Contains(errorLines[0], expected);
        Assert.AreEqual("", stdout);
        Assert.IsFalse(File.Exists(model));
    }
}
