namespace Microsoft.ML.Minibatch.Tests.Trainers;

/// <summary>Finds the raw MNIST IDX files for tests: $MINIBATCH_DATA, then the default cache; tests that need
/// them are inconclusive when they are absent.</summary>
internal static class MnistFiles
{
    public static string? Directory
    {
        get
        {
            var candidates = new List<string>();
            var env = Environment.GetEnvironmentVariable("MINIBATCH_DATA");
            if (!string.IsNullOrEmpty(env)) { candidates.Add(env); candidates.Add(Path.Combine(env, "mnist")); }
            candidates.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "minibatch", "mnist"));
            return candidates.FirstOrDefault(d => Find(d, "train-images-idx3-ubyte") != null);
        }
    }

    public static string? Find(string directory, string name)
    {
        foreach (var candidate in new[] { name, name + ".gz" })
        {
            var path = Path.Combine(directory, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>The directory, or marks the test inconclusive.</summary>
    public static string Require()
        => Directory ?? throw new AssertInconclusiveException("MNIST is not available (set MINIBATCH_DATA or run `minibatch data`).");

    public static (string Images, string Labels) Train(string dir) => (Find(dir, "train-images-idx3-ubyte")!, Find(dir, "train-labels-idx1-ubyte")!);

    public static (string Images, string Labels) Test(string dir) => (Find(dir, "t10k-images-idx3-ubyte")!, Find(dir, "t10k-labels-idx1-ubyte")!);
}
