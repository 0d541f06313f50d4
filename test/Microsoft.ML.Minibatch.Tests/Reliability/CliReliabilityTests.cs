using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Tests.Reliability;

/// <summary>
/// The real `minibatch` program (minibatch.dll next to the tests), as a user runs it: every failure is one line on
/// stderr with exit code 1, usage errors exit 2, no stack trace unless --verbose, and divergence leaves no model file.
/// (Ctrl+C is not driven from here: a test host may run with SIGINT ignored, which its children inherit.)
/// </summary>
[TestClass]
public sealed class CliReliabilityTests
{
    private static string s_work = "";

    [ClassInitialize]
    public static void Setup(TestContext _) => s_work = Directory.CreateTempSubdirectory("minibatch-cli-rel-").FullName;

    [ClassCleanup]
    public static void Cleanup()
    {
        if (s_work.Length > 0 && Directory.Exists(s_work)) Directory.Delete(s_work, recursive: true);
    }

    private static (int Exit, string Stdout, string Stderr) Run(params string[] args)
        => MinibatchProgram.Run(TimeSpan.FromMinutes(3), args);

    /// <summary>The error lines: stderr minus the data layer's progress notes ("MNIST in …").</summary>
    private static string[] ErrorLines(string stderr)
        => stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("MNIST", StringComparison.Ordinal)).ToArray();

    private static void AssertOneErrorLine(string stderr, string contains)
    {
        var lines = ErrorLines(stderr);
        Assert.HasCount(1, lines, stderr);
        StringAssert.StartsWith(lines[0], "minibatch: ");
        StringAssert.Contains(lines[0], contains);
        Assert.DoesNotContain("   at ", stderr, "no stack trace");
    }

    [TestMethod]
    public void Divergence_ExitsOne_WithOneLineNamingEpochAndBatch_AndSavesNoModel()
    {
        string data = Mnist.EnsureFiles().Directory;
        string dir = Directory.CreateDirectory(Path.Combine(s_work, "diverge")).FullName;
        string model = Path.Combine(dir, "m.zip");
        var (exit, stdout, stderr) = Run("train", "--data", data, "--epochs", "1", "--lr", "1e6", "--model", model);
        Assert.AreEqual(1, exit, stderr);
        AssertOneErrorLine(stderr, "smaller learning rate");
        StringAssert.Matches(ErrorLines(stderr)[0], new System.Text.RegularExpressions.Regex(@"epoch \d+, batch \d+"));
        Assert.DoesNotContain("epoch 0 ", stdout, "no epoch completed");
        Assert.IsEmpty(Directory.GetFiles(dir), "no model and no temporary file");
    }

    [TestMethod]
    public void Errors_AreOneLine_ExitOne_AndVerboseAddsTheStackTrace()
    {
        string missing = Path.Combine(s_work, "no-such-model.zip");
        var plain = Run("evaluate", "--model", missing);
        Assert.AreEqual(1, plain.Exit);
        Assert.AreEqual("", plain.Stdout);
        AssertOneErrorLine(plain.Stderr, "no-such-model.zip' does not exist");

        string corrupt = Path.Combine(s_work, "corrupt.zip");
        File.WriteAllBytes(corrupt, "PK\u0003\u0004 not really a zip"u8.ToArray());
        var bad = Run("predict", "--model", corrupt, "--index", "0");
        Assert.AreEqual(1, bad.Exit);
        AssertOneErrorLine(bad.Stderr, $"Model file '{corrupt}'");

        var verbose = Run("evaluate", "--model", missing, "--verbose");
        Assert.AreEqual(1, verbose.Exit, "--verbose still exits 1, not as an unhandled crash");
        StringAssert.StartsWith(verbose.Stderr, "minibatch: System.IO.FileNotFoundException");
        StringAssert.Contains(verbose.Stderr, "   at Microsoft.ML.Minibatch.Samples.");
    }

    [TestMethod]
    [DataRow("train", "--epochs", "0")]
    [DataRow("train", "--lr", "NaN")]
    [DataRow("train", "--momentum", "-1")]
    [DataRow("train", "--hidden", "50,0")]
    [DataRow("evaluate")]
    [DataRow("no-such-verb")]
    public void UsageErrors_ExitTwo_WithoutAStackTrace(params string[] args)
    {
        var (exit, stdout, stderr) = Run(args);
        Assert.AreEqual(2, exit, stderr);
        Assert.AreEqual("", stdout);
        Assert.IsNotEmpty(ErrorLines(stderr));
        Assert.IsTrue(ErrorLines(stderr).All(l => l.StartsWith("minibatch: ", StringComparison.Ordinal)), stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
