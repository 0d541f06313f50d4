using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Microsoft.ML.Minibatch.Samples;
using Microsoft.ML.Minibatch.Samples.Commands;

namespace Microsoft.ML.Minibatch.Tests.UX;

using Command = System.CommandLine.Command;

/// <summary>
/// `minibatch train --model` keeps the history and options in the zip, and `minibatch report` turns the zip into a
/// self-contained page whose numbers agree with Evaluate and whose digits are the MNIST test images.
/// </summary>
[TestClass]
public sealed class ReportTests
{
    private const int Epochs = 2, Mistakes = 12;
    private static string _directory = "", _model = "", _report = "", _trainOutput = "";

    [ClassInitialize]
    public static void TrainAndReport(TestContext _)
    {
        _directory = Directory.CreateTempSubdirectory("minibatch-report-").FullName;
        _model = Path.Combine(_directory, "model.zip");
        _report = Path.Combine(_directory, "report.html");
        int exit;
        (exit, _trainOutput) = Run(TrainCommand.Create, "train", "--epochs", $"{Epochs}", "--lr", "0.3", "--batch-size", "128",
            "--hidden", "20", "--seed", "3", "--model", _model);
        Assert.AreEqual(0, exit, _trainOutput);
        var (reportExit, reportOutput) = Run(ReportCommand.Create, "report", "--model", _model, "--out", _report, "--mistakes", $"{Mistakes}");
        Assert.AreEqual(0, reportExit, reportOutput);
        StringAssert.StartsWith(reportOutput, $"wrote {_report}");
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    internal static (int Exit, string Output) Run(Func<TextWriter?, Command> create, params string[] args)
    {
        var output = new StringWriter();
        var root = new RootCommand("test");
        root.Subcommands.Add(create(output));
        int exit = CommandLineHost.Run(root, args);
        return (exit, output.ToString());
    }

    [TestMethod]
    public void ModelZip_HoldsEveryEpochsMetricsAndTheOptions_AsPrinted()
    {
        // Read the network's metadata with ONNX Runtime, not through the library's loader.
        using var zip = ZipFile.OpenRead(_model);
        using var onnx = new MemoryStream();
        using (var entry = zip.Entries.Single(e => e.Name == "OnnxModel").Open()) entry.CopyTo(onnx);
        // ML.NET stores the model after a 4-byte length.
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx.ToArray()[4..]);
        using var metadata = JsonDocument.Parse(session.ModelMetadata.CustomMetadataMap["minibatch.model"]);
        var options = metadata.RootElement;
        Assert.AreEqual(128, options.GetProperty("BatchSize").GetInt32());
        Assert.AreEqual(Epochs, options.GetProperty("NumberOfEpochs").GetInt32());
        Assert.AreEqual(0.3, options.GetProperty("LearningRate").GetDouble(), 1e-7);
        Assert.AreEqual(20, options.GetProperty("HiddenLayers")[0].GetInt32());
        Assert.AreEqual(3, options.GetProperty("Seed").GetInt32());
        Assert.AreEqual("Sgd", options.GetProperty("Optimizer").GetString());
        Assert.AreEqual("Random", options.GetProperty("Sampler").GetString());

        var history = options.GetProperty("History");
        var printed = _trainOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.AreEqual(Epochs, history.GetArrayLength());
        Assert.HasCount(Epochs, printed);
        for (int e = 0; e < Epochs; e++)
        {
            var saved = history[e];
            // The plain line of each epoch: "epoch E  train_loss T  valid_loss V  valid_accuracy A  Ss".
            var fields = printed[e].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.AreEqual(e, saved.GetProperty("Epoch").GetInt32());
            Assert.AreEqual(fields[3], saved.GetProperty("TrainLoss").GetDouble().ToString("F4", CultureInfo.InvariantCulture));
            Assert.AreEqual(fields[5], saved.GetProperty("ValidLoss").GetDouble().ToString("F4", CultureInfo.InvariantCulture));
            Assert.AreEqual(fields[7], saved.GetProperty("ValidAccuracy").GetDouble().ToString("F4", CultureInfo.InvariantCulture));
            Assert.AreEqual(0.3, saved.GetProperty("LearningRate").GetDouble(), 1e-12);
            double seconds = saved.GetProperty("Seconds").GetDouble(), trainSeconds = saved.GetProperty("TrainSeconds").GetDouble();
            Assert.IsTrue(trainSeconds > 0 && seconds >= trainSeconds, $"{seconds} {trainSeconds}");
        }
    }

    private static XDocument Page()
    {
        using var reader = XmlReader.Create(_report, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    private static IEnumerable<XElement> WithClass(XDocument page, string name, string className) =>
        page.Descendants(name).Where(e => ((string?)e.Attribute("class"))?.Split(' ').Contains(className) == true);

    [TestMethod]
    public void Report_IsSelfContainedWellFormedMarkup_WithEverySection()
    {
        string html = File.ReadAllText(_report);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        var page = Page(); // throws if any part is not well-formed
        var ids = page.Descendants().Select(e => (string?)e.Attribute("id")).Where(id => id != null).ToList();
        CollectionAssert.IsSubsetOf(new[] { "summary", "curves", "confusion", "per-class", "mistakes", "configuration" }, ids);
        foreach (var src in page.Descendants().Select(e => (string?)e.Attribute("src")).Where(s => s != null))
            StringAssert.StartsWith(src, "data:image/png;base64,");

        var charts = page.Descendants("svg").ToList();
        Assert.HasCount(2, charts);
        var labels = charts.SelectMany(c => c.Descendants("text")).Select(t => t.Value).ToList();
        CollectionAssert.IsSubsetOf(new[] { "epoch", "cross-entropy loss", "accuracy (%)", "train", "valid" }, labels);
        // Loss: a train and a valid line with a marker per epoch; accuracy: one line.
        Assert.HasCount(2, charts[0].Descendants("polyline"));
        Assert.HasCount(2 * Epochs, charts[0].Descendants("circle"));
        Assert.HasCount(Epochs, charts[1].Descendants("circle"));
        // The x axis is labelled with every epoch number.
        var ticks = charts[0].Descendants("text").Where(t => (string?)t.Attribute("class") == "tick").Select(t => t.Value).ToList();
        CollectionAssert.IsSubsetOf(Enumerable.Range(1, Epochs).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList(), ticks);
    }

    [TestMethod]
    public void ConfusionHeatmap_MatchesEvaluate()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Model.Load(_model, out _);
        var files = Microsoft.ML.Minibatch.Data.Mnist.EnsureFiles();
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadIdx(files.TestImages, files.TestLabels)));

        var cells = Page().Descendants("td").Where(td => td.Attribute("data-actual") != null).ToList();
        Assert.HasCount(100, cells);
        foreach (var td in cells)
        {
            int actual = (int)td.Attribute("data-actual")!, predicted = (int)td.Attribute("data-predicted")!;
            Assert.AreEqual(metrics.ConfusionMatrix.Counts[actual][predicted], double.Parse(td.Value, CultureInfo.InvariantCulture), $"[{actual}][{predicted}]");
        }
        Assert.AreEqual(10000, cells.Sum(td => double.Parse(td.Value, CultureInfo.InvariantCulture)));
    }

    [TestMethod]
    public void MistakesGrid_ShowsTheTestImagesAsPng_MostConfidentFirst()
    {
        var files = Microsoft.ML.Minibatch.Data.Mnist.EnsureFiles();
        byte[] images = File.ReadAllBytes(files.TestImages), labels = File.ReadAllBytes(files.TestLabels);
        var figures = WithClass(Page(), "figure", "digit").ToList();
        Assert.HasCount(Mistakes, figures);
        double previous = double.PositiveInfinity;
        foreach (var figure in figures)
        {
            int row = (int)figure.Attribute("data-row")!;
            int actual = (int)figure.Attribute("data-actual")!, predicted = (int)figure.Attribute("data-predicted")!;
            Assert.AreEqual(labels[8 + row], actual, $"row {row}"); // IDX labels start after an 8-byte header
            Assert.IsTrue(actual != predicted, $"row {row} is not a mistake");
            double probability = double.Parse(figure.Descendants("span").First(s => (string?)s.Attribute("class") == "p").Value.TrimEnd(' ', '%'), CultureInfo.InvariantCulture);
            Assert.IsLessThanOrEqualTo(previous, probability);
            previous = probability;

            string src = (string)figure.Descendants("img").Single().Attribute("src")!;
            var (width, height, pixels) = DecodeGrayPng(Convert.FromBase64String(src["data:image/png;base64,".Length..]));
            Assert.AreEqual(28, width);
            Assert.AreEqual(28, height);
            // Drawn as dark ink on white: 255 minus the IDX bytes (images start after a 16-byte header).
            var expected = images.AsSpan(16 + row * 784, 784).ToArray().Select(b => (byte)(255 - b)).ToArray();
            CollectionAssert.AreEqual(expected, pixels, $"row {row}");
        }
    }

    /// <summary>A PNG reader for what the report writes (8-bit grey, filter 0), checking every chunk's CRC bit by bit.</summary>
    private static (int Width, int Height, byte[] Pixels) DecodeGrayPng(byte[] png)
    {
        CollectionAssert.AreEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        int width = 0, height = 0;
        var idat = new MemoryStream();
        for (int at = 8; at < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var body = png.AsSpan(at + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.AreEqual(BitwiseCrc32(png.AsSpan(at + 4, 4 + length)), crc, $"{type} CRC");
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                Assert.AreEqual(8, body[8]);
                Assert.AreEqual(0, body[9]);
            }
            if (type == "IDAT") idat.Write(body);
            at += 12 + length;
        }
        idat.Position = 0;
        var raw = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(raw);
        var bytes = raw.ToArray();
        Assert.HasCount(height * (width + 1), bytes);
        var pixels = new byte[width * height];
        for (int y = 0; y < height; y++)
        {
            Assert.AreEqual(0, bytes[y * (width + 1)], "filter type");
            Array.Copy(bytes, y * (width + 1) + 1, pixels, y * width, width);
        }
        return (width, height, pixels);
    }

    private static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }

    [TestMethod]
    public void Summary_CountsTheMistakes_AndConfigurationNamesTheArchitecture()
    {
        var page = Page();
        string summary = page.Descendants("header").Single().Value;
        var ml = new MLContext(seed: 1);
        var files = Microsoft.ML.Minibatch.Data.Mnist.EnsureFiles();
        var m = ml.MulticlassClassification.Evaluate(ml.Model.Load(_model, out _).Transform(ml.Data.LoadIdx(files.TestImages, files.TestLabels)));
        int wrong = 10000 - (int)Enumerable.Range(0, 10).Sum(i => m.ConfusionMatrix.Counts[i][i]);
        StringAssert.Contains(summary, $"{wrong.ToString("N0", CultureInfo.InvariantCulture)} / 10,000");
        string configuration = page.Descendants("section").Single(s => (string?)s.Attribute("id") == "configuration").Value;
        StringAssert.Contains(configuration, "784 → 20 → 10");
        // 784·20 + 20 + 20·10 + 10 weights and biases.
        StringAssert.Contains(configuration, "15,910");
    }

    [TestMethod]
    public void Screenshot_InHeadlessChromium_RendersThePage()
    {
        if (!File.Exists("/usr/bin/chromium")) Assert.Inconclusive("chromium is not installed (apt-get install chromium).");
        string shot = Path.Combine(_directory, "report.png");
        var start = new ProcessStartInfo("sh", [RepositoryFiles.Path("scripts/screenshot-report.sh"), _report, shot, "1280,2400"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, stderr);
        byte[] png = File.ReadAllBytes(shot);
        // A real screenshot: the PNG's header holds the window size asked for.
        Assert.AreEqual(1280, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.AreEqual(2400, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.IsGreaterThan(50_000, png.Length, "a blank page compresses to a few kilobytes");
    }
}
