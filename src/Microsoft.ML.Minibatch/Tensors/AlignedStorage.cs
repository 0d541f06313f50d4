using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// Zeroed float storage whose first element sits on a 64-byte boundary: a cache line, and one AVX-512 vector.
/// </summary>
/// <remarks>
/// The matrix kernels read the rows of a batch and of a weight matrix in place with full-width vector loads. An
/// array's elements start 16 bytes into the object, so in most allocations half of the 32-byte loads, and every
/// 64-byte one, straddle two cache lines (the lesson's forward product on Zen 3 with AVX2: 60 → 56 µs aligned).
/// Only storage of at least <see cref="MinimumLength"/> floats is aligned: arrays that large live in the large object
/// heap anyway, collected only with generation 2 and not compacted, and the pinned object heap used here treats them
/// alike while promising that they never move, so their alignment lasts.
/// </remarks>
internal static class AlignedStorage
{
    private const int AlignmentBytes = 64;

    /// <summary>The smallest length that is aligned: the size at which .NET puts an array in the large object heap.</summary>
    internal const int MinimumLength = 85_000 / sizeof(float);

    /// <summary>Zeroed storage for <paramref name="length"/> floats: an array and the offset of the first one.</summary>
    internal static unsafe (float[] Array, int Offset) Allocate(int length)
    {
        if (length < MinimumLength)
        {
            return (new float[length], 0);
        }

        var array = GC.AllocateArray<float>(length + AlignmentBytes / sizeof(float) - 1, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return (array, (int)((-address & (AlignmentBytes - 1)) / sizeof(float)));
    }
}
