using Microsoft.ML.Minibatch.Tests.UX;

namespace Microsoft.ML.Minibatch.Tests.Reliability;

/// <summary>The test/DeployedModel program: an application that references ML.NET's packages only, never this library.</summary>
internal static class DeployedProgram
{
    /// <summary>Its DLL, built beside the tests (same configuration); run it with <c>dotnet</c>.</summary>
    public static string Path()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        string path = RepositoryFiles.Path(System.IO.Path.Combine("test", "DeployedModel", "bin", output.Parent!.Name, output.Name, "DeployedModel.dll"));
        Assert.IsTrue(File.Exists(path), $"{path} was not built");
        return path;
    }
}
