using System.Buffers.Binary;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// Checks that every local file header of a zip agrees with its central-directory record: signature, name, and — unless
/// the entry defers them to a data descriptor — CRC-32 and sizes. .NET's <see cref="System.IO.Compression.ZipArchive"/>
/// reads only the central directory's copies, so without this a damaged local header would go unnoticed; a model file
/// with any damaged byte that matters to some zip reader is refused.
/// </summary>
internal static class ZipHeaders
{
    private const uint EndSignature = 0x06054b50, CentralSignature = 0x02014b50, LocalSignature = 0x04034b50;
    private const int EndSize = 22, CentralSize = 46, LocalSize = 30;

    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="fileName"/> at the first disagreement.</summary>
    /// <param name="stream">The zip, seekable; only its end, central directory and local headers are read.</param>
    /// <param name="fileName">Names the file in messages.</param>
    public static void Check(Stream stream, string fileName)
    {
        InvalidDataException Damaged(string what) => new($"Model file '{fileName}': {what}.");

        // The end record is the last thing in the file, followed only by its comment (at most 65,535 bytes).
        long tailStart = Math.Max(0, stream.Length - EndSize - 0xFFFF);
        byte[] tail = ReadAt(stream, tailStart, (int)(stream.Length - tailStart));
        int end = -1;
        for (int i = tail.Length - EndSize; i >= 0; i--)
            if (U32(tail, i) == EndSignature && i + EndSize + U16(tail, i + 20) == tail.Length) { end = i; break; }
        if (end < 0) throw Damaged("the zip's end record is missing or damaged");
        int count = U16(tail, end + 10);
        long directoryStart = U32(tail, end + 16), directorySize = U32(tail, end + 12);
        if (directoryStart + directorySize > tailStart + end) throw Damaged("the zip's central directory lies outside the file");
        byte[] directory = ReadAt(stream, directoryStart, (int)directorySize);
        for (int n = 0, at = 0; n < count; n++)
        {
            if (at + CentralSize > directory.Length || U32(directory, at) != CentralSignature) throw Damaged($"central-directory record {n} is damaged");
            int nameLength = U16(directory, at + 28), extraLength = U16(directory, at + 30), commentLength = U16(directory, at + 32);
            if (at + CentralSize + nameLength > directory.Length) throw Damaged($"central-directory record {n} is damaged");
            var name = directory.AsSpan(at + CentralSize, nameLength);
            uint flags = U16(directory, at + 8), crc = U32(directory, at + 16), compressed = U32(directory, at + 20), size = U32(directory, at + 24);
            long localStart = U32(directory, at + 42);
            if (localStart + LocalSize + nameLength > stream.Length) throw Damaged($"the local header of entry {n} lies outside the file");
            byte[] local = ReadAt(stream, localStart, LocalSize + nameLength);
            if (U32(local, 0) != LocalSignature) throw Damaged($"the local header of entry {n} is missing or damaged");
            if (U16(local, 26) != nameLength || !local.AsSpan(LocalSize, nameLength).SequenceEqual(name))
                throw Damaged($"the local header of entry {n} names another entry than the central directory");
            // Bit 3: CRC-32 and sizes follow the data instead; 0xFFFFFFFF: zip64 keeps them in an extra field.
            bool deferred = (flags & 0x8) != 0 || compressed == uint.MaxValue || size == uint.MaxValue;
            if (!deferred && (U32(local, 14) != crc || U32(local, 18) != compressed || U32(local, 22) != size))
                throw Damaged($"the local header of entry {n} disagrees with the central directory on its CRC-32 or size");
            at += CentralSize + nameLength + extraLength + commentLength;
        }
    }

    private static byte[] ReadAt(Stream stream, long offset, int count)
    {
        var bytes = new byte[count];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static ushort U16(byte[] b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at));

    private static uint U32(byte[] b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));
}
