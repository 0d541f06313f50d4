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
        double cy = (Height - 1) / 2.0, cx = (Width - 1) / 2.0;
        // Every output row reads the same two source rows' blend (the vertical offset is the same for the whole image)
        // and shifts them horizontally by its own amount.
        double sourceY = my - cy;
        int rowOffset = (int)Math.Floor(sourceY);
        float fy = (float)(sourceY - rowOffset);
        for (int r = 0; r < Height; r++)
        {
            double sourceX = mx - cx + alpha * (r - cy);
            int shift = (int)Math.Floor(sourceX);
            float fx = (float)(sourceX - shift);
            var output = destination.Slice(r * Width, Width);
            int top = r + rowOffset;
            for (int c = 0; c < Width; c++)
            {
                int x = c + shift;
                float upper = Pixel(image, top, x) * (1 - fx) + Pixel(image, top, x + 1) * fx;
                float lower = Pixel(image, top + 1, x) * (1 - fx) + Pixel(image, top + 1, x + 1) * fx;
                output[c] = upper * (1 - fy) + lower * fy;
            }
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
    /// image's moments follow from those in double precision.</summary>
    private (double Total, double My, double Mx, double Alpha) Moments(ReadOnlySpan<float> image)
    {
        double total = 0, sumY = 0, sumX = 0, sumYY = 0, sumYX = 0;
        for (int r = 0; r < Height; r++)
        {
            double rowSum = 0, rowX = 0;
            var row = image.Slice(r * Width, Width);
            for (int c = 0; c < Width; c++)
            {
                rowSum += row[c];
                rowX += (double)c * row[c];
            }
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

    private float Pixel(ReadOnlySpan<float> image, int r, int c) =>
        (uint)r < (uint)Height && (uint)c < (uint)Width ? image[r * Width + c] : 0f;
}
