namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// Greyscale images as stored in an IDX image file: <see cref="Count"/> images of
/// <see cref="Rows"/> × <see cref="Columns"/> unsigned bytes, row-major, one image after the other.
/// </summary>
public sealed class IdxImages
{
    /// <summary>Wraps pixels already in memory (no copy).</summary>
    /// <param name="count">Number of images; positive.</param>
    /// <param name="rows">Rows per image; positive.</param>
    /// <param name="columns">Columns per image; positive.</param>
    /// <param name="pixels">Count × Rows × Columns bytes, row-major.</param>
    public IdxImages(int count, int rows, int columns, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        long expected = (long)count * rows * columns;
        if (pixels.LongLength != expected)
        {
            throw new ArgumentException(
                $"{count} images of {rows}×{columns} need {expected} pixels, but {pixels.LongLength} were given.", nameof(pixels));
        }
        Count = count;
        Rows = rows;
        Columns = columns;
        Pixels = pixels;
    }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Rows per image (28 for MNIST).</summary>
    public int Rows { get; }

    /// <summary>Columns per image (28 for MNIST).</summary>
    public int Columns { get; }

    /// <summary>Pixels per image: <see cref="Rows"/> × <see cref="Columns"/>.</summary>
    public int PixelsPerImage => Rows * Columns;

    /// <summary>All pixels, image after image, each image row-major; 0 is background, 255 is ink.</summary>
    public byte[] Pixels { get; }

    /// <summary>The pixels of one image, row-major.</summary>
    /// <param name="index">Zero-based image index.</param>
    public ReadOnlySpan<byte> GetImage(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }
}
