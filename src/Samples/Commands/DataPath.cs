namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>
/// --data as the user gave it. A path that does not exist is an error: a typo must not become a new directory that
/// MNIST is fetched into and trained on. Only the default cache directory is ever created.
/// </summary>
internal static class DataPath
{
    /// <summary>Returns <paramref name="given"/> when it is null (the default) or exists.</summary>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="given"/>.</exception>
    public static string? Existing(string? given)
    {
        if (given is null || File.Exists(given) || Directory.Exists(given)) return given;
        throw new FileNotFoundException($"{given}: no such file or directory; --data names a CSV/TSV file or a directory of IDX files.", given);
    }
}
