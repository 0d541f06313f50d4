namespace Microsoft.ML.Minibatch.TorchSharp;

/// <summary>Loads libtorch once, turning a failure into one line that says what is missing and what to use instead.</summary>
internal static class TorchSharpLoader
{
    private static readonly Lazy<Exception?> s_failure = new(TryLoad);

    public static void EnsureLoaded()
    {
        if (s_failure.Value is { } e)
            throw new InvalidOperationException(
                $"TorchSharp could not load libtorch ({Innermost(e).Message.ReplaceLineEndings(" ")}). Train with the managed engine (the default) instead.", e);
    }

    private static Exception? TryLoad()
    {
        try
        {
            global::TorchSharp.torch.InitializeDeviceType(global::TorchSharp.DeviceType.CPU);
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or InvalidOperationException)
        {
            return e;
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}
