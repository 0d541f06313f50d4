namespace Microsoft.ML.Minibatch.Tests.UX;

/// <summary>Finds files of the repository (README, scripts, sources) from the test's output directory.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Minibatch.ML.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No Minibatch.ML.sln above {AppContext.BaseDirectory}.");
    }
}
