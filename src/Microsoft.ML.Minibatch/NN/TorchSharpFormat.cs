using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// Reads and writes state dicts in TorchSharp's <c>Module.save</c> binary format, float32 only.
/// </summary>
/// <remarks>
/// Layout (what TorchSharp's <c>Module.save</c> / <c>Tensor.Save</c> and its <c>exportsd.py</c> produce):
/// ULEB128 entry count; per entry the key as a .NET <see cref="BinaryWriter"/> string (ULEB128 byte
/// length, UTF-8 bytes), ULEB128 dtype (TorchSharp's ScalarType; 6 = float32), ULEB128 rank, ULEB128
/// per dimension, then the row-major little-endian elements.
/// Reading trusts nothing: every length is checked against the bytes that actually remain before
/// anything is allocated, so a corrupt or hostile header cannot make the reader allocate more than
/// the input's own size.
/// </remarks>
internal static class TorchSharpFormat
{
    /// <summary>TorchSharp's ScalarType code for float32.</summary>
    internal const int Float32 = 6;

    /// <summary>The largest rank accepted; state dicts of MLPs never exceed 2, PyTorch layers 5.</summary>
    internal const int MaxRank = 8;

    /// <summary>Smallest possible encoded entry: key length, one key byte, dtype, rank, then either one dim or 4 bytes of a scalar.</summary>
    private const int MinEntryBytes = 5;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Element count of a shape: -1 if a dimension is negative, otherwise the product, saturated at
    /// <see cref="Array.MaxLength"/> + 1 (anything that large cannot be a float[] anyway).
    /// </summary>
    internal static long ElementCount(ReadOnlySpan<int> shape)
    {
        Span<long> dims = stackalloc long[shape.Length];
        for (int i = 0; i < shape.Length; i++) dims[i] = shape[i];
        return ElementCount(dims);
    }

    private static long ElementCount(ReadOnlySpan<long> shape)
    {
        long tooMany = (long)Array.MaxLength + 1;
        bool anyZero = false;
        foreach (long dim in shape)
        {
            if (dim < 0) return -1;
            if (dim == 0) anyZero = true;
        }
        if (anyZero) return 0;
        long count = 1;
        foreach (long dim in shape)
        {
            // count ≤ Array.MaxLength here, so comparing against tooMany / dim avoids any overflow.
            if (dim > tooMany / count) return tooMany;
            count *= dim;
            if (count >= tooMany) return tooMany;
        }
        return count;
    }

    /// <summary>Writes <paramref name="entries"/> in order. Validates them all before writing a byte.</summary>
    /// <param name="stream">Destination, positioned where the state dict starts.</param>
    /// <param name="entries">Entries with distinct keys.</param>
    internal static void Write(Stream stream, IReadOnlyList<StateDictEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(entries);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (StateDictEntry entry in entries)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(entries));
            if (!keys.Add(entry.Key))
                throw new ArgumentException($"Duplicate state-dict key '{entry.Key}'.", nameof(entries));
        }

        Span<byte> header = stackalloc byte[10];
        stream.Write(header[..WriteUleb128(header, entries.Count)]);
        foreach (StateDictEntry entry in entries)
        {
            byte[] key = Encoding.UTF8.GetBytes(entry.Key);
            stream.Write(header[..WriteUleb128(header, key.Length)]);
            stream.Write(key);
            stream.Write(header[..WriteUleb128(header, Float32)]);
            stream.Write(header[..WriteUleb128(header, entry.Shape.Length)]);
            foreach (int dim in entry.Shape)
                stream.Write(header[..WriteUleb128(header, dim)]);
            WriteFloats(stream, entry.Data);
        }
    }

    /// <summary>
    /// Reads a whole state dict from <paramref name="stream"/> (from its current position to its end).
    /// </summary>
    /// <param name="stream">Source; a non-seekable stream is first buffered in memory, bounded by its real length.</param>
    /// <param name="sourceName">The file name for messages, or <c>null</c> to say "stream".</param>
    /// <returns>The entries in file order.</returns>
    /// <exception cref="InvalidDataException">Anything in the input is malformed; the message names the source and the problem.</exception>
    internal static List<StateDictEntry> Read(Stream stream, string? sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            var buffered = new MemoryStream();
            stream.CopyTo(buffered);
            buffered.Position = 0;
            stream = buffered;
        }
        var reader = new Reader(stream, sourceName is null ? "stream" : $"file '{sourceName}'");
        return reader.ReadAll();
    }

    /// <summary>Reads a state dict file; the messages of any <see cref="InvalidDataException"/> name <paramref name="path"/>.</summary>
    internal static List<StateDictEntry> ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(stream, path);
    }

    /// <summary>Writes a state dict file atomically (see <see cref="AtomicFile"/>).</summary>
    /// <param name="path">Destination file.</param>
    /// <param name="entries">Entries with distinct keys.</param>
    /// <param name="wrapStream">Test seam: wraps the temporary file's stream (e.g. to inject a failure).</param>
    internal static void WriteFile(string path, IReadOnlyList<StateDictEntry> entries, Func<Stream, Stream>? wrapStream = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        AtomicFile.Write(path, stream => Write(stream, entries), wrapStream);
    }

    private static int WriteUleb128(Span<byte> buffer, long value)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), value, "ULEB128 cannot encode a negative number.");
        int i = 0;
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            buffer[i++] = value != 0 ? (byte)(b | 0x80) : b;
        }
        while (value != 0);
        return i;
    }

    private static void WriteFloats(Stream stream, ReadOnlySpan<float> data)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(data));
            return;
        }
        Span<int> chunk = stackalloc int[1024];
        for (int start = 0; start < data.Length; start += chunk.Length)
        {
            int n = Math.Min(chunk.Length, data.Length - start);
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(data.Slice(start, n)), chunk[..n]);
            stream.Write(MemoryMarshal.AsBytes(chunk[..n]));
        }
    }

    private static string DtypeName(long dtype) => dtype switch
    {
        0 => "uint8",
        1 => "int8",
        2 => "int16",
        3 => "int32",
        4 => "int64",
        5 => "float16",
        6 => "float32",
        7 => "float64",
        9 => "complex64",
        10 => "complex128",
        11 => "bool",
        15 => "bfloat16",
        _ => "unknown",
    };

    /// <summary>A cursor over a seekable stream that knows how many bytes remain and words every failure.</summary>
    private sealed class Reader(Stream stream, string source)
    {
        private readonly Stream _stream = stream;
        private readonly string _source = source;

        private long Remaining => _stream.Length - _stream.Position;

        public List<StateDictEntry> ReadAll()
        {
            long count = ReadUleb128("the entry count");
            if (count > Remaining / MinEntryBytes)
                throw Fail($"it claims {count} entries but only {Remaining} bytes follow (truncated or corrupt)");
            var entries = new List<StateDictEntry>((int)Math.Min(count, 1024));
            var keys = new HashSet<string>(StringComparer.Ordinal);
            for (long i = 0; i < count; i++)
            {
                string key = ReadKey(i);
                if (!keys.Add(key))
                    throw Fail($"duplicate key '{key}' (entry {i})");
                entries.Add(ReadTensor(key));
            }
            if (Remaining > 0)
                throw Fail($"{Remaining} trailing bytes after the last of {count} entries");
            return entries;
        }

        private string ReadKey(long index)
        {
            long length = ReadUleb128($"the key length of entry {index}");
            if (length == 0)
                throw Fail($"entry {index} has an empty key");
            if (length > int.MaxValue || length > Remaining)
                throw Fail($"the key of entry {index} claims {length} bytes but only {Remaining} remain (truncated)");
            byte[] bytes = new byte[length];
            _stream.ReadExactly(bytes);
            try
            {
                return s_strictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Fail($"the key of entry {index} is not valid UTF-8");
            }
        }

        private StateDictEntry ReadTensor(string key)
        {
            long dtype = ReadUleb128($"the dtype of '{key}'");
            if (dtype != Float32)
                throw Fail($"'{key}' has dtype {dtype} ({DtypeName(dtype)}); only {Float32} (float32) is supported");
            long rank = ReadUleb128($"the rank of '{key}'");
            if (rank > MaxRank)
                throw Fail($"'{key}' has rank {rank}; at most {MaxRank} is supported");
            Span<long> dims = stackalloc long[(int)rank];
            for (int d = 0; d < rank; d++)
                dims[d] = ReadUleb128($"dimension {d} of '{key}'");
            string shapeText = $"[{string.Join(", ", dims.ToArray())}]";

            // The check that matters for safety: the claimed size must fit in what is left, before allocating.
            long count = ElementCount(dims);
            if (count > Array.MaxLength)
                throw Fail($"'{key}' has shape {shapeText}, more elements than one array can hold");
            long bytes = count * sizeof(float);
            if (bytes > Remaining)
                throw Fail($"'{key}' has shape {shapeText} needing {bytes} bytes of data but only {Remaining} remain (truncated)");

            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++)
            {
                // A non-empty tensor's dims are ≤ its count ≤ Array.MaxLength; an empty one may still name a huge dim.
                if (dims[d] > int.MaxValue)
                    throw Fail($"'{key}' has shape {shapeText} with a dimension above {int.MaxValue}");
                shape[d] = (int)dims[d];
            }
            float[] data = new float[count];
            _stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
            if (!BitConverter.IsLittleEndian)
            {
                Span<int> raw = MemoryMarshal.Cast<float, int>(data.AsSpan());
                BinaryPrimitives.ReverseEndianness(raw, raw);
            }
            return new StateDictEntry(key, shape, data);
        }

        /// <summary>An unsigned LEB128 number of at most 63 bits (what TorchSharp's <c>Encode(long)</c> writes).</summary>
        private long ReadUleb128(string what)
        {
            long result = 0;
            for (int shift = 0; ; shift += 7)
            {
                int b = _stream.ReadByte();
                if (b < 0)
                    throw Fail($"it ends while reading {what} (truncated)");
                long bits = b & 0x7F;
                // Bits beyond 63 would make the value negative or lose data.
                if (shift > 63 || (shift == 63 && bits != 0))
                    throw Fail($"{what} is not a valid unsigned LEB128 number below 2^63");
                result |= bits << shift;
                if ((b & 0x80) == 0)
                    return result;
            }
        }

        private InvalidDataException Fail(string problem) =>
            new($"Invalid TorchSharp state dict in {_source}: {problem}.");
    }
}
