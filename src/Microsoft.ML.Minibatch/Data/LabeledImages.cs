using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// Images as feature vectors with their class labels, free of any tensor or ML.NET type so that
/// every other room can build on it: <see cref="Features"/> is a row-major
/// <see cref="Count"/> × <see cref="FeatureCount"/> matrix, <see cref="Labels"/> one class index per row.
/// </summary>
public sealed class LabeledImages
{
    /// <summary>Wraps features and labels already in memory (no copy) after checking their shapes.</summary>
    /// <param name="rows">Rows per image; positive.</param>
    /// <param name="columns">Columns per image; positive.</param>
    /// <param name="features">Count × rows × columns floats, row-major.</param>
    /// <param name="labels">One label per image, each below <paramref name="classCount"/>.</param>
    /// <param name="classCount">Number of classes, 1 to 256.</param>
    public LabeledImages(int rows, int columns, float[] features, byte[] labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (classCount is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "The class count must lie in 1..256 because labels are bytes.");
        }
        long expected = (long)labels.Length * rows * columns;
        if (features.LongLength != expected)
        {
            throw new ArgumentException(
                $"{labels.Length} labels of {rows}×{columns} images need {expected} features, but {features.LongLength} were given.", nameof(features));
        }
        if (labels.Length > 0 && TensorPrimitives.Max<byte>(labels) >= classCount)
        {
            int index = Array.FindIndex(labels, label => label >= classCount);
            throw new ArgumentException($"Label {labels[index]} at index {index} is outside 0..{classCount - 1}.", nameof(labels));
        }
        Rows = rows;
        Columns = columns;
        Features = features;
        Labels = labels;
        ClassCount = classCount;
    }

    /// <summary>Number of images (and labels).</summary>
    public int Count => Labels.Length;

    /// <summary>Rows per image.</summary>
    public int Rows { get; }

    /// <summary>Columns per image.</summary>
    public int Columns { get; }

    /// <summary>Features per image: <see cref="Rows"/> × <see cref="Columns"/> (784 for MNIST).</summary>
    public int FeatureCount => Rows * Columns;

    /// <summary>Row-major <see cref="Count"/> × <see cref="FeatureCount"/> pixel intensities in [0, 1].</summary>
    public float[] Features { get; }

    /// <summary>Class index of each image, in 0..<see cref="ClassCount"/>-1.</summary>
    public byte[] Labels { get; }

    /// <summary>Number of classes (10 for MNIST).</summary>
    public int ClassCount { get; }

    /// <summary>
    /// Scales IDX pixels to floats in [0, 1] as value / 255 (a correctly rounded float division,
    /// as <c>x.float() / 255</c> computes it) and pairs them with their labels.
    /// </summary>
    /// <param name="images">The images.</param>
    /// <param name="labels">One label per image.</param>
    /// <param name="classCount">Number of classes, 1 to 256.</param>
    /// <returns>The labelled images.</returns>
    public static LabeledImages FromIdx(IdxImages images, byte[] labels, int classCount = IdxReader.DefaultClassCount)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Length != images.Count)
        {
            throw new ArgumentException($"{images.Count} images need {images.Count} labels, but {labels.Length} were given.", nameof(labels));
        }
        float[] features = GC.AllocateUninitializedArray<float>(images.Pixels.Length);
        TensorPrimitives.ConvertTruncating<byte, float>(images.Pixels, features);
        TensorPrimitives.Divide(features, 255f, features);
        return new LabeledImages(images.Rows, images.Columns, features, labels, classCount);
    }

    /// <summary>The features of one image, row-major.</summary>
    /// <param name="index">Zero-based image index.</param>
    public ReadOnlySpan<float> GetFeatures(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Features.AsSpan(index * FeatureCount, FeatureCount);
    }

    /// <summary>A copy of the images <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1.</summary>
    /// <param name="start">First image of the slice.</param>
    /// <param name="count">Number of images in the slice; positive.</param>
    /// <returns>A new instance that shares nothing with this one.</returns>
    public LabeledImages Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if ((long)start + count > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Images {start}..{start + count - 1} do not all lie within the {Count} images.");
        }
        float[] features = Features.AsSpan(start * FeatureCount, count * FeatureCount).ToArray();
        byte[] labels = Labels.AsSpan(start, count).ToArray();
        return new LabeledImages(Rows, Columns, features, labels, ClassCount);
    }

    /// <summary>How many images carry each label: element <c>k</c> counts label <c>k</c>.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (byte label in Labels) counts[label]++;
        return counts;
    }
}
