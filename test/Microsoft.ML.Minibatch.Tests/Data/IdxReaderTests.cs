using System.Text.Json;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Tests.Data;

[TestClass]
public sealed class IdxReaderTests
{
    private static string _dir = "";

    [ClassInitialize]
    public static void Setup(TestContext _) => _dir = IdxTestData.TempDirectory();

    [ClassCleanup]
    public static void Cleanup() => Directory.Delete(_dir, recursive: true);

    private static InvalidDataException ReadImagesFails(string name, byte[] content)
    {
        string path = IdxTestData.Write(_dir, name, content);
        return Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));
    }

    [TestMethod]
    public void RawImages_RoundTrip()
    {
        string path = IdxTestData.Write(_dir, "raw-images", IdxTestData.Images(3, 2, 4));
        IdxImages images = IdxReader.ReadImages(path);
        Assert.AreEqual(3, images.Count);
        Assert.AreEqual(2, images.Rows);
        Assert.AreEqual(4, images.Columns);
        CollectionAssert.AreEqual(IdxTestData.Pixels(3, 2, 4), images.Pixels);
        CollectionAssert.AreEqual(IdxTestData.Pixels(3, 2, 4)[8..16], images.GetImage(1).ToArray());
    }

    [TestMethod]
    public void GzipImages_AreRecognisedByContentNotName()
    {
        // Named without .gz on purpose: detection must come from the 1f 8b magic.
        string path = IdxTestData.Write(_dir, "gzip-images", IdxTestData.Gzip(IdxTestData.Images(5, 3, 3)));
        IdxImages images = IdxReader.ReadImages(path);
        Assert.AreEqual(5, images.Count);
        CollectionAssert.AreEqual(IdxTestData.Pixels(5, 3, 3), images.Pixels);
    }

    [TestMethod]
    public void RawFileNamedGz_IsReadAsRaw()
    {
        string path = IdxTestData.Write(_dir, "really-raw.gz", IdxTestData.Labels(1, 2, 3));
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, IdxReader.ReadLabels(path));
    }

    [TestMethod]
    public void Labels_FromNonSeekableGzipAndRawStreams_RoundTrip()
    {
        // Three million labels: more than the first growth chunk, so the buffer must grow to fit.
        byte[] labels = Enumerable.Range(0, 3_000_000).Select(i => (byte)(i * 7 % 10)).ToArray();
        byte[] raw = IdxTestData.Labels(labels);
        using (var gz = new NonSeekableStream(new MemoryStream(IdxTestData.Gzip(raw))))
        {
            CollectionAssert.AreEqual(labels, IdxReader.ReadLabels(gz, "stream.gz"));
        }
        using var plain = new NonSeekableStream(new MemoryStream(raw));
        CollectionAssert.AreEqual(labels, IdxReader.ReadLabels(plain, "stream"));
    }

    [TestMethod]
    public void TruncatedRawFile_IsRejectedWithTheClaimAndTheActualSize()
    {
        byte[] full = IdxTestData.Images(3, 2, 4);
        var e = ReadImagesFails("truncated-images", full[..^5]);
        StringAssert.Contains(e.Message, "truncated-images");
        StringAssert.Contains(e.Message, "header claims 3 images of 2×4");
        StringAssert.Contains(e.Message, "holds 19 bytes of pixels");
    }

    [TestMethod]
    public void TruncatedGzipFile_IsRejected()
    {
        byte[] gz = IdxTestData.Gzip(IdxTestData.Images(50, 8, 8));
        var e = ReadImagesFails("truncated-gz", gz[..(gz.Length / 2)]);
        StringAssert.Contains(e.Message, "truncated-gz");
    }

    [TestMethod]
    public void TruncatedNonSeekableGzip_IsRejected()
    {
        byte[] gz = IdxTestData.Gzip(IdxTestData.Images(50, 8, 8));
        using var stream = new NonSeekableStream(new MemoryStream(gz[..(gz.Length - 30)]));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(stream, "cut-stream"));
        StringAssert.Contains(e.Message, "cut-stream");
    }

    [TestMethod]
    public void TrailingBytes_AreRejected()
    {
        var e = ReadImagesFails("long-images", [.. IdxTestData.Images(2, 2, 2), 9, 9]);
        StringAssert.Contains(e.Message, "header claims 2 images of 2×2");
        StringAssert.Contains(e.Message, "holds 10 bytes of pixels");
    }

    [TestMethod]
    public void HeaderCutShort_IsRejected()
    {
        var e = ReadImagesFails("short-header", IdxTestData.Images(1, 1, 1)[..10]);
        StringAssert.Contains(e.Message, "cut short");
        var tiny = ReadImagesFails("tiny", [0, 0, 8]);
        StringAssert.Contains(tiny.Message, "too short for an IDX header");
    }

    [TestMethod]
    public void WrongMagic_IsRejected()
    {
        var e = ReadImagesFails("not-idx", IdxTestData.Idx(0x12345678, [1, 1, 1], [0]));
        StringAssert.Contains(e.Message, "not-idx");
        StringAssert.Contains(e.Message, "0x12345678");
    }

    [TestMethod]
    public void WrongElementType_IsRejected()
    {
        var e = ReadImagesFails("floats", IdxTestData.Idx(0x00000D03, [1, 1, 1], [0, 0, 0, 0]));
        StringAssert.Contains(e.Message, "element type 0x0D");
    }

    [TestMethod]
    public void WrongRank_IsRejected()
    {
        // An image file handed to the label reader, and a rank-2 file handed to the image reader.
        string images = IdxTestData.Write(_dir, "images-as-labels", IdxTestData.Images(2, 2, 2));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadLabels(images));
        StringAssert.Contains(e.Message, "images-as-labels");
        StringAssert.Contains(e.Message, "rank 3");
        var rank2 = ReadImagesFails("rank2", IdxTestData.Idx(0x00000802, [2, 2], [1, 2, 3, 4]));
        StringAssert.Contains(rank2.Message, "rank 2");
    }

    [TestMethod]
    public void ZeroDimension_IsRejected()
    {
        var e = ReadImagesFails("zero-rows", IdxTestData.Idx(0x00000803, [3, 0, 4], []));
        StringAssert.Contains(e.Message, "dimension 1");
    }

    [TestMethod]
    public void EmptyFile_IsRejected()
    {
        var e = ReadImagesFails("empty-file", []);
        StringAssert.Contains(e.Message, "empty-file");
        StringAssert.Contains(e.Message, "empty");
    }

    [TestMethod]
    public void GzipGarbage_IsRejected()
    {
        byte[] garbage = new byte[200];
        new Random(7).NextBytes(garbage);
        garbage[0] = 0x1f;
        garbage[1] = 0x8b;
        var e = ReadImagesFails("garbage.gz", garbage);
        StringAssert.Contains(e.Message, "garbage.gz");
    }

    [TestMethod]
    public void HugeClaim_InRawFile_IsRejectedWithoutAllocatingIt()
    {
        byte[] content = IdxTestData.Idx(0x00000803, [1u << 31, 28, 28], new byte[784]);
        string path = IdxTestData.Write(_dir, "huge-claim", content);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        StringAssert.Contains(e.Message, "header claims 2147483648 images of 28×28");
        StringAssert.Contains(e.Message, "holds 784 bytes of pixels");
        Assert.IsLessThan(1_000_000L, allocated, $"allocated {allocated} bytes");
    }

    [TestMethod]
    public void HugeClaim_InGzipFile_IsRejectedWithoutAllocatingIt()
    {
        // 2^31 images does not fit one array at all; 100,000 does, but the stream holds one image.
        byte[] content = IdxTestData.Gzip(IdxTestData.Idx(0x00000803, [100_000, 28, 28], new byte[784]));
        string path = IdxTestData.Write(_dir, "huge-claim.gz", content);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var seekable = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));
        using var stream = new NonSeekableStream(new MemoryStream(content));
        var streamed = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(stream, "huge-stream"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        StringAssert.Contains(seekable.Message, "header claims 100000 images of 28×28");
        StringAssert.Contains(streamed.Message, "header claims 100000 images of 28×28");
        // 78 MB claimed; only bounded chunks (plus the inflater's own buffers) may be allocated.
        Assert.IsLessThan(8_000_000L, allocated, $"allocated {allocated} bytes");

        var absurd = ReadImagesFails("absurd.gz", IdxTestData.Gzip(IdxTestData.Idx(0x00000803, [1u << 31, 28, 28], new byte[784])));
        StringAssert.Contains(absurd.Message, "header claims 2147483648 images of 28×28");
    }

    [TestMethod]
    public void ImageAndLabelCounts_MustAgree()
    {
        string images = IdxTestData.Write(_dir, "three-images", IdxTestData.Images(3, 2, 2));
        string labels = IdxTestData.Write(_dir, "two-labels", IdxTestData.Labels(1, 2));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadLabeledImages(images, labels));
        StringAssert.Contains(e.Message, "three-images");
        StringAssert.Contains(e.Message, "two-labels");
        StringAssert.Contains(e.Message, "3 images");
        StringAssert.Contains(e.Message, "2 labels");
    }

    [TestMethod]
    public void LabelOutOfRange_IsRejected_AndTheClassCountDecides()
    {
        string path = IdxTestData.Write(_dir, "label-ten", IdxTestData.Labels(0, 9, 10, 3));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadLabels(path));
        StringAssert.Contains(e.Message, "label-ten");
        StringAssert.Contains(e.Message, "label 10 at index 2");
        CollectionAssert.AreEqual(new byte[] { 0, 9, 10, 3 }, IdxReader.ReadLabels(path, classCount: 11));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => IdxReader.ReadLabels(path, classCount: 0));
    }

    [TestMethod]
    public void LabeledImages_ScalePixelsExactlyAsPyTorch()
    {
        // All 256 byte values; the reference bits come from torch: uint8 -> float32, then / 255.
        string golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Data", "mnist_golden.json"));
        uint[] expected = JsonDocument.Parse(golden).RootElement.GetProperty("byte_to_float_bits").EnumerateArray().Select(e => e.GetUInt32()).ToArray();
        byte[] pixels = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        string images = IdxTestData.Write(_dir, "all-bytes-images", IdxTestData.Idx(0x00000803, [4, 8, 8], pixels));
        string labels = IdxTestData.Write(_dir, "all-bytes-labels.gz", IdxTestData.Gzip(IdxTestData.Labels(3, 1, 4, 1)));
        LabeledImages data = IdxReader.ReadLabeledImages(images, labels);
        Assert.AreEqual(4, data.Count);
        Assert.AreEqual(64, data.FeatureCount);
        CollectionAssert.AreEqual(new byte[] { 3, 1, 4, 1 }, data.Labels);
        CollectionAssert.AreEqual(expected, data.Features.Select(BitConverter.SingleToUInt32Bits).ToArray());
        Assert.AreEqual(1f, data.Features[255]);
        CollectionAssert.AreEqual(new[] { 0, 2, 0, 1, 1, 0, 0, 0, 0, 0 }, data.CountPerClass());
        LabeledImages tail = data.Slice(2, 2);
        CollectionAssert.AreEqual(new byte[] { 4, 1 }, tail.Labels);
        Assert.AreEqual(128f / 255f, tail.Features[0]);
    }
}
