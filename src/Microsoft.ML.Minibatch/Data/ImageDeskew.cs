using System.Runtime.Intrinsics;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// Straightens slanted images by their moments, the "deskewing" of LeCun's MNIST results table: the ink's centroid
/// (my, mx) is moved to the image's centre and the rows are sheared horizontally by α = cov(y, x) / var(y), so the
/// ink's main axis becomes vertical. Output pixel (r, c) is the input sampled bilinearly at
/// y = r + my − cy, x = c + mx − cx + α·(r − cy), with cy = (H − 1)/2, cx = (W − 1)/2 and zeros outside the image —
/// PyTorch's <c>grid_sample(align_corners=True, padding_mode='zeros')</c> and ONNX's GridSample on that grid.
/// </summary>
/// <remarks>
/// Pixel values are ink intensities (MNIST's bytes, or those divided by 255). An image without positive total ink is
/// left as it is; so is the shear of one whose ink lies in a single row (var(y) ≤ <see cref="MinRowVariance"/>), whose
/// slant is undefined.
/// </remarks>
internal sealed class ImageDeskew
{
    /// <summary>The row variance (pixels²) below which no shear is applied: exactly 0 for ink in one row, which float
    /// arithmetic only approximates; any real stroke over two rows has at least a few tenths.</summary>
    public const double MinRowVariance = 0.01;

    /// <summary>Deskews images of <paramref name="height"/> × <paramref name="width"/> pixels, row-major.</summary>
    public ImageDeskew(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 2);
        Height = height;
        Width = width;
    }

    public int Height { get; }

    public int Width { get; }

    public int PixelCount => Height * Width;

    /// <summary>
    /// The deskewing of images of <paramref name="featureCount"/> pixels per row, <paramref name="imageWidth"/> wide
    /// (0: square), or a message saying why such rows are not images it can deskew.
    /// </summary>
    public static ImageDeskew? For(int featureCount, int imageWidth, out string? problem)
    {
        problem = null;
        int width = imageWidth;
        if (width == 0)
        {
            width = (int)Math.Round(Math.Sqrt(featureCount));
            if ((long)width * width != featureCount)
            {
                problem = $"the {featureCount} features are not a square image; give the image's width";
                return null;
            }
        }
        if (width < 2 || featureCount % width != 0 || featureCount / width < 2)
        {
            problem = $"{featureCount} features are not an image of width {width} with at least 2 rows and 2 columns";
            return null;
        }
        return new ImageDeskew(featureCount / width, width);
    }

    /// <summary>Writes the deskewed <paramref name="image"/> to <paramref name="destination"/> (not overlapping).</summary>
    public void Apply(ReadOnlySpan<float> image, Span<float> destination)
    {
        if (image.Length != PixelCount || destination.Length != PixelCount)
            throw new ArgumentException($"An image has {PixelCount} pixels ({Height} × {Width}).");
        var (total, my, mx, alpha) = Moments(image);
        if (!(total > 0))
        {
            image.CopyTo(destination);
            return;
        }
        int w = Width;
        // The two source rows an output row blends, each with w + 1 zeros on both sides, so that a shifted read never
        // leaves the buffer (shifts beyond the padding read zeros only, and are clamped to it).
        int pad = w + 1;
        Span<float> upper = w <= 512 ? stackalloc float[3 * w + 2] : new float[3 * w + 2];
        Span<float> lower = w <= 512 ? stackalloc float[3 * w + 2] : new float[3 * w + 2];
        upper.Clear();
        lower.Clear();
        double cy = (Height - 1) / 2.0, cx = (w - 1) / 2.0;
        // Every output row reads the same two source rows' blend (the vertical offset is the same for the whole image)
        // and shifts them horizontally by its own amount.
        double sourceY = my - cy;
        int rowOffset = (int)Math.Clamp(Math.Floor(sourceY), -Height - 1, Height);
        float fy = (float)(sourceY - Math.Floor(sourceY));
        for (int r = 0; r < Height; r++)
        {
            CopyRow(image, r + rowOffset, upper.Slice(pad, w));
            CopyRow(image, r + rowOffset + 1, lower.Slice(pad, w));
            double sourceX = mx - cx + alpha * (r - cy);
            double floorX = Math.Floor(sourceX);
            int shift = (int)Math.Clamp(floorX, -pad, w);
            int at = pad + shift;
            Blend(upper.Slice(at, w + 1), lower.Slice(at, w + 1), (float)(sourceX - floorX), fy, destination.Slice(r * w, w));
        }
    }

    /// <summary>Row <paramref name="row"/> of the image into <paramref name="destination"/>, or zeros outside the image.</summary>
    private void CopyRow(ReadOnlySpan<float> image, int row, Span<float> destination)
    {
        if ((uint)row < (uint)Height) image.Slice(row * Width, Width).CopyTo(destination);
        else destination.Clear();
    }

    /// <summary>output[c] = (u[c]·(1 − fx) + u[c+1]·fx)·(1 − fy) + (l[c]·(1 − fx) + l[c+1]·fx)·fy, eight lanes at a time;
    /// separate multiplies and adds, as in the scalar tail, so every lane rounds alike.</summary>
    private static void Blend(ReadOnlySpan<float> u, ReadOnlySpan<float> l, float fx, float fy, Span<float> output)
    {
        float gx = 1 - fx, gy = 1 - fy;
        int c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; c + Vector256<float>.Count <= output.Length; c += Vector256<float>.Count)
            {
                var top = Vector256.Create(u.Slice(c)) * gx + Vector256.Create(u.Slice(c + 1)) * fx;
                var bottom = Vector256.Create(l.Slice(c)) * gx + Vector256.Create(l.Slice(c + 1)) * fx;
                (top * gy + bottom * fy).CopyTo(output.Slice(c));
            }
        }
        for (; c < output.Length; c++)
        {
            float top = u[c] * gx + u[c + 1] * fx;
            float bottom = l[c] * gx + l[c + 1] * fx;
            output[c] = top * gy + bottom * fy;
        }
    }

    /// <summary>Deskews <paramref name="count"/> consecutive images in place, using <paramref name="scratch"/> (one image).</summary>
    public void ApplyInPlace(Span<float> images, int count, Span<float> scratch)
    {
        for (int i = 0; i < count; i++)
        {
            var image = images.Slice(i * PixelCount, PixelCount);
            Apply(image, scratch[..PixelCount]);
            scratch[..PixelCount].CopyTo(image);
        }
    }

    /// <summary>The total ink, the centroid and the shear. One pass: per row its sum and its column-weighted sum; the
    /// image's moments follow from those, all in double precision.</summary>
    private (double Total, double My, double Mx, double Alpha) Moments(ReadOnlySpan<float> image)
    {
        double total = 0, sumY = 0, sumX = 0, sumYY = 0, sumYX = 0;
        for (int r = 0; r < Height; r++)
        {
            var (rowSum, rowX) = RowSums(image.Slice(r * Width, Width));
            total += rowSum;
            sumY += r * rowSum;
            sumYY += (double)r * r * rowSum;
            sumX += rowX;
            sumYX += r * rowX;
        }
        if (!(total > 0)) return (total, 0, 0, 0);
        double my = sumY / total, mx = sumX / total;
        double varY = sumYY / total - my * my, covYX = sumYX / total - my * mx;
        return (total, my, mx, varY > MinRowVariance ? covYX / varY : 0);
    }

    /// <summary>Σ v and Σ c·v over a row, in double, four columns per step (independent lanes, so the additions do not
    /// wait on each other), then the lanes in a fixed order.</summary>
    private static (double Sum, double WeightedSum) RowSums(ReadOnlySpan<float> row)
    {
        int c = 0;
        double sum = 0, weighted = 0;
        if (Vector256.IsHardwareAccelerated && row.Length >= 4)
        {
            var sums = Vector256<double>.Zero;
            var weightedSums = Vector256<double>.Zero;
            var columns = Vector256.Create(0.0, 1, 2, 3);
            var four = Vector256.Create(4.0);
            for (; c + 4 <= row.Length; c += 4)
            {
                var values = Vector128.Create(row.Slice(c));
                var wide = Vector256.Create(Vector128.WidenLower(values), Vector128.WidenUpper(values));
                sums += wide;
                weightedSums += wide * columns;
                columns += four;
            }
            sum = Vector256.Sum(sums);
            weighted = Vector256.Sum(weightedSums);
        }
        for (; c < row.Length; c++)
        {
            sum += row[c];
            weighted += (double)c * row[c];
        }
        return (sum, weighted);
    }
}
