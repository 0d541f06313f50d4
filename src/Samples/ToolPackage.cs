using Microsoft.ML.Minibatch.TorchSharp;

namespace Microsoft.ML.Minibatch.Samples;

/// <summary>
/// What the installed tool (package Minibatch.ML.Tool) leaves out: libtorch's native libraries, 1.4 GB for three
/// platforms. Its runtimeconfig.json sets <see cref="WithoutLibTorchSwitch"/>, and <c>--engine torchsharp</c> then says
/// so in one line instead of letting TorchSharp search the machine for libtorch and copy it next to the tool.
/// </summary>
internal static class ToolPackage
{
    /// <summary>The AppContext switch the tool package's runtimeconfig.json sets (see Samples.csproj).</summary>
    public const string WithoutLibTorchSwitch = "Minibatch.Tool.WithoutLibTorch";

    /// <summary>The TorchSharp engine, unless this is the installed tool, which has no libtorch.</summary>
    public static TrainingEngine CreateTorchSharpEngine(int? threads) =>
        CreateTorchSharpEngine(threads, AppContext.TryGetSwitch(WithoutLibTorchSwitch, out bool without) && without);

    /// <summary>The TorchSharp engine; an error naming the way out when <paramref name="withoutLibTorch"/>.</summary>
    public static TrainingEngine CreateTorchSharpEngine(int? threads, bool withoutLibTorch) => withoutLibTorch
        ? throw new InvalidOperationException("this minibatch tool does not carry libtorch (1.4 GB), so it has no TorchSharp engine: "
            + "train with the managed engine (the default), run the command line from a clone of the repository, "
            + "or reference the Minibatch.ML.TorchSharp package in an application.")
        : new TorchSharpEngine(threads);
}
