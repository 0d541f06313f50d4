using System.CommandLine;

namespace Microsoft.ML.Minibatch.Samples;

/// <summary>Runs a command line: usage errors exit 2, failures print one line on stderr and exit 1.</summary>
internal static class CommandLineHost
{
    /// <summary>Parses and runs <paramref name="args"/>; errors go to <paramref name="error"/> (default: stderr).</summary>
    public static int Run(RootCommand root, string[] args, TextWriter? error = null)
    {
        error ??= Console.Error;
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces on errors.", Recursive = true };
        root.Options.Add(verbose);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors) error.WriteLine($"minibatch: {problem.Message}");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            // --verbose prints the whole exception with its stack trace (and still exits 1, not as an unhandled
            // crash); otherwise exactly one line, even for messages .NET spreads over two (ArgumentOutOfRangeException
            // appends "Actual value was …" on a new line).
            string text = parse.GetValue(verbose) ? e.ToString() : string.Join(' ', e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
            error.WriteLine($"minibatch: {text}");
            return 1;
        }
    }
}
