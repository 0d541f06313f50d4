using System.CommandLine;
using Microsoft.ML.Minibatch.NN;

namespace Microsoft.ML.Minibatch.Samples.Commands;

// ML.NET has a namespace Microsoft.ML.Command, which would otherwise hide System.CommandLine.Command here.
using Command = System.CommandLine.Command;

/// <summary>`minibatch export`: writes a saved model's network as a TorchSharp-format state dict and/or as ONNX.</summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter? output = null)
    {
        var command = new Command("export", "Write a saved model's network as a TorchSharp-format state dict (0.weight, 0.bias, …) and/or an ONNX model.");
        var model = new Option<string>("--model") { Description = "The model file (.zip).", Required = true };
        var weights = new Option<string?>("--weights") { Description = "The state-dict file to write." };
        var onnx = new Option<string?>("--onnx") { Description = "The ONNX file to write (input [N, F] floats; outputs Score [N, K] and the arg-max)." };
        command.Options.Add(model);
        command.Options.Add(weights);
        command.Options.Add(onnx);
        command.Validators.Add(r =>
        {
            if (r.GetValue(weights) is null && r.GetValue(onnx) is null) r.AddError("Give --weights FILE, --onnx FILE or both.");
        });
        command.SetAction(parse =>
        {
            var writer = output ?? Console.Out;
            var network = ModelCommandSupport.LoadModel(parse.GetValue(model)!);
            // Both writers replace their file only once it is complete.
            if (parse.GetValue(weights) is { } weightsPath)
            {
                StateDictFile.Save(network.Model, weightsPath);
                var keys = string.Join(", ", network.Model.StateDict().Select(p => $"{p.Key} [{string.Join(", ", p.Value.GetShape())}]"));
                writer.WriteLine($"wrote {weightsPath}: {keys}");
                // The state dict is weights only; the ONNX export carries the deskewing, this file cannot.
                if (network.TrainingOptions.Deskew)
                    writer.WriteLine("note: the model deskews its inputs; whoever loads these weights must deskew the images first (as pytorch_reference.py --deskew does)");
            }
            if (parse.GetValue(onnx) is { } onnxPath)
            {
                network.ExportOnnx(onnxPath);
                writer.WriteLine($"wrote {onnxPath}: input '{network.FeatureColumnName}' [N, {network.InputSize}], output 'Score' [N, {network.ClassCount}]"
                    + (network.TrainingOptions.Deskew ? " (the graph deskews its input)" : ""));
            }
            writer.Flush();
            return 0;
        });
        return command;
    }
}
