namespace Microsoft.ML.Minibatch.Data;

/// <summary>Where the four verified MNIST files are, and where they came from.</summary>
public sealed class MnistFiles
{
    internal MnistFiles(string directory, IReadOnlyDictionary<string, string> paths, string source)
    {
        Directory = directory;
        TrainImages = paths[Mnist.TrainImagesFileName];
        TrainLabels = paths[Mnist.TrainLabelsFileName];
        TestImages = paths[Mnist.TestImagesFileName];
        TestLabels = paths[Mnist.TestLabelsFileName];
        Source = source;
    }

    /// <summary>The data directory.</summary>
    public string Directory { get; }

    /// <summary>Path of train-images-idx3-ubyte (raw or .gz).</summary>
    public string TrainImages { get; }

    /// <summary>Path of train-labels-idx1-ubyte (raw or .gz).</summary>
    public string TrainLabels { get; }

    /// <summary>Path of t10k-images-idx3-ubyte (raw or .gz).</summary>
    public string TestImages { get; }

    /// <summary>Path of t10k-labels-idx1-ubyte (raw or .gz).</summary>
    public string TestLabels { get; }

    /// <summary>
    /// Where the files came from: "already present" when nothing had to be fetched, otherwise the
    /// mirror URLs and/or npm package that supplied them.
    /// </summary>
    public string Source { get; }
}
