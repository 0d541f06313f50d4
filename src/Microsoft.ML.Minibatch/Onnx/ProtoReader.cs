using System.Text;

namespace Microsoft.ML.Minibatch.Onnx;

/// <summary>
/// Reads protocol-buffer fields from untrusted bytes. Every length is checked against what remains before anything is
/// sliced or allocated, nesting is bounded, and every problem becomes an <see cref="InvalidDataException"/> naming the
/// source, so a caller never sees another exception type from malformed input.
/// </summary>
internal ref struct ProtoReader
{
    /// <summary>Wire type of varint fields.</summary>
    public const int Varint = 0;

    /// <summary>Wire type of 8-byte fields.</summary>
    public const int Fixed64 = 1;

    /// <summary>Wire type of strings, bytes, nested messages and packed repeated fields.</summary>
    public const int LengthDelimited = 2;

    /// <summary>Wire type of 4-byte fields.</summary>
    public const int Fixed32 = 5;

    private const int StartGroup = 3;
    private const int EndGroup = 4;

    // Deep enough for any ONNX model we read; it only stops hostile input from nesting without end.
    private const int MaxDepth = 32;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data;
    private readonly string _source;
    private readonly int _depth;
    private int _position;

    /// <summary>Starts reading a top-level message.</summary>
    /// <param name="data">The message bytes.</param>
    /// <param name="source">Names the input in error messages (a file name, a zip entry, …).</param>
    public ProtoReader(ReadOnlySpan<byte> data, string source) : this(data, source, 0) { }

    private ProtoReader(ReadOnlySpan<byte> data, string source, int depth)
    {
        _data = data;
        _source = source;
        _depth = depth;
    }

    /// <summary>Whether the whole message has been read.</summary>
    public readonly bool End => _position >= _data.Length;

    /// <summary>Reads the next field's tag.</summary>
    /// <param name="field">The field number.</param>
    /// <param name="wireType">How its value is encoded.</param>
    /// <returns>False at the end of the message.</returns>
    public bool TryReadTag(out int field, out int wireType)
    {
        field = 0;
        wireType = 0;
        if (End) return false;
        ulong tag = ReadVarint();
        if (tag >> 3 is 0 or > int.MaxValue) throw Fail($"invalid field number {tag >> 3}");
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        return true;
    }

    /// <summary>Reads a base-128 varint of at most ten bytes.</summary>
    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (End) throw Fail("truncated varint");
            byte b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw Fail("varint longer than ten bytes");
    }

    /// <summary>Reads the payload of a length-delimited field.</summary>
    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position)) throw Fail($"length {length} exceeds the {_data.Length - _position} bytes left");
        var payload = _data.Slice(_position, (int)length);
        _position += (int)length;
        return payload;
    }

    /// <summary>Reads a UTF-8 string field.</summary>
    public string ReadString()
    {
        var bytes = ReadLengthDelimited();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Fail("a string is not valid UTF-8");
        }
    }

    /// <summary>Reads a nested message field and returns a reader confined to it.</summary>
    public ProtoReader ReadMessage()
    {
        if (_depth >= MaxDepth) throw Fail("messages nested too deeply");
        return new ProtoReader(ReadLengthDelimited(), _source, _depth + 1);
    }

    /// <summary>Reads four little-endian bytes.</summary>
    public uint ReadFixed32()
    {
        if (_data.Length - _position < 4) throw Fail("truncated fixed32");
        uint value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    /// <summary>Throws unless a field has the wire type its schema gives it.</summary>
    /// <param name="wireType">The wire type read.</param>
    /// <param name="expected">The wire type required.</param>
    /// <param name="what">The field, for the message.</param>
    public readonly void Expect(int wireType, int expected, string what)
    {
        if (wireType != expected) throw Fail($"{what} has wire type {wireType}, expected {expected}");
    }

    /// <summary>Skips the value of a field this reader does not use.</summary>
    /// <param name="field">The field number (a group ends with the same number).</param>
    /// <param name="wireType">How the value is encoded.</param>
    public void Skip(int field, int wireType)
    {
        switch (wireType)
        {
            case Varint: ReadVarint(); break;
            case Fixed64: Advance(8); break;
            case LengthDelimited: ReadLengthDelimited(); break;
            case Fixed32: Advance(4); break;
            case StartGroup: SkipGroup(field); break;
            case EndGroup: throw Fail($"unexpected end of group {field}");
            default: throw Fail($"invalid wire type {wireType}");
        }
    }

    /// <summary>The exception for a problem at the current position.</summary>
    /// <param name="problem">What is wrong.</param>
    public readonly InvalidDataException Fail(string problem) =>
        new($"{_source}: not a valid ONNX model written by Microsoft.ML.Minibatch: {problem}.");

    private void Advance(int count)
    {
        if (_data.Length - _position < count) throw Fail("truncated fixed-size field");
        _position += count;
    }

    // Groups are deprecated but legal: skip to the matching end tag, counting nested groups iteratively so that
    // hostile nesting costs neither stack nor more than MaxDepth levels.
    private void SkipGroup(int field)
    {
        var open = new Stack<int>();
        open.Push(field);
        while (open.Count > 0)
        {
            if (!TryReadTag(out int inner, out int innerType)) throw Fail($"group {open.Peek()} is not closed");
            if (innerType == StartGroup)
            {
                if (_depth + open.Count >= MaxDepth) throw Fail("groups nested too deeply");
                open.Push(inner);
            }
            else if (innerType == EndGroup)
            {
                if (open.Pop() != inner) throw Fail($"group end {inner} does not match its start");
            }
            else
            {
                Skip(inner, innerType);
            }
        }
    }
}
