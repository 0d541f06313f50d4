using System.CommandLine;

namespace Microsoft.ML.Minibatch.Samples;

/// <summary>Runs a command line: usage errors exit 2, failures print one line on stderr and exit 1.</summary>
internal static class CommandLineHost
{
    public static int Run(RootCommand root, string[] args)
    {
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces on errors.", Recursive = true };
        root.Options.Add(verbose);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"minibatch: {error.Message}");
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
            Console.Error.WriteLine($"minibatch: {text}");
            return 1;
        }
    }
}
