using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.DataTests;

[TestClass]
public sealed class LoaderDatasetTests
{
    [TestMethod]
    public void TensorDataset_ItemAndSlice_AsTheSeedsDataset()
    {
        var x = Tensor.Rand(new Generator(1), 20, 784);
        var y = new IntTensor(Enumerable.Range(0, 20).Select(i => (i * 3) % 10).ToArray());
        var ds = new TensorDataset(x, y);
        Assert.AreEqual(20, ds.Count);
        var (xb, yb) = ds.GetBatch(0, 5);
        CollectionAssert.AreEqual(new[] { 5, 784 }, xb.GetShape());
        CollectionAssert.AreEqual(new[] { 5 }, yb.Shape.ToArray());
        CollectionAssert.AreEqual(new[] { 0, 3, 6, 9, 2 }, yb.ToArray());
        var (row, label) = ds[7];
        CollectionAssert.AreEqual(x.ToArray()[(7 * 784)..(8 * 784)], row.ToArray());
        Assert.AreEqual(1, label);
    }

    [TestMethod]
    public void Gather_IntoTensors_ChecksShapesAndIndices()
    {
        var ds = new TensorDataset(Tensor.Zeros(4, 3), new IntTensor(new int[4]));
        Assert.AreEqual("features", Assert.ThrowsExactly<ArgumentException>(() => ds.Gather([0, 1], Tensor.Zeros(2, 4), new IntTensor(new int[2]))).ParamName);
        Assert.AreEqual("labels", Assert.ThrowsExactly<ArgumentException>(() => ds.Gather([0, 1], Tensor.Zeros(2, 3), new IntTensor(new int[3]))).ParamName);
        Assert.AreEqual("indices", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ds.Gather([0, 4], Tensor.Zeros(2, 3), new IntTensor(new int[2]))).ParamName);
        Assert.AreEqual("labels", Assert.ThrowsExactly<ArgumentException>(() => new TensorDataset(Tensor.Zeros(4, 3), new IntTensor(new int[5]))).ParamName);
    }

    [TestMethod]
    public void ByteImageDataset_GathersPixelsDividedBy255_AsTorchsFloatDivision()
    {
        var pixels = new byte[3 * 256];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i % 256);
        var labels = new byte[] { 7, 1, 4 };
        var ds = new ByteImageDataset(pixels, labels, 256);
        var features = new float[2 * 256];
        var gotLabels = new int[2];
        ds.Gather([2, 0], features, gotLabels);
        CollectionAssert.AreEqual(new[] { 4, 7 }, gotLabels);
        for (int v = 0; v < 256; v++)
        {
            // Correctly rounded float32 division, which is what torch's x.float() / 255 computes; 1/255 as a multiplier differs for some v.
            Assert.AreEqual((float)((double)v / 255.0), features[v], $"pixel {v}");
        }
        Assert.AreEqual(1f, features[255]);
        Assert.AreEqual(0f, features[256]);
    }

    [TestMethod]
    public void ByteImageDataset_ConvertsEveryRowWidth_ThroughEveryVectorSize()
    {
        // Blocks of 64, 32 and 16 pixels and a scalar tail: widths that use each, alone and together (784 = 12·64 + 16).
        var rand = new Random(3);
        foreach (int width in new[] { 1, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 80, 97, 127, 784 })
        {
            var pixels = new byte[5 * width];
            rand.NextBytes(pixels);
            var ds = new ByteImageDataset(pixels, new byte[5], width);
            var features = new float[3 * width];
            ds.Gather([4, 0, 2], features, new int[3]);
            int[] rows = [4, 0, 2];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < width; j++)
                    Assert.AreEqual((float)((double)pixels[rows[i] * width + j] / 255.0), features[i * width + j], $"width {width}, row {i}, pixel {j}");
        }
    }

    [TestMethod]
    public void Prefetch_IsAHint_ThatTakesAnyIndexAndChangesNoRow()
    {
        var pixels = Enumerable.Range(0, 3 * 70).Select(i => (byte)i).ToArray();
        var bytes = new ByteImageDataset(pixels, new byte[] { 1, 2, 3 }, 70);
        var floats = new TensorDataset(Tensor.FromArray(Enumerable.Range(0, 3 * 70).Select(i => (float)i).ToArray(), 3, 70), new IntTensor([1, 2, 3]));
        foreach (Dataset ds in new Dataset[] { bytes, floats, bytes.Slice(1, 2) })
        {
            var before = ds.GetBatch(0, ds.Count);
            ds.Prefetch([0, ds.Count - 1, ds.Count, -1, int.MaxValue, int.MinValue]);
            ds.Prefetch([]);
            var after = ds.GetBatch(0, ds.Count);
            CollectionAssert.AreEqual(before.Features.ToArray(), after.Features.ToArray(), ds.GetType().Name);
            CollectionAssert.AreEqual(before.Labels.ToArray(), after.Labels.ToArray(), ds.GetType().Name);
        }
    }

    [TestMethod]
    public void ByteImageDataset_SliceSharesRows_AndChecksSizes()
    {
        var pixels = Enumerable.Range(0, 40).Select(i => (byte)i).ToArray();
        var ds = new ByteImageDataset(pixels, new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 4);
        var tail = ds.Slice(8, 2);
        Assert.AreEqual(2, tail.Count);
        var (row, label) = tail[1];
        Assert.AreEqual(9, label);
        Assert.AreEqual(36f / 255f, row.ToArray()[0]);
        Assert.AreEqual("pixels", Assert.ThrowsExactly<ArgumentException>(() => new ByteImageDataset(pixels, new byte[3], 4)).ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ds.Slice(9, 2));
    }
}
