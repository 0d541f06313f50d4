using System.CommandLine;
using Microsoft.ML.Minibatch.Samples;
using Microsoft.ML.Minibatch.Samples.Commands;

var root = new RootCommand("Microsoft.ML.Minibatch: train and use MNIST multilayer perceptrons with minibatch SGD.");
root.Subcommands.Add(DataCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(LrFindCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(ExampleCommand.Create());
return CommandLineHost.Run(root, args);
