using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Minibatch.NN;

namespace Microsoft.ML.Minibatch.Tests.NNTests;

/// <summary>
/// The TorchSharp state-dict codec: exact byte layout, round trips, interop with the Python
/// reader/writer in Fixtures/optim_torchsharp_format.py, rejection of malformed input without
/// large allocations, and atomic file writes.
/// </summary>
[TestClass]
public sealed class StateDictCodecTests
{
    private static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    private static List<StateDictEntry> SampleEntries() =>
    [
        new("0.weight", [2, 3], [1f, -2f, 0.5f, float.Epsilon, -0f, float.MaxValue]),
        new("0.bias", [2], [float.PositiveInfinity, float.NegativeInfinity]),
        new("scalar", [], [3.25f]),
        new("empty", [0, 4], []),
        new("nan.payload", [1], [BitConverter.Int32BitsToSingle(0x7FC0_1234)]),
        new("schlüssel", [1, 1, 1], [42f]),
    ];

    private static byte[] Encode(IReadOnlyList<StateDictEntry> entries)
    {
        using var ms = new MemoryStream();
        TorchSharpFormat.Write(ms, entries);
        return ms.ToArray();
    }

    private static List<StateDictEntry> Decode(byte[] bytes) => TorchSharpFormat.Read(new MemoryStream(bytes, writable: false), null);

    private static void AssertSameEntries(IReadOnlyList<StateDictEntry> expected, IReadOnlyList<StateDictEntry> actual)
    {
        Assert.AreEqual(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.AreEqual(expected[i].Key, actual[i].Key);
            CollectionAssert.AreEqual(expected[i].Shape, actual[i].Shape, expected[i].Key);
            CollectionAssert.AreEqual(
                expected[i].Data.Select(BitConverter.SingleToInt32Bits).ToArray(),
                actual[i].Data.Select(BitConverter.SingleToInt32Bits).ToArray(), expected[i].Key);
        }
    }

    [TestMethod]
    public void Layout_matches_TorchSharp_byte_for_byte()
    {
        // count 1 | key: len 1, 'a' | dtype 6 | rank 1 | dim 2 | 1.0f, -2.0f little-endian
        byte[] bytes = Encode([new StateDictEntry("a", [2], [1f, -2f])]);
        CollectionAssert.AreEqual(new byte[] { 1, 1, (byte)'a', 6, 1, 2, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 }, bytes);
    }

    [TestMethod]
    public void Keys_are_written_as_dotnet_BinaryWriter_strings_and_dims_as_multibyte_ULEB128()
    {
        string key = new string('k', 130) + "ä"; // 132 UTF-8 bytes: a two-byte length prefix
        byte[] bytes = Encode([new StateDictEntry(key, [300, 0], [])]);

        using var expectedKey = new MemoryStream();
        using (var writer = new BinaryWriter(expectedKey, Encoding.UTF8, leaveOpen: true)) writer.Write(key);
        byte[] keyBytes = expectedKey.ToArray();
        CollectionAssert.AreEqual(keyBytes, bytes.Skip(1).Take(keyBytes.Length).ToArray());
        // 300 = 0b10_0101100 → 0xAC 0x02
        CollectionAssert.AreEqual(new byte[] { 6, 2, 0xAC, 0x02, 0 }, bytes.Skip(1 + keyBytes.Length).ToArray());
    }

    [TestMethod]
    public void Round_trip_preserves_keys_order_shapes_and_every_bit()
    {
        List<StateDictEntry> entries = SampleEntries();
        AssertSameEntries(entries, Decode(Encode(entries)));
    }

    [TestMethod]
    public void Reads_from_a_non_seekable_stream()
    {
        List<StateDictEntry> entries = SampleEntries();
        using var pipe = new NonSeekableStream(Encode(entries));
        AssertSameEntries(entries, TorchSharpFormat.Read(pipe, null));
    }

    [TestMethod]
    public void File_written_by_the_Python_script_reads_bit_exactly()
    {
        List<StateDictEntry> actual = TorchSharpFormat.ReadFile(FixturePath("optim_statedict_from_python.bin"));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(FixturePath("optim_statedict_from_python.json")));
        JsonElement[] entries = expected.RootElement.GetProperty("entries").EnumerateArray().ToArray();
        Assert.AreEqual(entries.Length, actual.Count);
        for (int i = 0; i < entries.Length; i++)
        {
            Assert.AreEqual(entries[i].GetProperty("key").GetString(), actual[i].Key);
            CollectionAssert.AreEqual(entries[i].GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(), actual[i].Shape);
            CollectionAssert.AreEqual(
                entries[i].GetProperty("bits").EnumerateArray().Select(b => (int)b.GetUInt32()).ToArray(),
                actual[i].Data.Select(BitConverter.SingleToInt32Bits).ToArray(), actual[i].Key);
        }
    }

    [TestMethod]
    public void File_written_here_loads_in_PyTorch()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            Assert.Inconclusive("No /usr/bin/python3 to load the file in PyTorch.");
            return;
        }
        string dir = Directory.CreateTempSubdirectory("statedict-py").FullName;
        try
        {
            string path = Path.Combine(dir, "from_csharp.bin");
            List<StateDictEntry> entries = SampleEntries();
            TorchSharpFormat.WriteFile(path, entries);

            var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(FixturePath("optim_torchsharp_format.py"));
            start.ArgumentList.Add("dump");
            start.ArgumentList.Add(path);
            using Process process = Process.Start(start)!;
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 && stderr.Result.Contains("No module named", StringComparison.Ordinal))
            {
                Assert.Inconclusive($"PyTorch/numpy not available: {stderr.Result}");
                return;
            }
            Assert.AreEqual(0, process.ExitCode, stderr.Result);

            using JsonDocument doc = JsonDocument.Parse(stdout);
            JsonProperty[] loaded = doc.RootElement.EnumerateObject().ToArray();
            Assert.AreEqual(entries.Count, loaded.Length);
            for (int i = 0; i < entries.Count; i++)
            {
                Assert.AreEqual(entries[i].Key, loaded[i].Name);
                CollectionAssert.AreEqual(entries[i].Shape, loaded[i].Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());
                CollectionAssert.AreEqual(
                    entries[i].Data.Select(BitConverter.SingleToInt32Bits).ToArray(),
                    loaded[i].Value.GetProperty("bits").EnumerateArray().Select(b => (int)b.GetUInt32()).ToArray(), entries[i].Key);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Every_truncation_of_a_valid_file_is_rejected()
    {
        byte[] bytes = Encode(SampleEntries());
        for (int length = 0; length < bytes.Length; length++)
        {
            InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => Decode(bytes[..length]), $"prefix of {length} bytes");
            StringAssert.Contains(e.Message, "stream");
        }
    }

    [TestMethod]
    public void Unknown_or_unsupported_dtype_is_rejected_by_number_and_name()
    {
        byte[] float64 = [1, 1, (byte)'a', 7, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Decode(float64)).Message, "dtype 7 (float64)");
        byte[] weird = [1, 1, (byte)'a', 0xE7, 0x24, 1, 1, 0, 0, 0, 0]; // 4711
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Decode(weird)).Message, "dtype 4711 (unknown)");
    }

    [TestMethod]
    public void Absurd_rank_is_rejected()
    {
        byte[] rank9 = [1, 1, (byte)'a', 6, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Decode(rank9)).Message, "rank 9");
        byte[] rankHuge = [1, 1, (byte)'a', 6, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Decode(rankHuge)).Message, "rank 4294967295");
    }

    [TestMethod]
    public void Headers_claiming_huge_sizes_fail_before_allocating()
    {
        // dims 2^20 × 2^20 × 2^20 (4 EiB of floats) followed by 8 real bytes.
        byte[] terabytes = [1, 1, (byte)'a', 6, 3, 0x80, 0x80, 0x40, 0x80, 0x80, 0x40, 0x80, 0x80, 0x40, 0, 0, 0, 0, 0, 0, 0, 0];
        // dims 100000 × 1000 = 4e8 bytes claimed: fits in an array, not in the 8 bytes that follow.
        byte[] gigabytes = [1, 1, (byte)'a', 6, 2, 0xA0, 0x8D, 0x06, 0xE8, 0x07, 0, 0, 0, 0, 0, 0, 0, 0];
        // An entry count of 2^62 and a key length of 2^31 - 1.
        byte[] manyEntries = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 1, (byte)'a', 6, 0];
        byte[] longKey = [1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, (byte)'a', 6, 0, 0, 0, 0, 0];
        foreach ((string name, byte[] bytes, string expected) in new[]
        {
            ("terabytes", terabytes, "more elements than one array can hold"),
            ("gigabytes", gigabytes, "needing 400000000 bytes of data but only 8 remain"),
            ("entries", manyEntries, "claims 4611686018427387904 entries"),
            ("key", longKey, "claims 2147483647 bytes"),
        })
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => Decode(bytes), name);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            StringAssert.Contains(e.Message, expected, name);
            Assert.IsLessThan(1_000_000L, allocated, $"{name}: allocated {allocated} bytes while rejecting");
        }
    }

    [TestMethod]
    public void Trailing_garbage_is_rejected()
    {
        byte[] bytes = [.. Encode(SampleEntries()), 0x00, 0x01];
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Decode(bytes)).Message, "2 trailing bytes");
    }

    [TestMethod]
    public void Duplicate_keys_are_rejected_on_read_and_write()
    {
        byte[] one = Encode([new StateDictEntry("w", [], [1f])]);
        byte[] twice = [2, .. one[1..], .. one[1..]];
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Decode(twice)).Message, "duplicate key 'w'");
        Assert.ThrowsExactly<ArgumentException>(() => Encode([new StateDictEntry("w", [], [1f]), new StateDictEntry("w", [], [2f])]));
    }

    [TestMethod]
    public void Empty_keys_invalid_UTF8_and_overlong_numbers_are_rejected()
    {
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Decode([1, 0, 6, 0, 0, 0, 0, 0])).Message, "empty key");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Decode([1, 1, 0xFF, 6, 0, 0, 0, 0, 0])).Message, "not valid UTF-8");
        byte[] overlong = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Decode(overlong)).Message, "not a valid unsigned LEB128");
    }

    [TestMethod]
    public void Errors_from_a_file_name_the_file()
    {
        string dir = Directory.CreateTempSubdirectory("statedict").FullName;
        try
        {
            string path = Path.Combine(dir, "bad.bin");
            File.WriteAllBytes(path, [3, 1]);
            InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => TorchSharpFormat.ReadFile(path));
            StringAssert.Contains(e.Message, path);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Entries_must_match_their_shape()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new StateDictEntry("w", [2, 2], new float[3]));
        Assert.ThrowsExactly<ArgumentException>(() => new StateDictEntry("w", [-1], []));
        Assert.ThrowsExactly<ArgumentException>(() => new StateDictEntry("", [], [1f]));
        Assert.ThrowsExactly<ArgumentException>(() => new StateDictEntry("w", new int[9], []));
    }

    [TestMethod]
    public void A_save_that_fails_halfway_leaves_the_previous_file_intact()
    {
        string dir = Directory.CreateTempSubdirectory("statedict-atomic").FullName;
        try
        {
            string path = Path.Combine(dir, "model.bin");
            List<StateDictEntry> original = SampleEntries();
            TorchSharpFormat.WriteFile(path, original);
            byte[] before = File.ReadAllBytes(path);

            var bigger = new List<StateDictEntry> { new("big", [4096], Enumerable.Range(0, 4096).Select(i => (float)i).ToArray()) };
            IOException e = Assert.ThrowsExactly<IOException>(() =>
                TorchSharpFormat.WriteFile(path, bigger, s => new FailingStream(s, failAfterBytes: 5000)));
            StringAssert.Contains(e.Message, "injected");

            CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
            AssertSameEntries(original, TorchSharpFormat.ReadFile(path));
            CollectionAssert.AreEqual(new[] { "model.bin" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray(), "no temporary file left behind");

            // And a save that succeeds replaces the file.
            TorchSharpFormat.WriteFile(path, bigger);
            AssertSameEntries(bigger, TorchSharpFormat.ReadFile(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Passes writes through until a byte budget is spent, then throws like a full disk.</summary>
    private sealed class FailingStream(Stream inner, long failAfterBytes) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > failAfterBytes)
            {
                int allowed = (int)(failAfterBytes - _written);
                inner.Write(buffer[..allowed]);
                _written += allowed;
                throw new IOException("injected failure: no space left on device");
            }
            inner.Write(buffer);
            _written += buffer.Length;
        }
    }

    /// <summary>A read-only stream that cannot seek, like a zip entry or a network stream.</summary>
    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data, writable: false);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
