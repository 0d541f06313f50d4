using System.Diagnostics;

namespace Microsoft.ML.Minibatch.Tests;

/// <summary>Runs the real `minibatch` program (minibatch.dll beside the tests) in its own process, as a user does:
/// CommandLineHost writes its error line to the process's stderr, which only a separate process shows as it is.</summary>
internal static class MinibatchProgram
{
    public static (int Exit, string Stdout, string Stderr) Run(TimeSpan timeout, params string[] args)
    {
        string program = Path.Combine(AppContext.BaseDirectory, "minibatch.dll");
        Assert.IsTrue(File.Exists(program), program);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(program);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill();
            Assert.Fail("minibatch did not exit");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
