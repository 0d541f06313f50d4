using System.CommandLine;
using System.Text.Json;
using Microsoft.ML.Minibatch.Samples;
using Microsoft.ML.Minibatch.Samples.Commands;

namespace Microsoft.ML.Minibatch.Tests.Tabular;

/// <summary>The `minibatch` verbs run in this process: exit code, what they printed, and the error line(s).</summary>
internal static class InProcessCli
{
    public static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand("test");
        root.Subcommands.Add(TrainCommand.Create(output));
        root.Subcommands.Add(EvaluateCommand.Create(output));
        root.Subcommands.Add(PredictCommand.Create(output));
        root.Subcommands.Add(ReportCommand.Create(output));
        int exit = CommandLineHost.Run(root, args, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs and asserts exit 0; returns the last line of the output as JSON (use with --json).</summary>
    public static JsonElement Json(params string[] args)
    {
        var (exit, output, error) = Run(args);
        Assert.AreEqual(0, exit, $"{string.Join(' ', args)}: {error}{output}");
        using var document = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        return document.RootElement.Clone();
    }
}
