using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.Minibatch.Samples.Commands;
using Microsoft.ML.Minibatch.Tests.Tabular;

namespace Microsoft.ML.Minibatch.Tests.Reliability;

/// <summary>
/// Where <c>minibatch train</c> holds a CSV file's rows (<c>--memory-limit</c>, <c>--cache-dir</c>, <c>--cache-file</c>,
/// <c>--stream</c>): each way trains what the default does, a full disk fails in one line and leaves nothing, and a
/// killed training leaves no row file behind.
/// </summary>
[TestClass]
public sealed class RowStorageCliTests
{
    private static readonly string Digits = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Tabular", "digits.csv");

    private static string[] Train(params string[] more) =>
        ["train", "--data", Digits, "--epochs", "3", "--sampler", "sequential", "--json", .. more];

    [TestMethod]
    public void EveryWayOfHoldingTheRows_TrainsTheSameModelAsTheDefault()
    {
        string directory = Directory.CreateTempSubdirectory("minibatch-rows-cli-").FullName;
        try
        {
            double Loss(params string[] more) => InProcessCli.Json(Train(more)).GetProperty("train_loss").GetDouble();
            double held = Loss();
            string kept = Path.Combine(directory, "digits.rows");
            Assert.AreEqual(held, Loss("--memory-limit", "0", "--cache-dir", directory));
            Assert.AreEqual(held, Loss("--cache-file", kept));
            Assert.AreEqual(held, Loss("--cache-file", kept), "reusing the kept file");
            Assert.AreEqual(held, Loss("--stream"));
            CollectionAssert.AreEqual(new[] { kept }, Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void RowStorageOptions_OnIdxData_AreRefusedInOneLine()
    {
        string mnist = Path.GetDirectoryName(Minibatch.Data.Mnist.EnsureFiles().TrainImages)!;
        var (exit, _, error) = InProcessCli.Run("train", "--data", mnist, "--stream", "--shuffle-pool", "10");
        Assert.AreEqual(1, exit, error);
        StringAssert.Contains(error, "--stream, --shuffle-pool are for CSV data only");
        var (badSize, _, sizeError) = InProcessCli.Run(Train("--memory-limit", "12 parsecs"));
        Assert.AreNotEqual(0, badSize);
        StringAssert.Contains(sizeError, "--memory-limit must be a size");
    }

    [TestMethod]
    [DataRow("0", 0L)]
    [DataRow("123456", 123456L)]
    [DataRow("500MB", 500_000_000L)]
    [DataRow("1.5 GB", 1_500_000_000L)]
    [DataRow("2gb", 2_000_000_000L)]
    [DataRow("-1", -1L)]
    [DataRow("12 parsecs", -1L)]
    [DataRow("MB", -1L)]
    public void MemoryLimits_ReadAsBytes(string text, long expected)
    {
        bool ok = RowStorageOptions.TryParseSize(text, out long bytes);
        Assert.AreEqual(expected >= 0, ok, text);
        if (ok) Assert.AreEqual(expected, bytes);
    }

    [TestMethod]
    [DataRow("--memory-limit", "--cache-dir", DisplayName = "the temporary row file")]
    [DataRow("--cache-file", "--cache-file", DisplayName = "a kept row file")]
    public void AFullDisk_FailsInOneLine_AndLeavesNothing(string option, string namedInTheError)
    {
        // The real program in a mount namespace of its own, on a 300 kB file system: the digits' rows take 370 kB.
        string disk = Directory.CreateTempSubdirectory("minibatch-full-disk-").FullName;
        try
        {
            string rows = option == "--cache-file" ? $"--cache-file {disk}/digits.rows" : $"--memory-limit 0 --cache-dir {disk}";
            string program = Path.Combine(AppContext.BaseDirectory, "minibatch.dll");
            string script = $"mount -t tmpfs -o size=300k none {disk} || exit 99; dotnet {program} train --data {Digits} --epochs 1 {rows}; " +
                $"echo \"exit $?\"; echo \"left: $(ls -A {disk})\"";
            var (exit, output, error) = Shell("unshare", "-m", "--propagation", "private", "sh", "-c", script);
            Assert.AreEqual(0, exit, $"unshare needs root (CI runs as root): {error}");
            StringAssert.Contains(output, "exit 1");
            StringAssert.Contains(output, "left: \n");
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("minibatch:", StringComparison.Ordinal)).ToArray();
            Assert.HasCount(1, lines, error);
            StringAssert.Contains(lines[0], "No space left on device");
            StringAssert.Contains(lines[0], namedInTheError);
            Assert.DoesNotContain("   at ", error);
        }
        finally
        {
            Directory.Delete(disk, recursive: true);
        }
    }

    [TestMethod]
    public void AKilledTraining_LeavesNoRowFile()
    {
        string directory = Directory.CreateTempSubdirectory("minibatch-killed-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "minibatch.dll"), "train", "--data", Digits, "--epochs", "1000",
                "--memory-limit", "0", "--cache-dir", directory }) start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            // Training from the file has begun once an epoch is reported.
            string? line;
            do line = process.StandardOutput.ReadLine();
            while (line != null && !line.StartsWith("epoch", StringComparison.Ordinal));
            Assert.IsNotNull(line, "the program ended before its first epoch");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.IsEmpty(Directory.GetFileSystemEntries(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (int Exit, string Output, string Error) Shell(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the program did not exit");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
