using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Samples;
using Microsoft.ML.Minibatch.Samples.Commands;

namespace Microsoft.ML.Minibatch.Tests.Trainers;

using Command = System.CommandLine.Command;

/// <summary>The model verbs of the command line, and PyTorch reading what `export` writes.</summary>
[TestClass]
public sealed class MinibatchCommandTests
{
    private static string? _directory;
    private static string _model = "";
    private static string _work = "";

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        _directory = MnistFiles.Directory;
        if (_directory == null) return;
        _work = Path.Combine(Path.GetTempPath(), "minibatch-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_work);
        _model = Path.Combine(_work, "model.zip");
        var ml = new MLContext(seed: 1);
        var (images, labels) = MnistFiles.Train(_directory);
        var all = ml.Data.LoadIdx(images, labels);
        var model = ml.MulticlassClassification.Trainers.Minibatch(new MinibatchTrainer.Options { NumberOfEpochs = 1, HiddenLayers = new[] { 32 } })
            .Fit(ml.Data.TakeRows(all, 50000));
        ml.Model.Save(model, all.Schema, _model);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (_work.Length > 0 && Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    private static string Require() => _directory!;

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var root = new RootCommand("test");
        root.Subcommands.Add(EvaluateCommand.Create(output));
        root.Subcommands.Add(PredictCommand.Create(output));
        root.Subcommands.Add(ExportCommand.Create(output));
        root.Subcommands.Add(TrainCommand.Create(output));
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            int code = CommandLineHost.Run(root, args);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetError(previous);
        }
    }

    [TestMethod]
    public void Evaluate_Json_HasMLNetMetrics_ThatMatchTheLibrary()
    {
        var dir = Require();
        var (code, output, _) = Run("evaluate", "--model", _model, "--data", dir, "--json");
        Assert.AreEqual(0, code);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var ml = new MLContext(seed: 1);
        var (images, labels) = MnistFiles.Train(dir);
        var valid = ml.Data.SkipRows(ml.Data.LoadIdx(images, labels), 50000);
        // The command scores with our own engine, exactly as the library does.
        var m = ml.MulticlassClassification.Evaluate(MinibatchTransformer.Load(_model).Transform(valid));
        Assert.AreEqual(m.MicroAccuracy, root.GetProperty("micro_accuracy").GetDouble());
        Assert.AreEqual(m.MacroAccuracy, root.GetProperty("macro_accuracy").GetDouble());
        Assert.AreEqual(m.LogLoss, root.GetProperty("log_loss").GetDouble());
        Assert.AreEqual(m.LogLossReduction, root.GetProperty("log_loss_reduction").GetDouble());
        // ML.NET's own loader gives the ONNX chain: the same predictions, the loss within ONNX Runtime's rounding.
        var onnx = ml.MulticlassClassification.Evaluate(ml.Model.Load(_model, out _).Transform(valid));
        Assert.AreEqual(m.MicroAccuracy, onnx.MicroAccuracy);
        Assert.AreEqual(m.LogLoss, onnx.LogLoss, 1e-6);
        Assert.AreEqual(10000, root.GetProperty("rows").GetInt32());

        var text = Run("evaluate", "--model", _model, "--data", dir, "--split", "test");
        Assert.AreEqual(0, text.Code);
        StringAssert.Contains(text.Output, "MicroAccuracy");
        StringAssert.Contains(text.Output, "PREDICTED ||     0 |     1 |");
    }

    [TestMethod]
    public void Predict_DrawsTheDigitAndItsScores()
    {
        var dir = Require();
        var (code, output, _) = Run("predict", "--model", _model, "--data", dir, "--index", "0");
        Assert.AreEqual(0, code);
        // The first t10k image is a 7.
        StringAssert.Contains(output, "row 0: label 7, predicted");
        StringAssert.Contains(output, "█");
        var scoreLines = output.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+\d \d\.\d{6}")).ToList();
        Assert.HasCount(10, scoreLines);
        double sum = scoreLines.Sum(l => double.Parse(l.Trim().Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(1.0, sum, 1e-5);

        var past = Run("predict", "--model", _model, "--data", dir, "--index", "10000");
        Assert.AreEqual(1, past.Code);
        StringAssert.Contains(past.Error, "--index 10000 is past the last row (9999)");
    }

    [TestMethod]
    public void Errors_AreOneLine_WithExitCodes()
    {
        var missing = Run("evaluate", "--model", Path.Combine(Path.GetTempPath(), "no-such-model.zip"));
        Assert.AreEqual(1, missing.Code);
        Assert.AreEqual(1, missing.Error.Trim().Split('\n').Length);
        StringAssert.Contains(missing.Error, "no-such-model.zip' does not exist");

        var corrupt = Path.Combine(Path.GetTempPath(), $"corrupt-{Guid.NewGuid():N}.zip");
        File.WriteAllBytes(corrupt, new byte[] { 0x50, 0x4B, 3, 4, 1, 2, 3 });
        try
        {
            var bad = Run("export", "--model", corrupt, "--weights", corrupt + ".bin");
            Assert.AreEqual(1, bad.Code);
            StringAssert.Contains(bad.Error, corrupt);
            Assert.IsFalse(File.Exists(corrupt + ".bin"));
        }
        finally
        {
            File.Delete(corrupt);
        }
        Assert.AreEqual(2, Run("evaluate").Code);
        Assert.AreEqual(2, Run("evaluate", "--model", "m.zip", "--split", "nope").Code);
    }

    [TestMethod]
    public void ExportOnnx_RunsInOnnxRuntime_WithTheNetworksScores()
    {
        var dir = Require();
        string onnx = Path.Combine(_work, "model.onnx");
        var export = Run("export", "--model", _model, "--onnx", onnx);
        Assert.AreEqual(0, export.Code, export.Error);
        StringAssert.Contains(export.Output, "input 'Features' [N, 784], output 'Score' [N, 10]");

        var network = MinibatchTransformer.Load(_model);
        var (images, labels) = MnistFiles.Test(dir);
        var digits = Minibatch.Data.IdxReader.ReadLabeledImages(images, labels);
        const int rows = 300;
        var features = digits.Features.AsSpan(0, rows * 784).ToArray();
        var expected = new float[rows * 10];
        network.Score(features, expected);

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx);
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(features, new[] { rows, 784 });
        using var results = session.Run(new[] { Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("Features", input) });
        var score = results.Single(r => r.Name == "Score").AsTensor<float>().ToArray();
        var index = results.Single(r => r.Name == "PredictedLabel.Index").AsTensor<long>().ToArray();
        Assert.HasCount(rows * 10, score);
        for (int i = 0; i < score.Length; i++) Assert.AreEqual(expected[i], score[i], 1e-5f, $"value {i}");
        for (int r = 0; r < rows; r++)
            Assert.AreEqual(network.Predict(features.AsSpan(r * 784, 784)) - 1, (uint)index[r], $"row {r}");

        var neither = Run("export", "--model", _model);
        Assert.AreEqual(2, neither.Code);
        StringAssert.Contains(neither.Error, "--weights");
    }

    [TestMethod]
    public void Export_LoadsIntoPyTorch_WithTheSameAccuracyAndLossAsEvaluate()
    {
        var dir = Require();
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) throw new AssertInconclusiveException("/usr/bin/python3 is missing.");
        string weights = Path.Combine(_work, "weights.bin");
        var export = Run("export", "--model", _model, "--weights", weights);
        Assert.AreEqual(0, export.Code, export.Error);
        StringAssert.Contains(export.Output, "0.weight [32, 784]");

        // The exported file is the network's state dict, bit for bit.
        var ml = new MLContext(seed: 1);
        var network = MinibatchTransformer.Load(_model);
        var fromFile = StateDictFile.Load(weights);
        foreach (var (key, tensor) in network.Model.StateDict())
            CollectionAssert.AreEqual(tensor.ToArray(), fromFile[key].ToArray(), key);

        var evaluation = JsonDocument.Parse(Run("evaluate", "--model", _model, "--data", dir, "--json").Output).RootElement;
        string script = Path.Combine(AppContext.BaseDirectory, "Fixtures", "trainer_export_eval.py");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, weights, dir, "32" }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && stderr.Contains("No module named 'torch'"))
            throw new AssertInconclusiveException("PyTorch is not installed for /usr/bin/python3.");
        Assert.AreEqual(0, process.ExitCode, stderr);
        var torch = JsonDocument.Parse(stdout).RootElement;
        Assert.AreEqual(10000, torch.GetProperty("rows").GetInt32());
        Assert.AreEqual(evaluation.GetProperty("micro_accuracy").GetDouble(), torch.GetProperty("accuracy").GetDouble(), 1e-5);
        Assert.AreEqual(evaluation.GetProperty("log_loss").GetDouble(), torch.GetProperty("log_loss").GetDouble(), 1e-5);
    }

    [TestMethod]
    public void Train_SavesAModel_AndInitStartsFromExportedWeights()
    {
        var dir = Require();
        string first = Path.Combine(_work, "first.zip");
        var trained = Run("train", "--data", dir, "--epochs", "1", "--hidden", "16", "--model", first, "--json");
        Assert.AreEqual(0, trained.Code, trained.Error);
        var summary = JsonDocument.Parse(trained.Output.Trim().Split('\n')[^1]).RootElement;
        var evaluated = JsonDocument.Parse(Run("evaluate", "--model", first, "--data", dir, "--json").Output).RootElement;
        // The saved model scores the validation set as the training loop measured it at the end.
        Assert.AreEqual(summary.GetProperty("valid_accuracy").GetDouble(), evaluated.GetProperty("micro_accuracy").GetDouble(), 1e-12);

        string weights = Path.Combine(_work, "first.bin");
        Assert.AreEqual(0, Run("export", "--model", first, "--weights", weights).Code);
        // A learning rate of 1e-30 leaves the weights as loaded: the second model must score exactly like the first.
        string second = Path.Combine(_work, "second.zip");
        var resumed = Run("train", "--data", dir, "--epochs", "1", "--hidden", "16", "--init", weights, "--lr", "1e-30", "--seed", "5", "--model", second);
        Assert.AreEqual(0, resumed.Code, resumed.Error);
        var again = JsonDocument.Parse(Run("evaluate", "--model", second, "--data", dir, "--json").Output).RootElement;
        Assert.AreEqual(evaluated.GetProperty("micro_accuracy").GetDouble(), again.GetProperty("micro_accuracy").GetDouble());
        Assert.AreEqual(evaluated.GetProperty("log_loss").GetDouble(), again.GetProperty("log_loss").GetDouble(), 1e-6);

        var mismatch = Run("train", "--data", dir, "--epochs", "1", "--hidden", "8", "--init", weights);
        Assert.AreEqual(1, mismatch.Code);
        StringAssert.Contains(mismatch.Error, weights);
    }
}
