using System.CommandLine;
using System.Text.Json;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Samples;
using Microsoft.ML.Minibatch.Samples.Commands;

namespace Microsoft.ML.Minibatch.Tests.Data;

using Command = System.CommandLine.Command;

/// <summary>The `minibatch data` verb, in process through CommandLineHost and as the real program.</summary>
[TestClass]
public sealed class DataCommandTests
{
    private static int RunInProcess(string[] args, out string stdout, out string stderr)
    {
        using var output = new StringWriter();
        using var log = new StringWriter();
        var root = new RootCommand("test");
        root.Subcommands.Add(DataCommand.Create(output, log));
        int exit = CommandLineHost.Run(root, args);
        stdout = output.ToString();
        stderr = log.ToString();
        return exit;
    }

    [TestMethod]
    public void Json_IsOneObjectWithEachSplitsStatistics()
    {
        int exit = RunInProcess(["data", "--json"], out string stdout, out string stderr);

        Assert.AreEqual(0, exit, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout); // throws if stdout is not exactly one JSON value
        JsonElement root = json.RootElement;
        CollectionAssert.AreEqual(new[] { "original_mnist", "rows", "columns", "classes", "train", "valid", "test" }, root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.IsTrue(root.GetProperty("original_mnist").GetBoolean());
        Assert.AreEqual(10, root.GetProperty("classes").GetInt32());
        foreach ((string split, int count) in new[] { ("train", 50_000), ("valid", 10_000), ("test", 10_000) })
        {
            JsonElement s = root.GetProperty(split);
            Assert.AreEqual(count, s.GetProperty("count").GetInt32(), split);
            CollectionAssert.AreEqual(MnistGolden.ClassCounts(split), s.GetProperty("class_counts").EnumerateArray().Select(e => e.GetInt32()).ToArray(), split);
            Assert.AreEqual(MnistGolden.Mean(split), s.GetProperty("mean").GetDouble(), 1e-7, split);
            Assert.AreEqual(MnistGolden.Std(split), s.GetProperty("std").GetDouble(), 1e-7, split);
        }
        StringAssert.Contains(stderr, "MNIST in ");
    }

    [TestMethod]
    public void Text_ShowsTheTableAndDrawsTheFirstDigit()
    {
        int exit = RunInProcess(["data"], out string stdout, out string stderr);

        Assert.AreEqual(0, exit, stderr);
        string[] lines = stdout.Split('\n');
        Assert.IsTrue(lines.Any(l => l.StartsWith("train", StringComparison.Ordinal) && l.Contains(" 50000 ", StringComparison.Ordinal)), stdout);
        Assert.IsTrue(lines.Any(l => l.StartsWith("test", StringComparison.Ordinal) && l.Contains(" 10000 ", StringComparison.Ordinal)), stdout);
        int header = Array.FindIndex(lines, l => l == "First training image (label 5):");
        Assert.IsGreaterThanOrEqualTo(0, header, stdout);
        string[] drawing = lines[(header + 1)..(header + 29)];
        Assert.IsTrue(drawing.All(l => l.Length == 56), "28 rows of 28 pixels, two characters each");
        // The first image's top rows are blank and its ink sits in the middle rows.
        Assert.IsTrue(drawing[..4].All(string.IsNullOrWhiteSpace));
        Assert.IsTrue(drawing[6..22].All(l => l.Contains('█')));
    }

    [TestMethod]
    public void UsageError_ExitsWithTwo()
    {
        Assert.AreEqual(2, RunInProcess(["data", "--no-such-option"], out _, out _));
    }

    [TestMethod]
    public void CorruptedFile_ExitsWithOneAndOneLineOnStderr()
    {
        // The real program, as a user runs it: MNIST copied into a directory of the user's, one labels file truncated
        // (a named directory is used as given, but its files must still be well-formed IDX).
        MnistFiles files = Mnist.EnsureFiles();
        string dir = Directory.CreateTempSubdirectory("minibatch-cli-").FullName;
        try
        {
            File.Copy(files.TrainImages, Path.Combine(dir, Path.GetFileName(files.TrainImages)));
            File.Copy(files.TestImages, Path.Combine(dir, Path.GetFileName(files.TestImages)));
            File.Copy(files.TestLabels, Path.Combine(dir, Path.GetFileName(files.TestLabels)));
            byte[] labels = IdxReader.ReadLabels(files.TrainLabels);
            byte[] truncated = new byte[8 + labels.Length - 1];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(truncated, IdxReader.LabelFileMagic);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(truncated.AsSpan(4), labels.Length);
            labels.AsSpan(0, labels.Length - 1).CopyTo(truncated.AsSpan(8));
            File.WriteAllBytes(Path.Combine(dir, Mnist.TrainLabelsFileName), truncated);

            (int exit, string stdout, string stderr) = MinibatchProgram.Run(TimeSpan.FromMinutes(2), "data", "--json", "--data", dir);

            Assert.AreEqual(1, exit, stderr);
            Assert.AreEqual("", stdout);
            string[] errorLines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.HasCount(1, errorLines, stderr);
            StringAssert.StartsWith(errorLines[0], "minibatch: ");
            StringAssert.Contains(errorLines[0], Mnist.TrainLabelsFileName);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
