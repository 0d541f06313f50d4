using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Microsoft.ML.Minibatch.Onnx;

/// <summary>
/// Appends protocol-buffer fields to a growing buffer: just the encodings an ONNX model needs (varints, strings,
/// bytes, nested messages), so the library carries no protobuf or ONNX package.
/// </summary>
internal sealed class ProtoWriter
{
    private const int VarintWireType = 0;
    private const int LengthDelimitedWireType = 2;

    private readonly ArrayBufferWriter<byte> _buffer = new();

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>Writes an integer field (int32, int64 and enums share this encoding; negatives take ten bytes).</summary>
    /// <param name="field">The field number.</param>
    /// <param name="value">The value.</param>
    public void WriteInt64(int field, long value)
    {
        WriteTag(field, VarintWireType);
        WriteVarint((ulong)value);
    }

    /// <summary>Writes a UTF-8 string field.</summary>
    /// <param name="field">The field number.</param>
    /// <param name="value">The text.</param>
    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>Writes a bytes field.</summary>
    /// <param name="field">The field number.</param>
    /// <param name="value">The bytes.</param>
    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, LengthDelimitedWireType);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    /// <summary>Writes floats as little-endian bytes (ONNX's <c>raw_data</c>), whatever the machine's byte order.</summary>
    /// <param name="field">The field number.</param>
    /// <param name="values">The values.</param>
    public void WriteFloatsAsBytes(int field, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            WriteBytes(field, MemoryMarshal.AsBytes(values));
            return;
        }
        var bytes = new byte[checked(values.Length * sizeof(float))];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        WriteBytes(field, bytes);
    }

    /// <summary>Writes a nested message that <paramref name="writeBody"/> fills in.</summary>
    /// <param name="field">The field number.</param>
    /// <param name="writeBody">Writes the message's fields.</param>
    public void WriteMessage(int field, Action<ProtoWriter> writeBody)
    {
        // The length prefix comes first, so the body is written aside and then copied in.
        var body = new ProtoWriter();
        writeBody(body);
        WriteBytes(field, body.WrittenSpan);
    }

    private void WriteTag(int field, int wireType) => WriteVarint((ulong)((uint)field << 3 | (uint)wireType));

    private void WriteVarint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        int length = 0;
        while (value >= 0x80)
        {
            span[length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[length++] = (byte)value;
        _buffer.Advance(length);
    }
}
