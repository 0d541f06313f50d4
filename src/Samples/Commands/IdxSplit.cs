using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>
/// The training and validation sets of an IDX data set, read from the mapped image files: disposing unmaps them, so the
/// command that trains owns the files' lifetime and no handle outlives it.
/// </summary>
internal sealed class IdxSplit(ByteImageDataset train, ByteImageDataset valid, IdxDataSource source, int imageWidth, IReadOnlyList<IdxImageFile> files)
    : IDisposable
{
    /// <summary>The training rows.</summary>
    public ByteImageDataset Train { get; } = train;

    /// <summary>The validation rows (the last sixth of the training file, or t10k).</summary>
    public ByteImageDataset Valid { get; } = valid;

    /// <summary>The files and K.</summary>
    public IdxDataSource Source { get; } = source;

    /// <summary>The images' width in pixels.</summary>
    public int ImageWidth { get; } = imageWidth;

    /// <summary>The parts, for <c>var (train, valid, source, width) = split;</c>.</summary>
    public void Deconstruct(out ByteImageDataset train, out ByteImageDataset valid, out IdxDataSource source, out int imageWidth) =>
        (train, valid, source, imageWidth) = (Train, Valid, Source, ImageWidth);

    /// <summary>Unmaps the image files; the datasets cannot be read afterwards.</summary>
    public void Dispose()
    {
        foreach (var file in files) file.Dispose();
    }
}
