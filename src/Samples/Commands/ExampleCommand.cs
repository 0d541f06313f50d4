using System.CommandLine;
using Microsoft.ML.Minibatch.Samples.Examples;

namespace Microsoft.ML.Minibatch.Samples.Commands;

// ML.NET has a namespace Microsoft.ML.Command, which would otherwise hide System.CommandLine.Command here.
using Command = System.CommandLine.Command;

/// <summary>`minibatch example NAME`: runs one of the documented examples (docs/examples.md; their source is in src/Samples/Examples).</summary>
internal static class ExampleCommand
{
    /// <summary>The examples by name, with what each shows.</summary>
    internal static readonly (string Name, string Description, Action Run)[] Examples =
    [
        ("first-program", "MNIST through the ML.NET-style API: LoadIdx, Minibatch trainer, Evaluate, Save/Load, PredictionEngine.",
            () => FirstProgram.Run(Path.Combine(Path.GetTempPath(), "minibatch-example-mnist-mlp.zip"))),
        ("plain-objects", "A pipeline over C# objects: LoadFromEnumerable, MapValueToKey, Minibatch, MapKeyToValue, TrainTestSplit.",
            () => PlainObjectsPipeline.Run()),
        ("engine-loop", "The lesson's PyTorch-style loop on the engine: Sequential, DataLoaders, a hand-written epoch, FitLoop.",
            () => EngineLoop.Run()),
        ("module-list", "The lesson's home-grown SequentialModel on a ModuleList: one MNIST epoch, its state dict saved for PyTorch.",
            () => HomeGrownSequential.Run(Path.Combine(Path.GetTempPath(), "minibatch-example-sequential-model.bin"))),
        ("csv", "A CSV file through LoadFromTextFile, MapValueToKey and NormalizeMinMax: Minibatch beside LbfgsMaximumEntropy (MNIST written as CSV).",
            RunCsv),
    ];

    private static void RunCsv()
    {
        var directory = Directory.CreateTempSubdirectory("minibatch-example-csv-");
        try
        {
            string train = Path.Combine(directory.FullName, "mnist_train.csv"), test = Path.Combine(directory.FullName, "mnist_test.csv");
            MnistCsv.Write(Minibatch.Data.MnistSplit.Train, 10000, train);
            MnistCsv.Write(Minibatch.Data.MnistSplit.Test, 2000, test);
            CsvBesideLbfgs.Run(train, test);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    public static Command Create()
    {
        var command = new Command("example", "Run one of the documented examples: " + string.Join(", ", Examples.Select(e => e.Name)) + ".");
        var name = new Argument<string>("name") { Description = string.Join(Environment.NewLine, Examples.Select(e => $"{e.Name}: {e.Description}")) };
        name.AcceptOnlyFromAmong(Examples.Select(e => e.Name).ToArray());
        command.Arguments.Add(name);
        command.SetAction(parse =>
        {
            Examples.Single(e => e.Name == parse.GetValue(name)).Run();
            return 0;
        });
        return command;
    }
}
