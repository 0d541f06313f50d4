using System.Runtime.CompilerServices;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.Tensors;

/// <summary>
/// The storage that the matrix kernels read in place (parameters, gradients, a data loader's batch) starts on a cache
/// line when it is large, and is the same zeroed storage otherwise.
/// </summary>
[TestClass]
public sealed class AlignedStorageTests
{
    [TestMethod]
    public void LargeStorage_StartsOnA64ByteBoundary_Zeroed()
    {
        var kept = new List<float[]>();
        foreach (int length in new[] { AlignedStorage.MinimumLength, 39_200, 50_176, 1_000_003 })
        {
            // Several allocations of each length: a fixed offset would be right for one of them only by chance.
            for (int i = 0; i < 8; i++)
            {
                var (array, offset) = AlignedStorage.Allocate(length);
                kept.Add(array);
                Assert.AreEqual(0L, Address(array, offset) % 64, $"length {length}");
                Assert.IsTrue(offset + length <= array.Length, $"length {length}: offset {offset} of {array.Length}");
                Assert.IsTrue(array.AsSpan(offset, length).IndexOfAnyExcept(0f) < 0, $"length {length}: not zeroed");
            }
        }
    }

    [TestMethod]
    public void SmallStorage_IsAPlainArrayOfTheLength()
    {
        var (array, offset) = AlignedStorage.Allocate(AlignedStorage.MinimumLength - 1);
        Assert.AreEqual(0, offset);
        Assert.AreEqual(AlignedStorage.MinimumLength - 1, array.Length);
    }

    [TestMethod]
    public void LessonParameters_AndBatches_AreAligned()
    {
        var weight = Tensor.Zeros(50, 784);
        Assert.AreEqual(0L, Address(weight) % 64);
        var images = Tensor.Zeros(200, 784);
        var loader = new DataLoader(new TensorDataset(images, new IntTensor(new int[200])), batchSize: 64);
        foreach (var batch in loader)
        {
            Assert.AreEqual(0L, Address(batch.Features) % 64, $"batch of {batch.Features.Shape[0]}");
        }
    }

    private static unsafe long Address(float[] array, int offset) => (long)Unsafe.AsPointer(ref array[offset]);

    private static unsafe long Address(Tensor tensor) => (long)Unsafe.AsPointer(ref tensor.AsSpan()[0]);
}
