using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Tests.TrainingTests;

namespace Microsoft.ML.Minibatch.Tests.Data;

/// <summary>
/// IDX image files mapped instead of read: the mapped gather gives the in-memory gather's bits, files beyond 2 GB are
/// addressed past 2^31 bytes, bad headers are refused before mapping, and nothing holds the file once its owner is done.
/// </summary>
[TestClass]
public sealed class IdxMappingTests
{
    [TestMethod]
    public void MappedGather_EqualsTheInMemoryGather_OnRealMnist()
    {
        MnistFiles files = Mnist.EnsureFiles();
        var (mapped, labels) = IdxReader.OpenLabeledImages(files.TrainImages, files.TrainLabels);
        using (mapped)
        {
            Assert.IsTrue(mapped.IsMapped);
            IdxImages read = IdxReader.ReadImages(files.TrainImages);
            var inMemory = new ByteImageDataset(read.Pixels, labels, read.PixelsPerImage);
            var fromMap = mapped.ToDataset(labels);
            var random = new Random(24);
            // Random rows with repeats, and the last rows of the file; then the lesson's split, sliced from each.
            int[] indices = [.. Enumerable.Range(0, 700).Select(_ => random.Next(60_000)), 59_999, 59_998, 0, 0];
            AssertSameGather(inMemory, fromMap, indices);
            AssertSameGather(inMemory.Slice(50_000, 10_000), fromMap.Slice(50_000, 10_000), [0, 9_999, 4_321, 17]);
            // A hint, then the rows it named: hints change timing, never values.
            fromMap.Prefetch(indices.AsSpan(0, 64));
            AssertSameGather(inMemory, fromMap, indices[..64]);
            var image = new byte[784];
            mapped.CopyImage(59_999, image);
            CollectionAssert.AreEqual(read.GetImage(59_999).ToArray(), image);
        }
    }

    [TestMethod]
    [DataRow(7, 5, 13)]
    [DataRow(3, 1, 1)]
    [DataRow(5, 3, 37)]
    [DataRow(4, 29, 27)]
    public void MappedGather_EqualsTheInMemoryGather_AndPixelsOver255_OnOddSizes(int count, int rows, int columns)
    {
        string dir = IdxTestData.TempDirectory();
        try
        {
            byte[] pixels = IdxTestData.Pixels(count, rows, columns);
            string path = IdxTestData.Write(dir, "images", IdxTestData.Idx(0x00000803, [(uint)count, (uint)rows, (uint)columns], pixels));
            byte[] labels = [.. Enumerable.Range(0, count).Select(i => (byte)(i % 3))];
            using IdxImageFile file = IdxReader.OpenImages(path);
            Assert.AreEqual((count, rows, columns), (file.Count, file.Rows, file.Columns));
            var fromMap = file.ToDataset(labels);
            int[] indices = [.. Enumerable.Range(0, count).Reverse(), 0, count - 1];
            AssertSameGather(new ByteImageDataset(pixels, labels, rows * columns), fromMap, indices);
            // And against the definition, independently of either gather.
            int f = rows * columns;
            var features = new float[indices.Length * f];
            fromMap.Gather(indices, features, new int[indices.Length]);
            for (int i = 0; i < indices.Length; i++)
                for (int j = 0; j < f; j++)
                    Assert.AreEqual(pixels[indices[i] * f + j] / 255f, features[i * f + j]);
            if (count > 2) AssertSameGather(new ByteImageDataset(pixels, labels, f).Slice(1, count - 2), fromMap.Slice(1, count - 2), [0, count - 3]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void FileBeyondTwoGigabytes_IsReadPastTwoToThe31Bytes()
    {
        // 2,800,000 images of 28×28 = 2,195,200,000 bytes of pixels, a sparse file: only the images written cost disk.
        const int Count = 2_800_000, F = 784;
        string dir = IdxTestData.TempDirectory();
        try
        {
            string images = Path.Combine(dir, "images"), labelsPath = Path.Combine(dir, "labels");
            // The image that straddles byte 2^31 of the file, the first wholly past it, and the last.
            int straddling = (int)(((1L << 31) - 16) / F), past = straddling + 1, last = Count - 1;
            int[] written = [straddling, past, last];
            using (var stream = new FileStream(images, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(IdxTestData.Idx(0x00000803, [Count, 28, 28], []));
                stream.SetLength(16 + (long)Count * F);
                foreach (int index in written)
                {
                    stream.Position = 16 + (long)index * F;
                    stream.Write(ImageOf(index));
                }
            }
            Assert.IsLessThan(1L << 31, 16 + (long)straddling * F);
            Assert.IsGreaterThan(1L << 31, 16 + (long)(straddling + 1) * F);
            var labelBytes = new byte[Count];
            foreach (int index in written) labelBytes[index] = (byte)(index % 10);
            File.WriteAllBytes(labelsPath, IdxTestData.Labels(labelBytes));

            // Reading it into one array stays refused, and says what does work.
            var refused = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(images));
            StringAssert.Contains(refused.Message, "exceed what one array can hold");
            StringAssert.Contains(refused.Message, "OpenImages maps");

            var (file, labels) = IdxReader.OpenLabeledImages(images, labelsPath);
            using (file)
            {
                Assert.AreEqual(Count, file.Count);
                int[] indices = [last, 0, past, straddling, 1_000_000, last];
                var features = new float[indices.Length * F];
                var gathered = new int[indices.Length];
                file.ToDataset(labels).Gather(indices, features, gathered);
                for (int i = 0; i < indices.Length; i++)
                {
                    byte[] expected = written.Contains(indices[i]) ? ImageOf(indices[i]) : new byte[F];
                    for (int j = 0; j < F; j++) Assert.AreEqual(expected[j] / 255f, features[i * F + j], $"image {indices[i]}, pixel {j}");
                    Assert.AreEqual(indices[i] % 10 * (written.Contains(indices[i]) ? 1 : 0), gathered[i]);
                }
                // The split of the train command: its validation slice starts past 2^31 bytes.
                var tail = file.ToDataset(labels).Slice(Count - 10, 10);
                var lastRow = new float[F];
                tail.Gather([9], lastRow, new int[1]);
                CollectionAssert.AreEqual(ImageOf(last).Select(b => b / 255f).ToArray(), lastRow);
            }

            // LoadIdx's cursor reaches the last row through its own mapping.
            var ml = new MLContext(1);
            var view = ml.Data.LoadIdx(images, labelsPath, classCount: 10);
            using (var cursor = view.GetRowCursor(view.Schema))
            {
                var getter = cursor.GetGetter<VBuffer<float>>(view.Schema["Features"]);
                VBuffer<float> row = default;
                while (cursor.Position < last) Assert.IsTrue(cursor.MoveNext());
                getter(ref row);
                CollectionAssert.AreEqual(ImageOf(last).Select(b => b / 255f).ToArray(), row.DenseValues().ToArray());
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        static byte[] ImageOf(int index) => [.. Enumerable.Range(0, F).Select(j => (byte)(1 + (index + j * 7) % 255))];
    }

    [TestMethod]
    public void GzipBeyondTwoGigabytes_IsRefused_SayingToDecompressIt()
    {
        // A gzip file whose header claims 2.2 GB of pixels: a real deflate stream of the header, padded to the length that
        // could inflate that far and ending in the trailer's matching size, so only the 2 GB limit can refuse it.
        const uint Count = 2_800_000;
        ulong total = 16 + (ulong)Count * 784;
        byte[] head = IdxTestData.Gzip(IdxTestData.Idx(0x00000803, [Count, 28, 28], new byte[64]));
        var bytes = new byte[(int)(total / 1000)];
        head.AsSpan(0, head.Length - 8).CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), (uint)(total & uint.MaxValue));
        string dir = IdxTestData.TempDirectory();
        try
        {
            string path = IdxTestData.Write(dir, "images.gz", bytes);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.OpenImages(path));
            StringAssert.StartsWith(e.Message, path + ":");
            StringAssert.Contains(e.Message, "decompress it to map it");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void GzipFile_IsReadIntoMemory_WithTheSameRows()
    {
        string dir = IdxTestData.TempDirectory();
        try
        {
            byte[] raw = IdxTestData.Images(6, 4, 9);
            string plain = IdxTestData.Write(dir, "images", raw), gzip = IdxTestData.Write(dir, "images.gz", IdxTestData.Gzip(raw));
            byte[] labels = [0, 1, 2, 0, 1, 2];
            using IdxImageFile mapped = IdxReader.OpenImages(plain), read = IdxReader.OpenImages(gzip);
            Assert.IsTrue(mapped.IsMapped);
            Assert.IsFalse(read.IsMapped);
            AssertSameGather(mapped.ToDataset(labels), read.ToDataset(labels), [5, 0, 3, 3]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    [DataRow(new byte[] { 0, 0, 8, 3, 0, 0 }, "the header is cut short")]
    [DataRow(new byte[] { 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 }, "but the file holds 11 bytes of pixels")]
    [DataRow(new byte[] { 0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5 }, "but the file holds 5 bytes of pixels")]
    [DataRow(new byte[] { 0, 0, 8, 1, 0, 0, 0, 1, 7 }, "declares rank 1")]
    [DataRow(new byte[] { 0x50, 0x4B, 3, 4, 0, 0, 0, 0 }, "does not start with an IDX magic number")]
    [DataRow(new byte[] { 0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2 }, "dimension 0 of the header is 0")]
    public void BadHeaders_AreRefusedBeforeMapping_NamingTheFile(byte[] content, string problem)
    {
        string dir = IdxTestData.TempDirectory();
        try
        {
            string path = IdxTestData.Write(dir, "images", content);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.OpenImages(path));
            StringAssert.StartsWith(e.Message, path + ":");
            StringAssert.Contains(e.Message, problem);
            // Refused files are closed again: the file can be replaced at once.
            Assert.IsEmpty(Handles(path));
            File.WriteAllBytes(path, IdxTestData.Images(1, 2, 2));
            using var good = IdxReader.OpenImages(path);
            Assert.AreEqual(1, good.Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void CountsThatDisagree_AreRefused_NamingBothFiles()
    {
        string dir = IdxTestData.TempDirectory();
        try
        {
            string images = IdxTestData.Write(dir, "images", IdxTestData.Images(3, 2, 2));
            string labels = IdxTestData.Write(dir, "labels", IdxTestData.Labels(0, 1));
            var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.OpenLabeledImages(images, labels));
            Assert.AreEqual($"{images}: holds 3 images but {labels} holds 2 labels.", e.Message);
            Assert.IsEmpty(Handles(images));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void DisposedFile_RefusesToGather_AndHoldsNothing()
    {
        string dir = IdxTestData.TempDirectory();
        try
        {
            string path = IdxTestData.Write(dir, "images", IdxTestData.Images(4, 3, 3));
            var file = IdxReader.OpenImages(path);
            var data = file.ToDataset(new byte[4]);
            // The positive control: while open, the file is both mapped and open.
            if (OperatingSystem.IsLinux()) Assert.IsNotEmpty(Handles(path));
            file.Dispose();
            Assert.IsEmpty(Handles(path));
            Assert.ThrowsExactly<ObjectDisposedException>(() => data.Gather([0], new float[9], new int[1]));
            Assert.ThrowsExactly<ObjectDisposedException>(() => file.CopyImage(0, new byte[9]));
            File.Delete(path);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void TrainCommand_LeavesNoHandle_AndReportsPeakAnonymousMemory()
    {
        string dir = WriteMnistSubset(3000, 500);
        try
        {
            var (exit, output) = TrainCommandTests.Run("train", "--data", dir, "--epochs", "1", "--json");
            Assert.AreEqual(0, exit, output);
            foreach (string name in new[] { Mnist.TrainImagesFileName, Mnist.TestImagesFileName })
                Assert.IsEmpty(Handles(Path.Combine(dir, name)), name);
            using var json = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
            double anonymous = json.RootElement.GetProperty("peak_anonymous_mb").GetDouble();
            double workingSet = json.RootElement.GetProperty("peak_working_set_mb").GetDouble();
            // Anonymous memory is part of the resident set at every moment, so its peak cannot exceed the set's.
            Assert.IsGreaterThan(0.0, anonymous);
            Assert.IsLessThanOrEqualTo(workingSet, anonymous);
            // Replaceable at once: a new file takes the name, as a user regenerating the data set does.
            File.Delete(Path.Combine(dir, Mnist.TrainImagesFileName));
            File.WriteAllBytes(Path.Combine(dir, Mnist.TrainImagesFileName), IdxTestData.Images(1, 28, 28));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void LoadIdx_MapsPerCursor_SoNothingHoldsTheFileAfterFitAndEvaluate()
    {
        string dir = WriteMnistSubset(3000, 500);
        try
        {
            string images = Path.Combine(dir, Mnist.TrainImagesFileName), labels = Path.Combine(dir, Mnist.TrainLabelsFileName);
            var ml = new MLContext(1);
            var view = ml.Data.LoadIdx(images, labels, classCount: 10);
            Assert.IsEmpty(Handles(images));
            using (var cursor = view.GetRowCursor(view.Schema))
            {
                if (OperatingSystem.IsLinux()) Assert.IsNotEmpty(Handles(images));
            }
            Assert.IsEmpty(Handles(images));
            var model = ml.MulticlassClassification.Trainers.Minibatch(numberOfEpochs: 1).Fit(view);
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(view));
            Assert.IsGreaterThan(0.7, metrics.MicroAccuracy);
            Assert.IsEmpty(Handles(images));

            // The rows equal the dataset's gather of the same file, bit for bit.
            var (file, bytes) = IdxReader.OpenLabeledImages(images, labels);
            using (file)
            {
                var expected = new float[784];
                file.ToDataset(bytes).Gather([2999], expected, new int[1]);
                var last = ml.Data.CreateEnumerable<Row>(view, reuseRowObject: false).Last();
                CollectionAssert.AreEqual(expected, last.Features);
                Assert.AreEqual((uint)bytes[2999] + 1, last.Label);
            }

            // A file replaced by one of another shape is refused by the next cursor, naming it.
            File.WriteAllBytes(images, IdxTestData.Images(3000, 14, 56));
            var e = Assert.ThrowsExactly<InvalidDataException>(() => view.GetRowCursor(view.Schema).Dispose());
            StringAssert.StartsWith(e.Message, images + ": changed since it was loaded");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class Row
    {
        [VectorType(784)]
        public float[] Features { get; set; } = [];

        [KeyType(10)]
        public uint Label { get; set; }
    }

    private static void AssertSameGather(Dataset expected, Dataset actual, int[] indices)
    {
        int f = expected.FeatureCount;
        Assert.AreEqual(f, actual.FeatureCount);
        Assert.AreEqual(expected.Count, actual.Count);
        float[] a = new float[indices.Length * f], b = new float[indices.Length * f];
        int[] la = new int[indices.Length], lb = new int[indices.Length];
        expected.Gather(indices, a, la);
        actual.Gather(indices, b, lb);
        CollectionAssert.AreEqual(la, lb);
        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]))
                Assert.Fail($"row {indices[i / f]}, feature {i % f}: {a[i]} in memory, {b[i]} mapped");
        }
    }

    /// <summary>A data directory with the first rows of the real MNIST under MNIST's file names.</summary>
    private static string WriteMnistSubset(int train, int test)
    {
        MnistFiles files = Mnist.EnsureFiles();
        string dir = IdxTestData.TempDirectory();
        Subset(files.TrainImages, files.TrainLabels, Mnist.TrainImagesFileName, Mnist.TrainLabelsFileName, train);
        Subset(files.TestImages, files.TestLabels, Mnist.TestImagesFileName, Mnist.TestLabelsFileName, test);
        return dir;

        void Subset(string images, string labels, string imagesName, string labelsName, int count)
        {
            // Copied image by image from the mapping: reading the whole file would allocate 47 MB, and a collection
            // that it triggers disturbs the allocation counts of tests running in parallel.
            var pixels = new byte[count * 784];
            using (IdxImageFile all = IdxReader.OpenImages(images))
            {
                for (int i = 0; i < count; i++) all.CopyImage(i, pixels.AsSpan(i * 784, 784));
            }
            byte[] allLabels = IdxReader.ReadLabels(labels);
            IdxTestData.Write(dir, imagesName, IdxTestData.Idx(0x00000803, [(uint)count, 28, 28], pixels));
            IdxTestData.Write(dir, labelsName, IdxTestData.Labels(allLabels[..count]));
        }
    }

    /// <summary>What this process holds of <paramref name="path"/>: open descriptors and mappings (Linux's /proc; elsewhere
    /// nothing is visible, and the deletes in the tests are what check it).</summary>
    private static List<string> Handles(string path)
    {
        var found = new List<string>();
        if (!OperatingSystem.IsLinux()) return found;
        string full = Path.GetFullPath(path);
        foreach (string fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is string target && (target == full || target == full + " (deleted)")) found.Add("fd " + fd);
            }
            catch (IOException)
            {
                // A descriptor closed while listing.
            }
        }
        found.AddRange(File.ReadLines("/proc/self/maps").Where(line => line.EndsWith(" " + full, StringComparison.Ordinal)
            || line.EndsWith(" " + full + " (deleted)", StringComparison.Ordinal)).Select(line => "map " + line));
        return found;
    }
}
