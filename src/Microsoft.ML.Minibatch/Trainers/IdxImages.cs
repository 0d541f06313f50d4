using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// Reads a pair of IDX files (images: magic 0x00000803, count, rows, cols, bytes; labels: magic 0x00000801, count,
/// bytes), raw or gzip-compressed, into pixels scaled to [0, 1] and label bytes; every header field and the lengths
/// are validated before anything large is allocated.
/// </summary>
internal static class IdxImages
{
    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    public static (float[] Pixels, byte[] Labels, int Count, int Rows, int Cols) Read(string imagesPath, string labelsPath)
    {
        var (labels, labelCount) = ReadLabels(labelsPath);
        using var images = Open(imagesPath);
        var header = ReadExactly(images, 16, imagesPath, "header");
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != ImagesMagic)
            throw new InvalidDataException($"IDX file '{imagesPath}': magic number 0x{magic:X8} is not that of an image file (0x{ImagesMagic:X8}).");
        int count = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(12));
        if (count < 0 || rows <= 0 || cols <= 0 || (long)rows * cols > 1 << 20)
            throw new InvalidDataException($"IDX file '{imagesPath}': dimensions {count}×{rows}×{cols} are out of range.");
        if (count != labelCount)
            throw new InvalidDataException($"IDX file '{imagesPath}' holds {count} images but '{labelsPath}' holds {labelCount} labels.");
        long total = (long)count * rows * cols;
        if (total > int.MaxValue)
            throw new InvalidDataException($"IDX file '{imagesPath}': {total} pixels is more than this reader supports.");
        var bytes = ReadExactly(images, (int)total, imagesPath, "pixel data");
        var pixels = new float[total];
        for (long i = 0; i < total; i++) pixels[i] = bytes[i] / 255f;
        return (pixels, labels, count, rows, cols);
    }

    private static (byte[] Labels, int Count) ReadLabels(string path)
    {
        using var stream = Open(path);
        var header = ReadExactly(stream, 8, path, "header");
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != LabelsMagic)
            throw new InvalidDataException($"IDX file '{path}': magic number 0x{magic:X8} is not that of a label file (0x{LabelsMagic:X8}).");
        int count = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
        if (count < 0) throw new InvalidDataException($"IDX file '{path}': label count {count} is negative.");
        var labels = ReadExactly(stream, count, path, "labels");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] > 9) throw new InvalidDataException($"IDX file '{path}': label {labels[i]} at index {i} is not a digit 0-9.");
        return (labels, count);
    }

    private static Stream Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        var file = File.OpenRead(path);
        int b0 = file.ReadByte(), b1 = file.ReadByte();
        file.Position = 0;
        return b0 == 0x1F && b1 == 0x8B ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    private static byte[] ReadExactly(Stream stream, int length, string path, string what)
    {
        // Grow in chunks so that a header claiming a huge count cannot force a huge allocation up front.
        var buffer = new byte[Math.Min(length, 1 << 20)];
        int read = 0;
        while (read < length)
        {
            if (read == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(length, (long)buffer.Length * 2));
            int n;
            try
            {
                n = stream.Read(buffer, read, buffer.Length - read);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"IDX file '{path}': the gzip stream is corrupt ({e.Message}).", e);
            }
            if (n == 0) throw new InvalidDataException($"IDX file '{path}' ends in the {what}: {read} of {length} bytes.");
            read += n;
        }
        return buffer;
    }
}
