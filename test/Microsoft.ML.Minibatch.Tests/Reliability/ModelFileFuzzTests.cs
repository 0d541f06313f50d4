using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.ML.Data;
using static Microsoft.ML.Minibatch.Tests.Trainers.TrainerTestData;

namespace Microsoft.ML.Minibatch.Tests.Reliability;

/// <summary>
/// FsCheck properties over mutated minibatch model zips: byte flips, truncations and insertions of the file; and,
/// inside a well-formed zip, damaged, removed, added and swapped entries, rewritten state-dict header fields (shapes
/// claiming terabytes) and rewritten manifest numbers (format version, sizes, shapes). Loading either gives a model
/// that scores correctly or throws <see cref="InvalidDataException"/> naming the file — no other exception type, no
/// hang, no huge allocation. Subsumes the seeded loop of <c>MinibatchModelFileFuzzTests</c>.
/// </summary>
[TestClass]
public sealed partial class ModelFileFuzzTests
{
    private const string FileName = "fuzz-model.zip";
    private const string Weights = "model/weights.bin";
    private const string Manifest = "manifest.json";

    /// <summary>One mutation; positions are taken modulo the length of what they apply to.</summary>
    public sealed record Mutation(int Kind, int A, int B, int C, long Value)
    {
        public override string ToString() => $"kind {Kind} ({A}, {B}, {C}, {Value})";
    }

    private static readonly Lazy<(byte[] Zip, Dictionary<string, byte[]> Entries, IDataView Data)> s_valid = new(() =>
    {
        var ml = new MLContext(seed: 1);
        var data = WithKeyValues(ml, 12, 1);
        var model = ml.MulticlassClassification.Trainers.Minibatch(Small(1)).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        var entries = new Dictionary<string, byte[]>();
        using (var zip = new ZipArchive(new MemoryStream(stream.ToArray()), ZipArchiveMode.Read))
            foreach (var entry in zip.Entries)
            {
                using var s = entry.Open();
                using var m = new MemoryStream();
                s.CopyTo(m);
                entries[entry.FullName] = m.ToArray();
            }
        return (stream.ToArray(), entries, data);
    });

    // Edges, and sizes no file this small can back: 2^31, 2^40 (a terabyte of floats), 2^62.
    private static readonly long[] s_interesting = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 127, 128, 255, 1 << 20, int.MaxValue, 1L << 31, 1L << 40, 1L << 62, -1];

    private static Gen<Mutation> Mutations =>
        from kind in Gen.Choose(0, 8)
        from a in Gen.Choose(0, int.MaxValue)
        from b in Gen.Choose(0, int.MaxValue)
        from c in Gen.Choose(0, int.MaxValue)
        from value in Gen.OneOf(Gen.Elements(s_interesting), Gen.Choose(int.MinValue, int.MaxValue).Select(v => (long)v))
        select new Mutation(kind, a, b, c, value);

    internal static byte[] Apply(Mutation m)
    {
        var (zip, original, _) = s_valid.Value;
        var entries = original.ToDictionary(e => e.Key, e => (byte[])e.Value.Clone());
        string target = m.B % 2 == 0 ? Weights : Manifest;
        switch (m.Kind)
        {
            case 0: // flip one to three bytes of the file
            {
                var bytes = (byte[])zip.Clone();
                for (int i = 0, n = 1 + m.C % 3; i < n; i++) bytes[(int)((m.A + (long)i * m.B) % bytes.Length)] ^= (byte)(1 + (m.Value >> (8 * i) & 0xFF) % 255);
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
            case 3: // damage one entry: flip, truncate, insert or overwrite a byte with a digit
            {
                var content = entries[target];
                int at = m.A % content.Length;
                entries[target] = (m.C % 4) switch
                {
                    0 => Flip(content, at, (byte)(1 + (m.Value & 0xFF) % 255)),
                    1 => content[..at],
                    2 => [.. content[..at], (byte)m.Value, .. content[at..]],
                    _ => Flip(content, at, 0, (byte)('0' + (m.Value % 10 + 10) % 10)),
                };
                break;
            }
            case 4: // remove an entry
                entries.Remove(target);
                break;
            case 5: // add an entry the manifest does not describe, or swap two entries' contents
                if (m.C % 2 == 0) entries["model/" + (m.A % 3 == 0 ? "weights2.bin" : "x")] = [(byte)m.Value];
                else (entries[Weights], entries[Manifest]) = (entries[Manifest], entries[Weights]);
                break;
            case 6: // rewrite one ULEB128 header field of the state dict (count, key length, dtype, rank or a dimension)
            {
                var fields = StateDictHeaderFields(entries[Weights]);
                var (offset, length) = fields[m.A % fields.Count];
                var content = entries[Weights];
                entries[Weights] = [.. content[..offset], .. Uleb128(Math.Abs(m.Value)), .. content[(offset + length)..]];
                break;
            }
            case 7: // rewrite one number of the manifest (format version, sizes, epochs, shapes, …)
            {
                string json = Encoding.UTF8.GetString(entries[Manifest]);
                var numbers = Number().Matches(json);
                var match = numbers[m.A % numbers.Count];
                json = json[..match.Index] + m.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) + json[(match.Index + match.Length)..];
                entries[Manifest] = Encoding.UTF8.GetBytes(json);
                break;
            }
            default: // replace an entry with arbitrary bytes of the other kind's length
                entries[target] = Enumerable.Range(0, m.C % 64).Select(i => (byte)(m.A >> (i % 4 * 8) ^ i)).ToArray();
                break;
        }
        using var rebuilt = new MemoryStream();
        using (var archive = new ZipArchive(rebuilt, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in entries)
            {
                using var s = archive.CreateEntry(name, m.C % 5 == 0 ? CompressionLevel.NoCompression : CompressionLevel.Optimal).Open();
                s.Write(bytes);
            }
        return rebuilt.ToArray();
    }

    private static byte[] Flip(byte[] content, int at, byte xor, byte? set = null)
    {
        var copy = (byte[])content.Clone();
        copy[at] = set ?? (byte)(copy[at] ^ xor);
        return copy;
    }

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][-+]?\d+)?")]
    private static partial Regex Number();

    private static byte[] Uleb128(long value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return bytes.ToArray();
    }

    /// <summary>The test's own parse of TorchSharp's layout: the (offset, length) of every ULEB128 header field.</summary>
    private static List<(int Offset, int Length)> StateDictHeaderFields(byte[] data)
    {
        var fields = new List<(int, int)>();
        int p = 0;
        long Next()
        {
            int start = p;
            long value = 0;
            int shift = 0;
            byte b;
            do
            {
                b = data[p++];
                value |= (long)(b & 0x7F) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0);
            fields.Add((start, p - start));
            return value;
        }
        long count = Next();
        for (long i = 0; i < count; i++)
        {
            long keyLength = Next();
            p += (int)keyLength;
            Next(); // dtype
            long rank = Next();
            long elements = 1;
            for (long d = 0; d < rank; d++) elements *= Next();
            p += (int)elements * 4;
        }
        Assert.AreEqual(data.Length, p, "the test's parse of the valid state dict");
        return fields;
    }

    private static void CheckCase(Mutation m)
    {
        var data = s_valid.Value.Data;
        byte[] bytes = Apply(m);
        ITransformer? loaded = null;
        Exception? thrown = FuzzSupport.Bounded(() =>
        {
            loaded = new MLContext(seed: 1).Model.Load(new MemoryStream(bytes, writable: false), out _);
        }, 16L << 20, TimeSpan.FromSeconds(20), m.ToString());
        if (thrown is InvalidDataException e)
        {
            StringAssert.Contains(e.Message, "Model file '", $"{m}: {e.Message}");
            return;
        }
        if (thrown != null) throw new AssertFailedException($"{m}: {thrown}");

        // It loaded, so it must score: probabilities that are finite, sum to one and agree with the predicted key.
        IDataView scored;
        try
        {
            scored = loaded!.Transform(data);
        }
        catch (ArgumentOutOfRangeException schema) when (schema.Message.StartsWith("Schema mismatch", StringComparison.Ordinal)
                                                         || schema.Message.StartsWith("Could not find", StringComparison.Ordinal))
        {
            return; // A mutated column name or size: a model for other data, refused with ML.NET's message.
        }
        var scoreColumn = scored.Schema[MinibatchTransformer.ScoreColumnName];
        int classes = scoreColumn.Type.GetVectorSize();
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
            Assert.HasCount(classes, values, m.ToString());
            Assert.IsTrue(values.All(v => float.IsFinite(v) && v >= 0 && v <= 1), m.ToString());
            Assert.AreEqual(1.0, values.Sum(v => (double)v), 1e-4, m.ToString());
            Assert.AreEqual(Array.IndexOf(values, values.Max()) + 1, (int)predicted, m.ToString());
        }
        Assert.AreEqual(12, rows, m.ToString());
    }

    [TestMethod]
    public void MutatedModelZips_LoadAndScoreOrThrowInvalidData()
    {
        Check.One(FuzzSupport.Config, Prop.ForAll(Mutations.ToArbitrary(), (Action<Mutation>)CheckCase));
    }

    [TestMethod]
    public void TheMutationsReachEveryOutcome()
    {
        // Guards against a vacuous property: the same mutation space yields loadable models and the refusals that
        // matter (huge shapes, unknown versions, missing and unexpected entries, shapes disagreeing with the manifest).
        int loaded = 0;
        var seen = new HashSet<string>();
        string[] phrases = ["not a zip archive", "unsupported format version", "missing from the archive", "unexpected entry",
            "has no manifest.json", "needing", "more elements than one array can hold", "but the manifest says", "is out of range"];
        var rand = new Random(11);
        for (int i = 0; i < 600; i++)
        {
            var m = new Mutation(i % 9, rand.Next(), rand.Next(), rand.Next(), s_interesting[rand.Next(s_interesting.Length)]);
            try
            {
                new MLContext(seed: 1).Model.Load(new MemoryStream(Apply(m)), out _);
                loaded++;
            }
            catch (InvalidDataException e)
            {
                foreach (var phrase in phrases)
                    if (e.Message.Contains(phrase, StringComparison.Ordinal)) seen.Add(phrase);
            }
        }
        Assert.IsGreaterThan(0, loaded);
        Assert.IsGreaterThanOrEqualTo(7, seen.Count, string.Join(", ", seen));
    }
}
