using System.Buffers.Binary;
using System.IO.Compression;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Tests.Data;

namespace Microsoft.ML.Minibatch.Tests.Reliability;

/// <summary>
/// FsCheck properties over mutated IDX files, raw and gzip, read from seekable and non-seekable streams: the reader
/// either returns exactly what the (decompressed) bytes say or throws <see cref="InvalidDataException"/> — no other
/// exception, no hang, and no allocation driven by a header that lies about the size.
/// </summary>
[TestClass]
public sealed class IdxFuzzTests
{
    /// <summary>One mutation of a valid file. Positions are taken modulo the length of what they apply to.</summary>
    public sealed record Mutation(int Kind, int A, int B, int C, uint Value, bool Gzip, bool Images, bool Seekable)
    {
        public override string ToString()
            => $"{(Images ? "images" : "labels")}{(Gzip ? ".gz" : "")} {(Seekable ? "seekable" : "non-seekable")} kind {Kind} ({A}, {B}, {C}, 0x{Value:X8})";
    }

    // 12 images of 3×4 and 12 labels: small enough to stay fast, large enough to have a body worth damaging.
    private static readonly byte[] s_images = IdxTestData.Images(12, 3, 4);
    private static readonly byte[] s_labels = IdxTestData.Labels(Enumerable.Range(0, 12).Select(i => (byte)(i % 10)).ToArray());

    private static Gen<Mutation> Mutations =>
        from kind in Gen.Choose(0, 5)
        from a in Gen.Choose(0, int.MaxValue)
        from b in Gen.Choose(0, int.MaxValue)
        from c in Gen.Choose(0, int.MaxValue)
        from value in FuzzSupport.UInt32
        from gzip in Gen.Elements(false, true)
        from images in Gen.Elements(false, true)
        from seekable in Gen.Elements(false, true)
        select new Mutation(kind, a, b, c, value, gzip, images, seekable);

    /// <summary>Applies <paramref name="m"/> to the valid file it names; returns the bytes as they would be on disk.</summary>
    internal static byte[] Apply(Mutation m)
    {
        byte[] raw = (byte[])(m.Images ? s_images : s_labels).Clone();
        int rank = m.Images ? 3 : 1;
        switch (m.Kind)
        {
            case 0: // flip one to three bytes of the file as stored
            {
                byte[] disk = m.Gzip ? IdxTestData.Gzip(raw) : raw;
                int flips = 1 + m.C % 3;
                for (int i = 0; i < flips; i++)
                {
                    int position = (int)((m.A + (long)i * m.B) % disk.Length);
                    disk[position] ^= (byte)(1 + (m.Value >> (8 * i)) % 255);
                }
                return disk;
            }
            case 1: // truncate
            {
                byte[] disk = m.Gzip ? IdxTestData.Gzip(raw) : raw;
                return disk[..(m.A % disk.Length)];
            }
            case 2: // insert 1 to 16 bytes
            {
                byte[] disk = m.Gzip ? IdxTestData.Gzip(raw) : raw;
                int at = m.A % (disk.Length + 1);
                int count = 1 + m.B % 16;
                var inserted = Enumerable.Range(0, count).Select(i => (byte)(m.C >> (i % 4 * 8))).ToArray();
                return [.. disk[..at], .. inserted, .. disk[at..]];
            }
            case 3: // rewrite one header field (magic or a dimension), then compress if the file is gzip
            case 4: // the same, and make a gzip trailer agree with the lie
            {
                int field = m.A % (1 + rank);
                BinaryPrimitives.WriteUInt32BigEndian(raw.AsSpan(4 * field), m.Value);
                if (!m.Gzip) return raw;
                byte[] disk = IdxTestData.Gzip(raw);
                if (m.Kind == 4) BinaryPrimitives.WriteUInt32LittleEndian(disk.AsSpan(disk.Length - 4), ClaimedSize(raw, rank));
                return disk;
            }
            default: // append bytes after the data (inside the gzip stream, or after it)
            {
                byte[] tail = Enumerable.Range(0, 1 + m.B % 8).Select(i => (byte)(m.C >> i)).ToArray();
                if (!m.Gzip) return [.. raw, .. tail];
                return m.A % 2 == 0 ? IdxTestData.Gzip([.. raw, .. tail]) : [.. IdxTestData.Gzip(raw), .. tail];
            }
        }
    }

    // What a header claims in total bytes, modulo 2^32 as gzip records it.
    private static uint ClaimedSize(byte[] raw, int rank)
    {
        ulong total = 1;
        for (int i = 0; i < rank; i++) total = unchecked(total * BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(4 + 4 * i)));
        return unchecked((uint)(total + 4 + 4 * (ulong)rank));
    }

    /// <summary>The test's own reading of the bytes: the decompressed content, or null if it is not a valid gzip stream.</summary>
    private static byte[]? Decompressed(byte[] disk)
    {
        if (disk.Length < 2 || disk[0] != 0x1f || disk[1] != 0x8b) return disk;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(disk), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static void CheckCase(Mutation m)
    {
        byte[] disk = Apply(m);
        object? result = null;
        Stream Open() => m.Seekable ? new MemoryStream(disk, writable: false) : new NonSeekableStream(new MemoryStream(disk, writable: false));
        // A lie about the size may cost at most what the evidence allows: the inflate bound of this small file
        // (1032 × its length) or the reader's first 1 MiB chunk on a non-seekable stream — never the claim itself.
        long bound = 4L << 20;
        Exception? thrown = FuzzSupport.Bounded(() =>
        {
            using var stream = Open();
            result = m.Images ? IdxReader.ReadImages(stream, "fuzz.idx") : IdxReader.ReadLabels(stream, "fuzz.idx");
        }, bound, TimeSpan.FromSeconds(20), m.ToString());

        if (thrown is InvalidDataException e)
        {
            StringAssert.StartsWith(e.Message, "fuzz.idx: ", m.ToString());
            return;
        }
        if (thrown != null) throw new AssertFailedException($"{m}: {thrown}");

        // It loaded: then the bytes must be a well-formed file of that kind, and the result exactly its content.
        byte[]? content = Decompressed(disk);
        Assert.IsNotNull(content, $"{m}: loaded although the gzip stream is invalid");
        int rank = m.Images ? 3 : 1;
        int header = 4 + 4 * rank;
        Assert.IsGreaterThanOrEqualTo(header, content.Length, m.ToString());
        Assert.AreEqual(m.Images ? 0x803u : 0x801u, BinaryPrimitives.ReadUInt32BigEndian(content), m.ToString());
        long product = 1;
        for (int i = 0; i < rank; i++) product *= BinaryPrimitives.ReadUInt32BigEndian(content.AsSpan(4 + 4 * i));
        Assert.AreEqual(content.Length - header, product, m.ToString());
        byte[] body = content[header..];
        if (result is IdxImages images)
        {
            Assert.AreEqual((int)BinaryPrimitives.ReadUInt32BigEndian(content.AsSpan(4)), images.Count, m.ToString());
            CollectionAssert.AreEqual(body, images.Pixels, m.ToString());
        }
        else
        {
            var labels = (byte[])result!;
            CollectionAssert.AreEqual(body, labels, m.ToString());
            Assert.IsTrue(labels.All(l => l < IdxReader.DefaultClassCount), m.ToString());
        }
    }

    [TestMethod]
    public void MutatedIdxFiles_LoadExactlyOrThrowInvalidData()
    {
        Check.One(FuzzSupport.Config, Prop.ForAll(Mutations.ToArbitrary(), (Action<Mutation>)CheckCase));
    }

    [TestMethod]
    public void TheMutationsReachEveryOutcome()
    {
        // The property above would pass vacuously if every mutation were refused at the first byte: show that the
        // same mutation space also yields files that load and refusals of each kind of lie.
        var loaded = 0;
        var messages = new HashSet<string>();
        var rand = new Random(3);
        for (int i = 0; i < 400; i++)
        {
            var m = new Mutation(i % 6, rand.Next(), rand.Next(), rand.Next(), FuzzSupport.InterestingUInt32[rand.Next(FuzzSupport.InterestingUInt32.Length)],
                rand.Next(2) == 0, rand.Next(2) == 0, true);
            try
            {
                using var stream = new MemoryStream(Apply(m));
                _ = m.Images ? IdxReader.ReadImages(stream, "f") : (object)IdxReader.ReadLabels(stream, "f");
                loaded++;
            }
            catch (InvalidDataException e)
            {
                foreach (var phrase in new[] { "IDX magic", "cannot decompress to that much", "gzip trailer", "file holds", "not a valid gzip", "outside 0..9", "more bytes after" })
                    if (e.Message.Contains(phrase, StringComparison.Ordinal)) messages.Add(phrase);
            }
        }
        Assert.IsGreaterThan(0, loaded);
        Assert.IsGreaterThanOrEqualTo(5, messages.Count, string.Join(", ", messages));
    }
}
