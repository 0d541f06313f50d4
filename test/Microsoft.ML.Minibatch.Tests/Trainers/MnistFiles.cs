using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Tests.Trainers;

/// <summary>Real MNIST for the trainer tests, through the data room's cache ($MINIBATCH_DATA or
/// ~/.cache/minibatch/mnist), fetched and checksummed there if absent — as the training room's tests do.</summary>
internal static class MnistFiles
{
    private static readonly Lazy<Microsoft.ML.Minibatch.Data.MnistFiles> _files = new(() => Mnist.EnsureFiles());

    public static string Directory => _files.Value.Directory;

    public static string Require() => Directory;

    public static (string Images, string Labels) Train(string _) => (_files.Value.TrainImages, _files.Value.TrainLabels);

    public static (string Images, string Labels) Test(string _) => (_files.Value.TestImages, _files.Value.TestLabels);
}
