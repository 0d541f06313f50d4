using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Minibatch.Tests.Reliability;

/// <summary>
/// The tests' own view of a model zip that <c>ml.Model.Save</c> wrote, independent of the code under test: its entries,
/// the zip records byte by byte, and the ONNX model as a tree of protobuf fields that can be changed and written back
/// with every enclosing length right.
/// </summary>
internal static class ModelZipSupport
{
    /// <summary>The name ML.NET gives the entry holding an <c>ApplyOnnxModel</c> transformer's ONNX bytes.</summary>
    public const string OnnxEntryName = "OnnxModel";

    /// <summary>Every entry's name and bytes, in file order.</summary>
    public static List<(string Name, byte[] Bytes)> ReadEntries(byte[] zip)
    {
        var entries = new List<(string, byte[])>();
        using var archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
        foreach (var entry in archive.Entries)
        {
            using var s = entry.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            entries.Add((entry.FullName, m.ToArray()));
        }
        return entries;
    }

    /// <summary>A well-formed zip (right sizes and CRC-32s) of <paramref name="entries"/>, in order.</summary>
    public static byte[] WriteZip(IEnumerable<(string Name, byte[] Bytes)> entries, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var rebuilt = new MemoryStream();
        using (var archive = new ZipArchive(rebuilt, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in entries)
            {
                using var s = archive.CreateEntry(name, level).Open();
                s.Write(bytes);
            }
        return rebuilt.ToArray();
    }

    /// <summary>The ONNX bytes of an <c>OnnxModel</c> entry (ML.NET prefixes them with their int32 length).</summary>
    public static byte[] Unprefix(byte[] entry)
    {
        Assert.AreEqual(entry.Length - 4, BinaryPrimitives.ReadInt32LittleEndian(entry), "the length prefix ML.NET writes");
        return entry[4..];
    }

    /// <summary>The entry bytes ML.NET writes for an ONNX model: its int32 length, then the model.</summary>
    public static byte[] Prefix(byte[] onnx)
    {
        var entry = new byte[onnx.Length + 4];
        BinaryPrimitives.WriteInt32LittleEndian(entry, onnx.Length);
        onnx.CopyTo(entry, 4);
        return entry;
    }

    // ---- The zip's records, as the format (APPNOTE.TXT) lays them out ----

    /// <summary>A field of a zip record or an entry's data; <see cref="Entry"/> is the entry's name (null for the
    /// end record).</summary>
    public sealed record Region(string Kind, string Field, int Start, int Length, string? Entry)
    {
        public override string ToString() => $"{Kind} {Field} of {Entry ?? "the archive"} (bytes {Start}..{Start + Length - 1})";
    }

    private static readonly (string Name, int Length)[] s_localFields =
    [
        ("signature", 4), ("version", 2), ("flags", 2), ("method", 2), ("time", 2), ("date", 2), ("crc32", 4),
        ("compressed size", 4), ("size", 4), ("name length", 2), ("extra length", 2),
    ];

    private static readonly (string Name, int Length)[] s_centralFields =
    [
        ("signature", 4), ("version made by", 2), ("version", 2), ("flags", 2), ("method", 2), ("time", 2), ("date", 2),
        ("crc32", 4), ("compressed size", 4), ("size", 4), ("name length", 2), ("extra length", 2), ("comment length", 2),
        ("disk", 2), ("internal attributes", 2), ("external attributes", 4), ("local header offset", 4),
    ];

    private static readonly (string Name, int Length)[] s_endFields =
    [
        ("signature", 4), ("disk", 2), ("directory disk", 2), ("entries on disk", 2), ("entries", 2),
        ("directory size", 4), ("directory offset", 4), ("comment length", 2),
    ];

    public const string LocalHeader = "local header";
    public const string CompressedData = "compressed data";
    public const string CentralDirectory = "central directory";
    public const string EndRecord = "end record";

    /// <summary>
    /// Every byte of <paramref name="zip"/> assigned to a field: the local file headers (0x04034b50), each followed by
    /// its name and compressed data, the central directory (0x02014b50) and the end record (0x06054b50). Asserts that
    /// the zip is laid out as ML.NET writes it (no extra fields, data descriptors, comments or ZIP64).
    /// </summary>
    public static List<Region> Layout(byte[] zip)
    {
        var regions = new List<Region>();
        int p = 0;
        while (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(p)) == 0x04034b50)
        {
            Assert.AreEqual(0, BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(p + 6)) & 8, "no data descriptor");
            Assert.AreEqual(0, BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(p + 28)), "no extra field");
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(p + 26));
            int compressed = BinaryPrimitives.ReadInt32LittleEndian(zip.AsSpan(p + 18));
            string name = System.Text.Encoding.UTF8.GetString(zip, p + 30, nameLength);
            p = AddFields(regions, LocalHeader, s_localFields, p, name);
            regions.Add(new Region(LocalHeader, "name", p, nameLength, name));
            p += nameLength;
            regions.Add(new Region(CompressedData, "bytes", p, compressed, name));
            p += compressed;
        }
        Assert.IsGreaterThan(0, regions.Count, "local headers");
        while (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(p)) == 0x02014b50)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(p + 28));
            Assert.AreEqual(0, BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(p + 30)), "no extra field");
            Assert.AreEqual(0, BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(p + 32)), "no comment");
            string name = System.Text.Encoding.UTF8.GetString(zip, p + 46, nameLength);
            p = AddFields(regions, CentralDirectory, s_centralFields, p, name);
            regions.Add(new Region(CentralDirectory, "name", p, nameLength, name));
            p += nameLength;
        }
        Assert.AreEqual(0x06054b50u, BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(p)), "the end record follows the directory");
        p = AddFields(regions, EndRecord, s_endFields, p, null);
        Assert.AreEqual(zip.Length, p, "the end record ends the file (no comment)");
        return regions;
    }

    private static int AddFields(List<Region> regions, string kind, (string Name, int Length)[] fields, int p, string? entry)
    {
        foreach (var (name, length) in fields)
        {
            regions.Add(new Region(kind, name, p, length, entry));
            p += length;
        }
        return p;
    }

    // ---- The ONNX model as a protobuf tree ----

    /// <summary>One protobuf field: a varint, or a length-delimited payload that is either bytes or, for the message
    /// fields of onnx.proto that our models use, a list of fields.</summary>
    public sealed class Field
    {
        public required int Number { get; init; }
        public required int WireType { get; init; }
        public ulong Value { get; set; }
        public byte[] Bytes { get; set; } = [];
        public List<Field>? Children { get; set; }
        /// <summary>What the enclosing message is (for picking fields to change).</summary>
        public required string Parent { get; init; }
        /// <summary>When set, the length written before the payload instead of its true length (a lie).</summary>
        public ulong? ClaimedLength { get; set; }
    }

    // Which length-delimited fields of which messages are messages themselves (onnx.proto's field numbers).
    private static readonly Dictionary<string, Dictionary<int, string>> s_messages = new()
    {
        ["Model"] = new() { [7] = "Graph", [8] = "OperatorSetId", [14] = "StringStringEntry" },
        ["Graph"] = new() { [1] = "Node", [5] = "Initializer", [11] = "ValueInfo", [12] = "ValueInfo" },
        ["Node"] = new() { [5] = "Attribute" },
        ["Attribute"] = new() { [5] = "Tensor" },
        ["ValueInfo"] = new() { [2] = "Type" },
        ["Type"] = new() { [1] = "TensorType" },
        ["TensorType"] = new() { [2] = "Shape" },
        ["Shape"] = new() { [1] = "Dimension" },
    };

    /// <summary>Parses an ONNX model into fields; asserts that writing them back gives the same bytes.</summary>
    public static List<Field> ParseOnnx(byte[] onnx)
    {
        var fields = Parse(onnx, "Model");
        CollectionAssert.AreEqual(onnx, Serialize(fields), "the tests' protobuf parse round-trips");
        return fields;
    }

    private static List<Field> Parse(ReadOnlySpan<byte> data, string kind)
    {
        var fields = new List<Field>();
        int p = 0;
        while (p < data.Length)
        {
            ulong tag = ReadVarint(data, ref p);
            int number = (int)(tag >> 3), wireType = (int)(tag & 7);
            if (wireType == 0)
            {
                fields.Add(new Field { Number = number, WireType = 0, Value = ReadVarint(data, ref p), Parent = kind });
                continue;
            }
            Assert.AreEqual(2, wireType, $"wire type of field {number} in {kind}");
            int length = checked((int)ReadVarint(data, ref p));
            var payload = data.Slice(p, length);
            p += length;
            var field = new Field { Number = number, WireType = 2, Bytes = payload.ToArray(), Parent = kind };
            if (s_messages.TryGetValue(kind, out var children) && children.TryGetValue(number, out var childKind))
                field.Children = Parse(payload, childKind);
            fields.Add(field);
        }
        return fields;
    }

    /// <summary>Writes fields back, each length computed from what is written (unless a field claims another).</summary>
    public static byte[] Serialize(List<Field> fields)
    {
        var output = new List<byte>();
        foreach (var field in fields)
        {
            WriteVarint(output, (ulong)field.Number << 3 | (uint)field.WireType);
            if (field.WireType == 0)
            {
                WriteVarint(output, field.Value);
                continue;
            }
            byte[] payload = field.Children is null ? field.Bytes : Serialize(field.Children);
            WriteVarint(output, field.ClaimedLength ?? (ulong)payload.Length);
            output.AddRange(payload);
        }
        return output.ToArray();
    }

    /// <summary>Every field of the tree, depth first.</summary>
    public static IEnumerable<Field> Walk(List<Field> fields)
    {
        foreach (var field in fields)
        {
            yield return field;
            if (field.Children is null) continue;
            foreach (var child in Walk(field.Children)) yield return child;
        }
    }

    /// <summary>The graph's initializers (the network's weights and biases), in file order.</summary>
    public static List<Field> Initializers(List<Field> model)
        => Walk(model).Where(f => f.Parent == "Graph" && f.Number == 5).ToList();

    /// <summary>An initializer's name (TensorProto.name, field 8).</summary>
    public static string NameOf(Field initializer)
        => System.Text.Encoding.UTF8.GetString(initializer.Children!.Single(f => f.Number == 8).Bytes);

    /// <summary>The metadata value that holds our JSON (<c>minibatch.model</c>).</summary>
    public static Field MetadataJson(List<Field> model)
    {
        var entry = model.Single(f => f.Number == 14 && f.Children!.Any(c => c.Number == 1 && c.Bytes.SequenceEqual("minibatch.model"u8.ToArray())));
        return entry.Children!.Single(c => c.Number == 2);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int p)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[p++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }

    private static void WriteVarint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }
        output.Add((byte)value);
    }
}
