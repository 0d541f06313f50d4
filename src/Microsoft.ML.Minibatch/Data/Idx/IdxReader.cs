using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// Reads IDX files, the format of the original MNIST distribution: a big-endian header (two zero
/// bytes, an element-type byte, the rank, then one 32-bit size per dimension) followed by the
/// elements. Label files are rank 1 (magic 0x00000801), image files rank 3 (magic 0x00000803);
/// both hold unsigned bytes. Files may be raw or gzip-compressed; compression is recognised by the
/// gzip magic bytes (1f 8b), never by the file name.
/// </summary>
/// <remarks>
/// Everything a header says is checked against evidence before memory is allocated for it: a raw
/// file must hold exactly the bytes its header announces; for a gzip file the trailer's recorded
/// size must agree and the compressed length must be able to inflate that far, and when neither is
/// known (a non-seekable stream) the buffer only grows as data actually arrives. Every violation
/// throws <see cref="InvalidDataException"/> naming the file and the problem.
/// </remarks>
public static class IdxReader
{
    /// <summary>Magic number of an IDX label file: unsigned bytes, rank 1.</summary>
    public const int LabelFileMagic = 0x00000801;

    /// <summary>Magic number of an IDX image file: unsigned bytes, rank 3.</summary>
    public const int ImageFileMagic = 0x00000803;

    /// <summary>Number of classes labels are checked against unless told otherwise (the ten digits).</summary>
    public const int DefaultClassCount = 10;

    // Deflate cannot expand data by much more than 1032:1, so a compressed file of known length
    // bounds what it can decompress to, whatever its header or trailer claim.
    private const long MaxDeflateRatio = 1032;

    private const byte UnsignedByteType = 0x08;

    // Without evidence of the real size, buffers start here and double as data arrives.
    private const int InitialChunk = 1 << 20;

    /// <summary>Reads an IDX image file (raw or gzip).</summary>
    /// <param name="path">The file to read; also names it in error messages.</param>
    /// <returns>The images.</returns>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX image file.</exception>
    public static IdxImages ReadImages(string path)
    {
        using FileStream stream = OpenFile(path);
        return ReadImages(stream, path);
    }

    /// <summary>Reads an IDX image file (raw or gzip) from a stream, from its current position to its end.</summary>
    /// <param name="stream">The stream; seekable streams allow exact size checks before reading.</param>
    /// <param name="name">Names the data in error messages (typically a file name).</param>
    /// <returns>The images.</returns>
    /// <exception cref="InvalidDataException">The data is not a well-formed IDX image file.</exception>
    public static IdxImages ReadImages(Stream stream, string name) => ReadImages(stream, name, null);

    /// <summary>
    /// Opens an IDX image file for reading by index without copying it: a raw file is memory-mapped (read-only, so files
    /// larger than 2 GB work and its pages belong to the operating system's file cache, not to the process); a gzip file
    /// cannot be mapped and is read into memory, which limits it to 2 GB of pixels.
    /// </summary>
    /// <param name="path">The file to open; also names it in error messages.</param>
    /// <returns>The open file; dispose it to unmap the file and release its handle.</returns>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX image file (its header is checked against
    /// the file's length before anything is mapped).</exception>
    public static IdxImageFile OpenImages(string path) => OpenImages(path, checkHeader: null);

    /// <summary>
    /// Reads a label file and opens its image file as <see cref="OpenImages(string)"/> does (mapped when raw), checking
    /// they hold the same number of items before anything is mapped.
    /// </summary>
    /// <param name="imagesPath">The IDX image file (raw, or gzip: then read into memory).</param>
    /// <param name="labelsPath">The IDX label file (raw or gzip).</param>
    /// <param name="classCount">Number of classes, 1 to 256; labels must lie in 0..classCount-1.</param>
    /// <returns>The open image file (dispose it to unmap it) and the labels.</returns>
    /// <exception cref="InvalidDataException">Either file is malformed, or their counts differ.</exception>
    public static (IdxImageFile Images, byte[] Labels) OpenLabeledImages(string imagesPath, string labelsPath, int classCount = DefaultClassCount)
    {
        byte[] labels = ReadLabels(labelsPath, classCount);
        IdxImageFile images = OpenImages(imagesPath, dims =>
        {
            if (dims[0] != (uint)labels.Length)
            {
                throw Bad(imagesPath, $"holds {dims[0]} images but {labelsPath} holds {labels.Length} labels");
            }
        });
        return (images, labels);
    }

    internal static IdxImageFile OpenImages(string path, Action<uint[]>? checkHeader)
    {
        FileStream stream = OpenFile(path);
        try
        {
            Span<byte> sniff = stackalloc byte[2];
            int sniffed = stream.ReadAtLeast(sniff, 2, throwOnEndOfStream: false);
            stream.Position = 0;
            if (IsGzip(sniff[..sniffed]))
            {
                IdxImages inMemory = ReadImages(stream, path, checkHeader);
                stream.Dispose();
                return new IdxImageFile(path, inMemory);
            }
            (uint[] dims, _) = Read(stream, path, rank: 3, checkHeader, headerOnly: true);
            if (dims[0] > int.MaxValue || (ulong)dims[1] * dims[2] > int.MaxValue)
            {
                throw Bad(path, $"header claims {dims[0]} images of {dims[1]}×{dims[2]}: more than {int.MaxValue} images or pixels per image are not supported");
            }
            // The mapping takes over the stream's handle and closes it when disposed.
            return IdxImageFile.Map(path, stream, (int)dims[0], (int)dims[1], (int)dims[2], headerLength: 16);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads an IDX label file (raw or gzip) and checks every label is below <paramref name="classCount"/>.</summary>
    /// <param name="path">The file to read; also names it in error messages.</param>
    /// <param name="classCount">Number of classes, 1 to 256; labels must lie in 0..classCount-1.</param>
    /// <returns>One byte per label.</returns>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX label file or holds a label out of range.</exception>
    public static byte[] ReadLabels(string path, int classCount = DefaultClassCount)
    {
        CheckClassCount(classCount);
        using FileStream stream = OpenFile(path);
        return ReadLabels(stream, path, classCount);
    }

    /// <summary>Reads an IDX label file (raw or gzip) from a stream and checks every label is below <paramref name="classCount"/>.</summary>
    /// <param name="stream">The stream, read from its current position to its end.</param>
    /// <param name="name">Names the data in error messages (typically a file name).</param>
    /// <param name="classCount">Number of classes, 1 to 256; labels must lie in 0..classCount-1.</param>
    /// <returns>One byte per label.</returns>
    /// <exception cref="InvalidDataException">The data is not a well-formed IDX label file or holds a label out of range.</exception>
    public static byte[] ReadLabels(Stream stream, string name, int classCount = DefaultClassCount)
    {
        CheckClassCount(classCount);
        (_, byte[] labels) = Read(stream, name, rank: 1, checkHeader: null, headerOnly: false);
        // One vectorised pass finds whether anything is out of range; the slow search for the
        // offending index only runs when something is.
        if (TensorPrimitives.Max<byte>(labels) >= classCount)
        {
            int index = Array.FindIndex(labels, label => label >= classCount);
            throw Bad(name, $"label {labels[index]} at index {index} is outside 0..{classCount - 1} ({classCount} classes)");
        }
        return labels;
    }

    /// <summary>
    /// Reads an image file and its label file, checks they hold the same number of items, and
    /// returns the pairs with pixels scaled to [0, 1] (value / 255).
    /// </summary>
    /// <param name="imagesPath">The IDX image file (raw or gzip).</param>
    /// <param name="labelsPath">The IDX label file (raw or gzip).</param>
    /// <param name="classCount">Number of classes, 1 to 256.</param>
    /// <returns>The labelled images.</returns>
    /// <exception cref="InvalidDataException">Either file is malformed, or their counts differ.</exception>
    public static LabeledImages ReadLabeledImages(string imagesPath, string labelsPath, int classCount = DefaultClassCount)
    {
        CheckClassCount(classCount);
        using FileStream labels = OpenFile(labelsPath);
        using FileStream images = OpenFile(imagesPath);
        return ReadLabeledImages(images, imagesPath, labels, labelsPath, classCount);
    }

    /// <summary>
    /// Reads an image stream and its label stream, checks they hold the same number of items, and
    /// returns the pairs with pixels scaled to [0, 1] (value / 255).
    /// </summary>
    /// <param name="images">The IDX image data (raw or gzip).</param>
    /// <param name="imagesName">Names the image data in error messages.</param>
    /// <param name="labels">The IDX label data (raw or gzip).</param>
    /// <param name="labelsName">Names the label data in error messages.</param>
    /// <param name="classCount">Number of classes, 1 to 256.</param>
    /// <returns>The labelled images.</returns>
    /// <exception cref="InvalidDataException">Either stream is malformed, or their counts differ.</exception>
    public static LabeledImages ReadLabeledImages(Stream images, string imagesName, Stream labels, string labelsName, int classCount = DefaultClassCount)
    {
        (IdxImages imageData, byte[] labelBytes) = ReadPair(images, imagesName, labels, labelsName, classCount);
        return LabeledImages.FromIdx(imageData, labelBytes, classCount);
    }

    /// <summary>Reads an image file and its label file as bytes, checking they hold the same number of items.</summary>
    internal static (IdxImages Images, byte[] Labels) ReadPair(string imagesPath, string labelsPath, int classCount)
    {
        CheckClassCount(classCount);
        using FileStream labels = OpenFile(labelsPath);
        using FileStream images = OpenFile(imagesPath);
        return ReadPair(images, imagesPath, labels, labelsPath, classCount);
    }

    private static (IdxImages Images, byte[] Labels) ReadPair(Stream images, string imagesName, Stream labels, string labelsName, int classCount)
    {
        byte[] labelBytes = ReadLabels(labels, labelsName, classCount);
        // The count is compared as soon as the image header is parsed, before pixels are allocated.
        IdxImages imageData = ReadImages(images, imagesName, dims =>
        {
            if (dims[0] != (uint)labelBytes.Length)
            {
                throw Bad(imagesName, $"holds {dims[0]} images but {labelsName} holds {labelBytes.Length} labels");
            }
        });
        return (imageData, labelBytes);
    }

    internal static FileStream OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // No FileStream buffer: the pixels are read straight into their final array.
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
    }

    private static IdxImages ReadImages(Stream stream, string name, Action<uint[]>? checkHeader)
    {
        (uint[] dims, byte[] pixels) = Read(stream, name, rank: 3, checkHeader, headerOnly: false);
        return new IdxImages((int)dims[0], (int)dims[1], (int)dims[2], pixels);
    }

    private static void CheckClassCount(int classCount)
    {
        if (classCount is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "The class count must lie in 1..256 because labels are bytes.");
        }
    }

    private static (uint[] Dims, byte[] Data) Read(Stream stream, string name, int rank, Action<uint[]>? checkHeader, bool headerOnly)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(name);
        long? length = null;
        long start = 0;
        if (stream.CanSeek)
        {
            start = stream.Position;
            length = stream.Length - start;
        }

        Span<byte> sniff = stackalloc byte[2];
        int sniffed = stream.ReadAtLeast(sniff, 2, throwOnEndOfStream: false);
        if (sniffed == 0) throw Bad(name, "the file is empty");
        bool gzip = IsGzip(sniff[..sniffed]);
        if (!gzip)
        {
            return ReadBody(new PrefixedStream(sniff[..sniffed], stream), name, rank, length, null, null, gzip: false, checkHeader, headerOnly);
        }

        uint? recordedSize = null;
        long? inflateBound = null;
        if (length is long compressed)
        {
            // 10-byte header, at least 2 bytes of deflate data, 8-byte trailer.
            if (compressed < 20) throw Bad(name, $"the file is {compressed} bytes, too short to be a gzip stream");
            // ISIZE, the last four bytes, is the decompressed size modulo 2^32.
            Span<byte> trailer = stackalloc byte[4];
            stream.Position = start + compressed - 4;
            stream.ReadExactly(trailer);
            stream.Position = start + 2;
            recordedSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
            inflateBound = compressed * MaxDeflateRatio;
        }
        using var inflater = new GZipStream(new PrefixedStream(sniff, stream), CompressionMode.Decompress, leaveOpen: true);
        // A gzip file is always read whole: only raw bytes on disk can be mapped.
        return ReadBody(inflater, name, rank, null, recordedSize, inflateBound, gzip: true, checkHeader, headerOnly: false);
    }

    private static (uint[] Dims, byte[] Data) ReadBody(
        Stream body, string name, int rank, long? rawLength, uint? recordedSize, long? inflateBound, bool gzip, Action<uint[]>? checkHeader,
        bool headerOnly)
    {
        int expectedMagic = rank == 1 ? LabelFileMagic : ImageFileMagic;
        string kind = rank == 1 ? "label" : "image";
        string holder = gzip ? "the decompressed data holds" : "the file holds";
        int headerLength = 4 + 4 * rank;
        Span<byte> header = stackalloc byte[headerLength];

        int got = ReadFully(body, header[..4], name, gzip);
        if (got < 4) throw Bad(name, $"{holder} only {got} bytes, too short for an IDX header");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (header[0] != 0 || header[1] != 0)
        {
            throw Bad(name, $"does not start with an IDX magic number (found 0x{magic:X8}, expected 0x{expectedMagic:X8} for an IDX {kind} file)");
        }
        if (header[2] != UnsignedByteType)
        {
            throw Bad(name, $"magic number 0x{magic:X8} declares element type 0x{header[2]:X2}; only unsigned bytes (0x08) are supported");
        }
        if (header[3] != rank)
        {
            throw Bad(name, $"magic number 0x{magic:X8} declares rank {header[3]}, but an IDX {kind} file has rank {rank} (magic 0x{expectedMagic:X8})");
        }
        got = ReadFully(body, header[4..], name, gzip);
        if (got < 4 * rank) throw Bad(name, $"the header is cut short: {4 + got} of {headerLength} bytes");

        var dims = new uint[rank];
        UInt128 claimed = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadUInt32BigEndian(header[(4 + 4 * i)..]);
            if (dims[i] == 0) throw Bad(name, $"dimension {i} of the header is 0; every dimension must be positive");
            claimed *= dims[i];
        }
        string unit = rank == 1 ? "labels" : "pixels";
        string claim = rank == 1
            ? $"header claims {dims[0]} labels"
            : $"header claims {dims[0]} images of {string.Join("×", dims.Skip(1))}";

        if (rawLength is long length)
        {
            long available = length - headerLength;
            if (claimed != (UInt128)Math.Max(available, 0))
            {
                throw Bad(name, $"{claim} ({claimed} bytes of {unit}) but the file holds {Math.Max(available, 0)} bytes of {unit}");
            }
        }
        if (recordedSize is uint isize && (uint)((claimed + (uint)headerLength) & uint.MaxValue) != isize)
        {
            throw Bad(name, $"{claim} ({claimed} bytes of {unit}) but the gzip trailer records a decompressed size of {isize} bytes, which does not match");
        }
        if (inflateBound is long bound && claimed + (uint)headerLength > (UInt128)bound)
        {
            throw Bad(name, $"{claim} ({claimed} bytes of {unit}) but so short a gzip file cannot decompress to that much");
        }
        if (headerOnly)
        {
            // The caller maps the file: the exact length check above is all the evidence a mapping needs.
            checkHeader?.Invoke(dims);
            return (dims, []);
        }
        if (claimed > (UInt128)Array.MaxLength)
        {
            throw Bad(name, gzip
                ? $"{claim}: {claimed} bytes of {unit} exceed what one array can hold ({Array.MaxLength} bytes), and a gzip file cannot be mapped: decompress it to map it"
                : $"{claim}: {claimed} bytes of {unit} exceed what one array can hold ({Array.MaxLength} bytes); {nameof(IdxReader)}.{nameof(OpenImages)} maps such a file instead of reading it");
        }
        checkHeader?.Invoke(dims);

        int total = (int)claimed;
        byte[] data;
        int filled;
        if (rawLength is not null || recordedSize is not null)
        {
            // The size is corroborated (exact file length, or trailer plus inflate bound): read in one go.
            data = GC.AllocateUninitializedArray<byte>(total);
            filled = ReadFully(body, data, name, gzip);
        }
        else
        {
            data = new byte[Math.Min(total, InitialChunk)];
            filled = 0;
            while (true)
            {
                int n = ReadFully(body, data.AsSpan(filled), name, gzip);
                filled += n;
                if (filled < data.Length || filled == total) break;
                Array.Resize(ref data, (int)Math.Min(total, 2L * data.Length));
            }
        }
        if (filled < total)
        {
            throw Bad(name, $"{claim} ({claimed} bytes of {unit}) but {holder} only {filled} bytes of {unit}");
        }
        Span<byte> extra = stackalloc byte[1];
        if (ReadFully(body, extra, name, gzip) > 0)
        {
            throw Bad(name, $"{claim} ({claimed} bytes of {unit}) but {holder} more bytes after them");
        }
        return (dims, data);
    }

    // Reads until the span is full or the data ends; a corrupt deflate stream becomes an error naming the file.
    private static int ReadFully(Stream stream, Span<byte> buffer, string name, bool gzip)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e) when (gzip)
        {
            throw Bad(name, $"starts like gzip but is not a valid gzip stream ({e.Message})");
        }
    }

    /// <summary>Whether <paramref name="head"/>, the first bytes of a file, start with gzip's magic number.</summary>
    internal static bool IsGzip(ReadOnlySpan<byte> head) => head is [0x1f, 0x8b, ..];

    private static InvalidDataException Bad(string name, string problem) => new($"{name}: {problem}.");
}
