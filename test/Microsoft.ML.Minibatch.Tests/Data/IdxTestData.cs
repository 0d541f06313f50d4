using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Minibatch.Tests.Data;

/// <summary>Builds small IDX files byte by byte, independently of the reader under test.</summary>
internal static class IdxTestData
{
    public static byte[] Idx(uint magic, uint[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Pixels(int count, int rows, int columns) =>
        Enumerable.Range(0, count * rows * columns).Select(i => (byte)(i * 37 + 11)).ToArray();

    public static byte[] Images(int count, int rows, int columns) =>
        Idx(0x00000803, [(uint)count, (uint)rows, (uint)columns], Pixels(count, rows, columns));

    public static byte[] Labels(params byte[] labels) => Idx(0x00000801, [(uint)labels.Length], labels);

    public static byte[] Gzip(byte[] raw)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal)) gzip.Write(raw);
        return buffer.ToArray();
    }

    public static string TempDirectory() => Directory.CreateTempSubdirectory("minibatch-test-").FullName;

    public static string Write(string directory, string name, byte[] content)
    {
        string path = Path.Combine(directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }
}

/// <summary>Hides seekability, as a network body or tar entry would.</summary>
internal sealed class NonSeekableStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
