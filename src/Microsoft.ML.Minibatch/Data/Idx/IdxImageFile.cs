using System.Runtime.InteropServices;
using System.IO.MemoryMappedFiles;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// An IDX image file opened for reading images by index, as <see cref="IdxReader.OpenImages(string)"/> returns it: a raw
/// file is memory-mapped read-only (nothing is copied, pixels are addressed by 64-bit offsets so files larger than 2 GB
/// work, and the pages read belong to the operating system's file cache rather than to the process); a gzip file is
/// read into memory, because compressed bytes cannot be mapped.
/// </summary>
/// <remarks>
/// Disposing unmaps the file and closes its handle; until then the file stays open (on Windows it cannot be deleted).
/// Datasets made by <see cref="ToDataset(ReadOnlyMemory{byte})"/> read through the mapping and throw
/// <see cref="ObjectDisposedException"/> once it is gone. The file must not be truncated while it is mapped: reading a
/// page that no longer exists ends the process.
/// </remarks>
public sealed class IdxImageFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly IdxImages? _inMemory;
    // Bytes from the start of the view to the first pixel: the header, plus where the view begins within its page.
    private readonly long _dataOffset;

    private IdxImageFile(string path, int count, int rows, int columns)
    {
        Path = path;
        Count = count;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Wraps a file already read into memory (a gzip file).</summary>
    internal IdxImageFile(string path, IdxImages images)
        : this(path, images.Count, images.Rows, images.Columns)
    {
        _inMemory = images;
    }

    private IdxImageFile(string path, FileStream stream, int count, int rows, int columns, long headerLength)
        : this(path, count, rows, columns)
    {
        _map = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read,
            HandleInheritability.None, leaveOpen: false);
        try
        {
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            _dataOffset = _view.PointerOffset + headerLength;
        }
        catch
        {
            _map.Dispose();
            throw;
        }
    }

    /// <summary>Maps a raw file whose header the caller has checked against its length; the mapping owns the stream.</summary>
    internal static IdxImageFile Map(string path, FileStream stream, int count, int rows, int columns, long headerLength) =>
        new(path, stream, count, rows, columns, headerLength);

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Rows per image (28 for MNIST).</summary>
    public int Rows { get; }

    /// <summary>Columns per image (28 for MNIST).</summary>
    public int Columns { get; }

    /// <summary>Pixels per image: <see cref="Rows"/> × <see cref="Columns"/>.</summary>
    public int PixelsPerImage => Rows * Columns;

    /// <summary>Whether the file is memory-mapped (a raw file) rather than read into memory (a gzip file).</summary>
    public bool IsMapped => _view != null;

    /// <summary>Copies the pixels of one image, row-major, into <paramref name="destination"/>.</summary>
    /// <param name="index">Zero-based image index.</param>
    /// <param name="destination">Receives <see cref="PixelsPerImage"/> bytes.</param>
    /// <exception cref="ObjectDisposedException">The file has been disposed.</exception>
    public void CopyImage(int index, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        if (destination.Length != PixelsPerImage)
            throw new ArgumentException($"The destination holds {destination.Length} bytes, an image {PixelsPerImage}.", nameof(destination));
        if (_inMemory != null)
        {
            _inMemory.GetImage(index).CopyTo(destination);
            return;
        }
        unsafe
        {
            using var view = new HeldPointer(View);
            new ReadOnlySpan<byte>(view.Start + _dataOffset + (long)index * PixelsPerImage, PixelsPerImage).CopyTo(destination);
        }
    }

    /// <summary>
    /// A dataset over these images and <paramref name="labels"/> that converts pixels to <c>pixel / 255</c> while
    /// gathering, reading straight from the mapping; it is valid until this file is disposed.
    /// </summary>
    /// <param name="labels">One class label per image.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="ArgumentException"><paramref name="labels"/> does not hold one label per image.</exception>
    public ByteImageDataset ToDataset(ReadOnlyMemory<byte> labels)
    {
        if (labels.Length != Count)
            throw new ArgumentException($"{Path} holds {Count} images but {labels.Length} labels were given.", nameof(labels));
        if (_inMemory != null) return new ByteImageDataset(_inMemory.Pixels, labels, PixelsPerImage);
        return new ByteImageDataset(View, _dataOffset, labels, PixelsPerImage);
    }

    /// <summary>Unmaps the file and closes its handle (a file read into memory is simply released).</summary>
    public void Dispose()
    {
        // The view goes first: the mapping object must outlive every view of it on Windows.
        _view?.Dispose();
        _map?.Dispose();
    }

    // Every reader holds it (HeldPointer) while it reads, so disposing never unmaps pages under a gather.
    private SafeBuffer View => _view!.SafeMemoryMappedViewHandle;
}
