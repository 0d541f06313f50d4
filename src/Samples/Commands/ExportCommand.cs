using System.CommandLine;
using Microsoft.ML.Minibatch.NN;

namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>`minibatch export`: writes a saved model's network as a state dict in TorchSharp's format.</summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter? output = null)
    {
        var command = new Command("export", "Write a saved model's network weights as a TorchSharp-format state dict (0.weight, 0.bias, …).");
        var model = new Option<string>("--model") { Description = "The model file (.zip).", Required = true };
        var weights = new Option<string>("--weights") { Description = "The state-dict file to write.", Required = true };
        command.Options.Add(model);
        command.Options.Add(weights);
        command.SetAction(parse =>
        {
            var writer = output ?? Console.Out;
            var ml = new MLContext(seed: 1);
            var (_, network) = ModelCommandSupport.LoadModel(ml, parse.GetValue(model)!);
            string path = parse.GetValue(weights)!;
            // Write next to the target, then rename: a failure never leaves a half-written state dict behind.
            string temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
            try
            {
                StateDictFile.Save(network.Model, temporary);
                File.Move(temporary, path, overwrite: true);
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
            var keys = string.Join(", ", network.Model.StateDict().Select(p => $"{p.Key} [{string.Join(", ", p.Value.GetShape())}]"));
            writer.WriteLine($"wrote {path}: {keys}");
            writer.Flush();
            return 0;
        });
        return command;
    }
}
