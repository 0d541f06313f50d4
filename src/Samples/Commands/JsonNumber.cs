namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>
/// Numbers in the commands' --json output. JSON has no NaN or infinity, so a metric that is not finite is written as
/// null (a log-loss reduction with one class in the file, say), and the text output warns about it.
/// </summary>
internal static class JsonNumber
{
    /// <summary><paramref name="value"/>, or null when it is NaN or infinite.</summary>
    public static object? Finite(double value) => double.IsFinite(value) ? value : null;
}
