using System.Diagnostics;
using Microsoft.ML.Minibatch.Tests.UX;

namespace Microsoft.ML.Minibatch.Tests.Reliability;

/// <summary>The test/DeployedModel program: an application that references ML.NET's packages only, never this library.</summary>
internal static class DeployedProgram
{
    /// <summary>Its DLL, built beside the tests (same configuration); run it with <c>dotnet</c>.</summary>
    public static string Path()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        string path = RepositoryFiles.Path(System.IO.Path.Combine("test", "DeployedModel", "bin", output.Parent!.Name, output.Name, "DeployedModel.dll"));
        Assert.IsTrue(File.Exists(path), $"{path} was not built");
        return path;
    }

    /// <summary>Writes <paramref name="rows"/> as the program's FEATURES.bin: row count, feature count, then the floats.</summary>
    public static void WriteFeatures(string file, IReadOnlyList<float[]> rows)
    {
        using var writer = new BinaryWriter(File.Create(file));
        writer.Write(rows.Count);
        writer.Write(rows[0].Length);
        foreach (var row in rows) foreach (float v in row) writer.Write(v);
    }

    /// <summary>Runs the program with <paramref name="args"/> and asserts that it exits with 0; returns what it printed.</summary>
    public static string Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path());
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(180_000), "the deployed program did not finish");
        Assert.AreEqual(0, process.ExitCode, stdout + stderr.Result);
        return stdout;
    }
}
