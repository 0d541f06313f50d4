using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.ML.Data;
using static Microsoft.ML.Minibatch.Tests.Reliability.ModelZipSupport;
using static Microsoft.ML.Minibatch.Tests.Trainers.TrainerTestData;

namespace Microsoft.ML.Minibatch.Tests.Reliability;

/// <summary>
/// Mutated model zips, as <c>ml.Model.Save</c> writes them (ML.NET's components around an ONNX graph), loaded with
/// <see cref="MinibatchTransformer.Load(Stream, string)"/>: byte flips, truncations and insertions anywhere in the file
/// and rewritten zip header fields; inside a well-formed zip (right CRC-32s) damaged, removed, added, swapped and
/// replaced entries, the ONNX entry's and ML.NET's own; rewritten protobuf varints and lengths inside the ONNX model
/// (initializer dimensions claiming 2^31, 2^40, 2^62 elements) and rewritten numbers in our metadata JSON, with the
/// model re-encoded so that only our checks can object. Loading either gives a model that scores correctly or throws
/// <see cref="InvalidDataException"/> naming the file — no other exception type, no hang, no huge allocation. Also:
/// single-bit flips in every region of the zip, which must be refused wherever they change what is read.
/// </summary>
[TestClass]
public sealed partial class ModelFileFuzzTests
{
    private const string FileName = "fuzz-model.zip";

    /// <summary>One mutation; positions and choices are taken modulo what they apply to.</summary>
    public sealed record Mutation(int Kind, int A, int B, int C, long Value)
    {
        public override string ToString() => $"kind {Kind} ({A}, {B}, {C}, {Value})";
    }

    private const int KindCount = 14;

    private sealed record Valid(byte[] Zip, List<(string Name, byte[] Bytes)> Entries, int OnnxIndex, byte[] Onnx,
        MinibatchTransformer Model, IDataView Data);

    private static readonly Lazy<Valid> s_valid = new(() =>
    {
        var ml = new MLContext(seed: 1);
        var data = WithKeyValues(ml, 12, 1);
        var model = ml.MulticlassClassification.Trainers.Minibatch(Small(1)).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        byte[] zip = stream.ToArray();
        var entries = ReadEntries(zip);
        int onnx = entries.FindIndex(e => e.Name.EndsWith("/" + OnnxEntryName, StringComparison.Ordinal));
        Assert.AreEqual(1, entries.Count(e => e.Name.EndsWith("/" + OnnxEntryName, StringComparison.Ordinal)), "one ONNX entry");
        Assert.IsGreaterThanOrEqualTo(3, entries.Count, "ML.NET's own entries beside the ONNX one");
        return new Valid(zip, entries, onnx, Unprefix(entries[onnx].Bytes), model, data);
    });

    // Edges, and sizes no file this small can back: 2^31, 2^40 (a terabyte of floats), 2^62.
    private static readonly long[] s_interesting =
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 127, 128, 255, 1 << 20, int.MaxValue, 1L << 31, 1L << 40, 1L << 62, -1];

    // Besides integers, JSON numbers that stress the options' types: a fraction, a negative zero, a float overflow.
    private static readonly string[] s_jsonNumbers = ["0.5", "-0", "1.5e3", "1e39", "-1e-50", "340282356779733661637539395458142568448"];

    private static Gen<Mutation> Mutations =>
        from kind in Gen.Choose(0, KindCount - 1)
        from a in Gen.Choose(0, int.MaxValue)
        from b in Gen.Choose(0, int.MaxValue)
        from c in Gen.Choose(0, int.MaxValue)
        from value in Gen.OneOf(Gen.Elements(s_interesting), Gen.Choose(int.MinValue, int.MaxValue).Select(v => (long)v))
        select new Mutation(kind, a, b, c, value);

    internal static byte[] Apply(Mutation m)
    {
        var valid = s_valid.Value;
        byte[] zip = valid.Zip;
        var entries = valid.Entries.Select(e => (e.Name, (byte[])e.Bytes.Clone())).ToList();
        int onnx = valid.OnnxIndex;
        // Even B: the ONNX entry; odd B: one of ML.NET's own entries.
        int target = m.B % 2 == 0 ? onnx : Others(entries.Count, onnx)[m.B / 2 % (entries.Count - 1)];
        switch (m.Kind)
        {
            case 0: // flip one to three bytes of the file
            {
                var bytes = (byte[])zip.Clone();
                for (int i = 0, n = 1 + m.C % 3; i < n; i++)
                    bytes[(int)((m.A + (long)i * m.B) % bytes.Length)] ^= (byte)(1 + (m.Value >> (8 * i) & 0xFF) % 255);
                return bytes;
            }
            case 1: // truncate the file
                return zip[..(m.A % zip.Length)];
            case 2: // insert bytes into the file
            {
                int at = m.A % (zip.Length + 1);
                var inserted = Enumerable.Range(0, 1 + m.C % 16).Select(i => (byte)(m.Value >> (i % 8 * 8))).ToArray();
                return [.. zip[..at], .. inserted, .. zip[at..]];
            }
            case 3: // rewrite one field of a local header, the central directory or the end record
            {
                var fields = Layout(zip).Where(r => r.Field is not ("name" or "bytes")).ToList();
                var field = fields[m.A % fields.Count];
                var bytes = (byte[])zip.Clone();
                var span = bytes.AsSpan(field.Start, field.Length);
                if (field.Length == 2) BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)m.Value);
                else BinaryPrimitives.WriteUInt32LittleEndian(span, m.C % 2 == 0 ? (uint)m.Value : FuzzSupport.InterestingUInt32[m.C / 2 % FuzzSupport.InterestingUInt32.Length]);
                return bytes;
            }
            case 4: // damage one entry: flip, truncate, insert or overwrite a byte with a digit
            {
                var content = entries[target].Item2;
                int at = content.Length == 0 ? 0 : m.A % content.Length;
                entries[target] = (entries[target].Name, (m.C % 4, content.Length) switch
                {
                    (_, 0) => [(byte)m.Value],
                    (0, _) => Set(content, at, (byte)(content[at] ^ (1 + (m.Value & 0xFF) % 255))),
                    (1, _) => content[..at],
                    (2, _) => [.. content[..at], (byte)m.Value, .. content[at..]],
                    _ => Set(content, at, (byte)('0' + (m.Value % 10 + 10) % 10)),
                });
                break;
            }
            case 5: // remove an entry
                entries.RemoveAt(target);
                break;
            case 6: // add an entry: another copy of the ONNX entry, an ONNX entry of junk, or an entry nobody reads
            {
                byte[] junk = Enumerable.Range(0, m.C % 64).Select(i => (byte)(m.A >> (i % 4 * 8) ^ i)).ToArray();
                var added = (m.C % 3) switch
                {
                    0 => ("Extra/" + OnnxEntryName, entries[onnx].Item2),
                    1 => ("Extra/" + OnnxEntryName, m.A % 2 == 0 ? junk : Prefix(junk)),
                    _ => ("Extra/x", junk),
                };
                entries.Insert(m.A % (entries.Count + 1), added);
                break;
            }
            case 7: // swap two entries' contents
            {
                int other = Others(entries.Count, target)[m.A % (entries.Count - 1)];
                (entries[target], entries[other]) = ((entries[target].Name, entries[other].Item2), (entries[other].Name, entries[target].Item2));
                break;
            }
            case 8: // replace an entry with arbitrary bytes
                entries[target] = (entries[target].Name, Enumerable.Range(0, m.C % 64).Select(i => (byte)(m.A >> (i % 4 * 8) ^ i)).ToArray());
                break;
            case 9: // rewrite one varint of the ONNX model (every enclosing length kept right)
            {
                var model = ParseOnnx(valid.Onnx);
                var varints = Walk(model).Where(f => f.WireType == 0).ToList();
                varints[m.A % varints.Count].Value = (ulong)m.Value;
                entries[onnx] = (entries[onnx].Name, Prefix(Serialize(model)));
                break;
            }
            case 10: // rewrite an initializer's dimensions: one of them, all of them, or add one
            {
                var model = ParseOnnx(valid.Onnx);
                var initializer = Initializers(model)[m.A % Initializers(model).Count];
                var dims = initializer.Children!.Where(f => f.Number == 1).ToList();
                switch (m.C % 3)
                {
                    case 0: dims[m.B % dims.Count].Value = (ulong)m.Value; break;
                    case 1: dims.ForEach(d => d.Value = (ulong)m.Value); break;
                    default: initializer.Children!.Insert(0, new Field { Number = 1, WireType = 0, Value = (ulong)m.Value, Parent = "Initializer" }); break;
                }
                entries[onnx] = (entries[onnx].Name, Prefix(Serialize(model)));
                break;
            }
            case 11: // make a string, bytes or message length lie (the enclosing lengths count what is really there)
            {
                var model = ParseOnnx(valid.Onnx);
                var delimited = Walk(model).Where(f => f.WireType == 2).ToList();
                var field = delimited[m.A % delimited.Count];
                ulong trueLength = (ulong)(field.Children is null ? field.Bytes.Length : Serialize(field.Children).Length);
                // Anything at all, or off by one or two either way.
                field.ClaimedLength = m.C % 2 == 0 ? (ulong)m.Value : unchecked(trueLength + (ulong)((m.Value % 5 + 5) % 5) - 2);
                entries[onnx] = (entries[onnx].Name, Prefix(Serialize(model)));
                break;
            }
            case 12: // change one byte of a string or bytes field of the ONNX model: a name, a weight, our JSON, …
            {
                var model = ParseOnnx(valid.Onnx);
                var leaves = Walk(model).Where(f => f.WireType == 2 && f.Children is null && f.Bytes.Length > 0).ToList();
                var leaf = leaves[m.A % leaves.Count];
                int at = m.B % leaf.Bytes.Length;
                if (leaf.Parent == "Initializer" && leaf.Number == 9 && m.C % 3 == 0)
                {
                    // A weight (raw_data: little-endian floats) overwritten with a value no trained network holds.
                    float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -0f];
                    leaf.Bytes = (byte[])leaf.Bytes.Clone();
                    BinaryPrimitives.WriteSingleLittleEndian(leaf.Bytes.AsSpan(at / 4 * 4), specials[m.C / 3 % specials.Length]);
                }
                else
                {
                    leaf.Bytes = Set(leaf.Bytes, at, m.C % 2 == 0 ? (byte)(leaf.Bytes[at] ^ (1 + (m.Value & 0xFF) % 255)) : (byte)m.Value);
                }
                entries[onnx] = (entries[onnx].Name, Prefix(Serialize(model)));
                break;
            }
            default: // rewrite one number of our metadata JSON (format, sizes, options, key values, history)
            {
                var model = ParseOnnx(valid.Onnx);
                var json = MetadataJson(model);
                string text = Encoding.UTF8.GetString(json.Bytes);
                var numbers = JsonNumber().Matches(text);
                // A quarter of the time the first number, the format version (which gates everything else).
                var match = numbers[m.B % 4 == 0 ? 0 : m.A % numbers.Count];
                string value = m.C % 4 == 0 ? s_jsonNumbers[m.C / 4 % s_jsonNumbers.Length] : m.Value.ToString(CultureInfo.InvariantCulture);
                json.Bytes = Encoding.UTF8.GetBytes(text[..match.Index] + value + text[(match.Index + match.Length)..]);
                entries[onnx] = (entries[onnx].Name, Prefix(Serialize(model)));
                break;
            }
        }
        return WriteZip(entries, m.C % 5 == 0 ? CompressionLevel.NoCompression : CompressionLevel.Optimal);
    }

    private static int[] Others(int count, int except) => Enumerable.Range(0, count).Where(i => i != except).ToArray();

    private static byte[] Set(byte[] content, int at, byte value)
    {
        var copy = (byte[])content.Clone();
        copy[at] = value;
        return copy;
    }

    // A JSON number (after ':', '[' or ','), not the digits of the SHA-256 string.
    [GeneratedRegex(@"(?<=[:\[,])-?\d+(\.\d+)?([eE][-+]?\d+)?")]
    private static partial Regex JsonNumber();

    /// <summary>Loads the mutated bytes within the bounds; null when loaded, else what was thrown.</summary>
    private static Exception? Load(byte[] bytes, string what, out MinibatchTransformer? loaded)
    {
        MinibatchTransformer? result = null;
        var thrown = FuzzSupport.Bounded(() => result = MinibatchTransformer.Load(new MemoryStream(bytes, writable: false), FileName),
            16L << 20, TimeSpan.FromSeconds(20), what);
        loaded = result;
        return thrown;
    }

    private static void CheckCase(Mutation m)
    {
        byte[] bytes = Apply(m);
        var thrown = Load(bytes, m.ToString(), out var loaded);
        if (thrown is InvalidDataException e)
        {
            StringAssert.Contains(e.Message, $"'{FileName}'", $"{m}: {e.Message}");
            return;
        }
        if (thrown != null) throw new AssertFailedException($"{m}: {thrown}");
        AssertScoresCorrectly(loaded!, m.ToString());
    }

    /// <summary>It loaded, so it must score the 12 rows: finite probabilities summing to one, the predicted key their
    /// arg-max + 1.</summary>
    private static void AssertScoresCorrectly(MinibatchTransformer loaded, string what)
    {
        var ml = new MLContext(seed: 1);
        var data = s_valid.Value.Data;
        Assert.AreEqual(3, loaded.ClassCount, what);
        // A changed byte in our JSON may rename the feature column the model reads: give it the features under that name.
        if (loaded.FeatureColumnName != "Features")
            data = ml.Transforms.CopyColumns(loaded.FeatureColumnName, "Features").Fit(data).Transform(data);
        var scored = loaded.Transform(data);
        var scoreColumn = scored.Schema[MinibatchTransformer.ScoreColumnName];
        Assert.AreEqual(3, (scoreColumn.Type as VectorDataViewType)?.Size, what);
        using var cursor = scored.GetRowCursor(scored.Schema);
        var getScore = cursor.GetGetter<VBuffer<float>>(scoreColumn);
        var getPredicted = cursor.GetGetter<uint>(scored.Schema[MinibatchTransformer.PredictedLabelColumnName]);
        VBuffer<float> score = default;
        uint predicted = 0;
        int rows = 0;
        while (cursor.MoveNext())
        {
            rows++;
            getScore(ref score);
            getPredicted(ref predicted);
            var values = score.DenseValues().ToArray();
            Assert.HasCount(3, values, what);
            Assert.IsTrue(values.All(v => float.IsFinite(v) && v >= 0 && v <= 1), what);
            Assert.AreEqual(1.0, values.Sum(v => (double)v), 1e-4, what);
            Assert.AreEqual(Array.IndexOf(values, values.Max()) + 1, (int)predicted, what);
        }
        Assert.AreEqual(12, rows, what);
    }

    [TestMethod]
    public void MutatedModelZips_LoadAndScoreOrThrowInvalidDataNamingTheFile()
    {
        Check.One(FuzzSupport.Config, Prop.ForAll(Mutations.ToArbitrary(), (Action<Mutation>)CheckCase));
    }

    [TestMethod]
    public void TheMutationsReachEveryOutcome()
    {
        // Guards against a vacuous property: the same mutation space yields loadable models and the refusals that
        // matter, from each layer: the zip (ModelZip), the protobuf (ProtoReader, OnnxMlp) and our checks (SavedNetwork).
        string[] phrases =
        [
            // ModelZip: the zip and its entries.
            "fails its CRC-32 check", "is damaged or not a model zip", "holds no minibatch network", "not its recorded",
            "more than a model holds", "does not hold one length-prefixed ONNX model",
            // ProtoReader and OnnxMlp: the ONNX protobuf.
            "not a valid ONNX model written by Microsoft.ML.Minibatch", "exceeds the", "has dimension", "is too large",
            "bytes of data for shape", "is not valid UTF-8",
            // SavedNetwork: our metadata against the weights.
            "SHA-256 differs", "but the architecture says", "although the network's architecture needs it", "is out of range",
            "is not one this version reads", "description is not valid", "non-finite value", "saved option", "key values are invalid",
        ];
        string[] required =
        [
            "fails its CRC-32 check", "is damaged or not a model zip", "holds no minibatch network",
            "not a valid ONNX model written by Microsoft.ML.Minibatch", "has dimension", "is too large", "SHA-256 differs",
            "but the architecture says", "is out of range", "is not one this version reads",
        ];
        int loaded = 0;
        var seen = new HashSet<string>();
        var unmatched = new HashSet<string>();
        var rand = new Random(11);
        for (int i = 0; i < 1400; i++)
        {
            var m = new Mutation(i % KindCount, rand.Next(), rand.Next(), rand.Next(), s_interesting[rand.Next(s_interesting.Length)]);
            var thrown = Load(Apply(m), m.ToString(), out _);
            if (thrown is null)
            {
                loaded++;
                continue;
            }
            Assert.IsInstanceOfType<InvalidDataException>(thrown, $"{m}: {thrown}");
            var matching = phrases.Where(p => thrown.Message.Contains(p, StringComparison.Ordinal)).ToList();
            seen.UnionWith(matching);
            if (matching.Count == 0) unmatched.Add(thrown.Message);
        }
        Console.WriteLine($"loaded {loaded}; seen {seen.Count}: {string.Join(" | ", seen)}");
        Console.WriteLine($"not seen: {string.Join(" | ", phrases.Except(seen))}");
        Console.WriteLine($"other messages: {string.Join(Environment.NewLine, unmatched.Take(30))}");
        Assert.IsGreaterThan(0, loaded);
        foreach (var phrase in required) Assert.Contains(phrase, seen, string.Join(", ", seen));
        Assert.IsGreaterThanOrEqualTo(15, seen.Count, string.Join(", ", seen));
    }
    // Fields whose damage changes what .NET's zip reader reads: where a record is, where an entry's data starts, what
    // its CRC-32 and size must be, which entry holds the ONNX model. A flip there must be refused. (The lengths of the
    // directory's last record only move its end into the end record, which is found from the file's end: harmless.)
    private static bool MustRefuse(Region region, int offset, string lastInDirectory)
    {
        bool onnxName = region.Entry is { } entry && entry.EndsWith("/" + OnnxEntryName, StringComparison.Ordinal)
            && offset >= region.Start + region.Length - OnnxEntryName.Length;
        return (region.Kind, region.Field) switch
        {
            (_, "signature") => true,
            (LocalHeader, "name length" or "extra length") => true,
            // Our loader also compares each local header with its central-directory record, which .NET's reader skips.
            (LocalHeader, "crc32" or "compressed size" or "size" or "name") => true,
            (CentralDirectory, "crc32" or "size" or "disk" or "local header offset") => true,
            (CentralDirectory, "name length" or "extra length" or "comment length") => region.Entry != lastInDirectory,
            (CentralDirectory, "name") => onnxName,
            (EndRecord, "disk" or "directory disk" or "entries on disk" or "entries" or "directory offset" or "comment length") => true,
            _ => false,
        };
    }

    /// <summary>Inflates an entry's compressed data: what comes out before the deflate stream ends or turns invalid.</summary>
    private static byte[] Inflate(byte[] zip, Region data)
    {
        using var inflate = new DeflateStream(new MemoryStream(zip, data.Start, data.Length, writable: false), CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[1];
        try
        {
            while (inflate.Read(buffer) > 0) output.WriteByte(buffer[0]);
        }
        catch (InvalidDataException)
        {
        }
        return output.ToArray();
    }

    /// <summary>Whether a reader that stops at the entry's recorded size reads <paramref name="original"/> from the
    /// flipped data (a flip after the data's end, or in bits the decoder never needs before then).</summary>
    private static bool InflatesTo(byte[] zip, Region data, byte[] original)
    {
        var inflated = Inflate(zip, data);
        return inflated.Length >= original.Length && inflated.AsSpan(0, original.Length).SequenceEqual(original);
    }

    private static void AssertSameModel(MinibatchTransformer expected, MinibatchTransformer actual, string what)
    {
        var a = Weights(expected);
        var b = Weights(actual);
        Assert.HasCount(a.Length, b, what);
        for (int i = 0; i < a.Length; i++) CollectionAssert.AreEqual(a[i], b[i], $"{what}: parameter {i}");
        Assert.AreEqual(System.Text.Json.JsonSerializer.Serialize(expected.TrainingOptions.HiddenLayers), System.Text.Json.JsonSerializer.Serialize(actual.TrainingOptions.HiddenLayers), what);
        Assert.AreEqual(expected.TrainingOptions.LearningRate, actual.TrainingOptions.LearningRate, what);
        Assert.AreEqual(expected.TrainingOptions.Seed, actual.TrainingOptions.Seed, what);
        Assert.AreEqual(expected.History.Count, actual.History.Count, what);
        for (int i = 0; i < expected.History.Count; i++) Assert.AreEqual(expected.History[i].TrainLoss, actual.History[i].TrainLoss, what);
        Assert.AreEqual(expected.LabelKeyValues.Values?.ToString(), actual.LabelKeyValues.Values?.ToString(), what);
    }

    [TestMethod]
    public void FlippedBytesInEveryRegionOfTheZip_AreRefusedNamingTheFile_WhereverTheyChangeWhatIsRead()
    {
        // The issue: "a test flips bytes in every region (local headers, compressed data, central directory) and expects
        // an error". The test parses the zip itself and flips every byte of it: of the local headers, every entry's
        // compressed data, the central directory and the end record. A flip in a field that decides what is read (see
        // MustRefuse) and a flip in compressed data that changes the inflated bytes must be refused; a flip in a field
        // .NET's zip reader does not use must leave the loaded model identical — never a different model.
        var valid = s_valid.Value;
        byte[] zip = valid.Zip;
        var regions = Layout(zip);
        Assert.AreEqual(valid.Entries.Count, regions.Count(r => r.Kind == CompressedData));
        AssertSameModel(valid.Model, MinibatchTransformer.Load(new MemoryStream(zip), FileName), "the unchanged file");
        string lastInDirectory = regions.Last(r => r.Kind == CentralDirectory).Entry!;
        var refusedIn = new Dictionary<string, int>();
        var harmlessIn = new Dictionary<string, int>();
        foreach (var region in regions)
        {
            byte[] original = region.Kind == CompressedData ? Inflate(zip, region) : [];
            for (int offset = region.Start; offset < region.Start + region.Length; offset++)
            {
                // Headers: the lowest bit, the highest bit and all bits of each byte; names and data: one bit, cycling.
                byte[] masks = region.Kind == CompressedData || region.Field == "name" ? [(byte)(1 << (offset % 8))] : [0x01, 0x80, 0xFF];
                foreach (byte mask in masks)
                {
                    var bytes = (byte[])zip.Clone();
                    bytes[offset] ^= mask;
                    string what = $"{region}, byte {offset} ^ 0x{mask:X2}";
                    bool mustRefuse = region.Kind == CompressedData
                        ? !InflatesTo(bytes, region, original)
                        : MustRefuse(region, offset, lastInDirectory);
                    var thrown = Load(bytes, what, out var loaded);
                    string key = $"{region.Kind} {region.Field}";
                    if (thrown is null)
                    {
                        Assert.IsFalse(mustRefuse, $"{what}: loaded, but this flip changes what is read");
                        AssertSameModel(valid.Model, loaded!, what);
                        harmlessIn[key] = harmlessIn.GetValueOrDefault(key) + 1;
                        continue;
                    }
                    Assert.IsInstanceOfType<InvalidDataException>(thrown, $"{what}: {thrown}");
                    StringAssert.Contains(thrown.Message, $"'{FileName}'", what);
                    refusedIn[key] = refusedIn.GetValueOrDefault(key) + 1;
                }
            }
        }
        Console.WriteLine("refused: " + string.Join(", ", refusedIn.Select(p => $"{p.Key} {p.Value}")));
        Console.WriteLine("identical model: " + string.Join(", ", harmlessIn.Select(p => $"{p.Key} {p.Value}")));
        // Every region yields refusals, and the compressed data almost only refusals (a flip there rarely leaves the
        // inflated bytes unchanged, e.g. in the unused bits after the final block).
        foreach (string kind in new[] { LocalHeader, CompressedData, CentralDirectory, EndRecord })
            Assert.IsTrue(refusedIn.Any(p => p.Key.StartsWith(kind, StringComparison.Ordinal)), $"no refusal in the {kind}");
        int dataBytes = regions.Where(r => r.Kind == CompressedData).Sum(r => r.Length);
        Assert.IsGreaterThan(dataBytes * 0.95, refusedIn[$"{CompressedData} bytes"]);
        // The local header's copies of the CRC-32, sizes and name, which .NET's reader skips, are checked by ours.
        foreach (string field in new[] { "crc32", "compressed size", "size", "name" })
            Assert.IsTrue(refusedIn.ContainsKey($"{LocalHeader} {field}"), $"no refusal for the local header's {field}");
    }

    [TestMethod]
    public void AFlipInTheOnnxEntrysCompressedData_PassesMLNetsOwnLoad_ButNotOurs()
    {
        // ML.NET's own loader (through .NET's ZipArchive, which does not check CRC-32s on read) accepts some damaged
        // ONNX entries whose damage still inflates and parses; ours refuses every one of them.
        var valid = s_valid.Value;
        byte[] zip = valid.Zip;
        var data = Layout(zip).Single(r => r.Kind == CompressedData && r.Entry!.EndsWith("/" + OnnxEntryName, StringComparison.Ordinal));
        var temp = Directory.CreateTempSubdirectory("minibatch-mlnet-load-");
        try
        {
            // ApplyOnnxModel copies the ONNX bytes into TempFilePath on every load: keep them in a folder of our own.
            var ml = new MLContext(seed: 1) { TempFilePath = temp.FullName };
            var expected = ScoresOf(ml.Model.Load(new MemoryStream(zip), out _), valid.Data);
            int mlnetAccepted = 0, mlnetScoresDiffer = 0;
            for (int offset = data.Start; offset < data.Start + data.Length; offset += 3)
            {
                var bytes = (byte[])zip.Clone();
                bytes[offset] ^= (byte)(1 << (offset % 8));
                string what = $"byte {offset} of the ONNX entry's compressed data";
                var ours = Load(bytes, what, out var loaded);
                if (ours is null)
                {
                    // Only a flip the inflater never needs (after the final block) loads; it loads the same model.
                    Assert.IsTrue(InflatesTo(bytes, data, valid.Entries[valid.OnnxIndex].Bytes), what);
                    AssertSameModel(valid.Model, loaded!, what);
                    continue;
                }
                Assert.IsInstanceOfType<InvalidDataException>(ours, $"{what}: {ours}");
                StringAssert.Contains(ours.Message, $"'{FileName}'", what);
                ITransformer mlnet;
                try
                {
                    mlnet = ml.Model.Load(new MemoryStream(bytes), out _);
                }
                catch (Exception)
                {
                    continue;
                }
                mlnetAccepted++;
                StringAssert.Contains(ours.Message, "fails its CRC-32 check", what);
                try
                {
                    if (!ScoresOf(mlnet, valid.Data).SequenceEqual(expected)) mlnetScoresDiffer++;
                }
                catch (Exception)
                {
                    // Loaded, then failed when scoring: not silent, but not noticed at load either.
                }
                finally
                {
                    (mlnet as IDisposable)?.Dispose();
                }
            }
            Console.WriteLine($"ML.NET's Load accepted {mlnetAccepted} of {(data.Length + 2) / 3} flips; {mlnetScoresDiffer} of them then scored differently.");
            Assert.IsGreaterThan(0, mlnetAccepted, "ML.NET's own Load accepted none of the damaged files");
            // And some of what it accepted is silently another model: its scores differ from the saved model's.
            Assert.IsGreaterThan(0, mlnetScoresDiffer, "every damaged file ML.NET accepted scored as the original");
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>Every score of every row, as text (so that NaN compares equal to NaN).</summary>
    private static List<string> ScoresOf(ITransformer model, IDataView data)
    {
        var scored = model.Transform(data);
        return scored.GetColumn<float[]>(MinibatchTransformer.ScoreColumnName)
            .Select(s => string.Join(",", s.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))).ToList();
    }
}
