using System.Buffers;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>The rows of another dataset, each deskewed as it is gathered (<see cref="ImageDeskew"/>), so that training
/// sees the images a deskewing model scores, on any engine.</summary>
internal sealed class DeskewedDataset : Dataset
{
    private readonly Dataset _images;
    private readonly ImageDeskew _deskew;

    public DeskewedDataset(Dataset images, ImageDeskew deskew)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(deskew);
        if (images.FeatureCount != deskew.PixelCount)
            throw new ArgumentException($"The dataset has {images.FeatureCount} features per row, not {deskew.Height} × {deskew.Width} pixels.", nameof(images));
        _images = images;
        _deskew = deskew;
    }

    public override int Count => _images.Count;

    public override int FeatureCount => _images.FeatureCount;

    public override void Prefetch(ReadOnlySpan<int> indices) => _images.Prefetch(indices);

    protected override void GatherCore(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        _images.Gather(indices, features, labels);
        float[] scratch = ArrayPool<float>.Shared.Rent(_deskew.PixelCount);
        try
        {
            _deskew.ApplyInPlace(features, indices.Length, scratch);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }
}
