using System.IO.Compression;
using Microsoft.ML;
using static Microsoft.ML.Minibatch.Tests.Trainers.TrainerTestData;

namespace Microsoft.ML.Minibatch.Tests.Trainers;

/// <summary>
/// Mutated minibatch model files: whatever is damaged, loading either succeeds (and the model scores) or throws
/// <see cref="InvalidDataException"/> — never another exception type. The mutations are drawn from a fixed seed so
/// that a failure reproduces.
/// </summary>
[TestClass]
public sealed class MinibatchModelFileFuzzTests
{
    private static byte[] ValidModel(out IDataView data)
    {
        var ml = new MLContext(seed: 1);
        data = ml.Data.LoadFromEnumerable(KeyRows(12, 1));
        var model = ml.MulticlassClassification.Trainers.Minibatch(Small(1)).Fit(WithKeyValues(ml, 12, 1));
        using var stream = new MemoryStream();
        ml.Model.Save(model, WithKeyValues(ml, 12, 1).Schema, stream);
        return stream.ToArray();
    }

    private static void LoadOrRefuse(byte[] bytes, IDataView data, string what)
    {
        var ml = new MLContext(seed: 1);
        try
        {
            var loaded = ml.Model.Load(new MemoryStream(bytes), out _);
            EstimatorChecksDump(loaded, data);
        }
        catch (InvalidDataException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e}");
        }
    }

    private static void EstimatorChecksDump(ITransformer loaded, IDataView data)
    {
        // A model that loads must also score without surprises (a schema mismatch is a legitimate refusal).
        try
        {
            MLNet.EstimatorChecks.Dump(loaded.Transform(data));
        }
        catch (ArgumentOutOfRangeException)
        {
        }
    }

    [TestMethod]
    public void FlippedAndTruncatedBytes_LoadOrThrowInvalidData()
    {
        var valid = ValidModel(out var data);
        var rand = new Random(12345);
        for (int i = 0; i < 600; i++)
        {
            var bytes = (byte[])valid.Clone();
            if (i % 3 == 2)
            {
                Array.Resize(ref bytes, rand.Next(bytes.Length));
            }
            else
            {
                int flips = 1 + rand.Next(4);
                for (int f = 0; f < flips; f++) bytes[rand.Next(bytes.Length)] ^= (byte)(1 + rand.Next(255));
            }
            LoadOrRefuse(bytes, data, $"case {i}");
        }
    }

    [TestMethod]
    public void MutatedEntries_InsideAValidZip_LoadOrThrowInvalidData()
    {
        var valid = ValidModel(out var data);
        var entries = new Dictionary<string, byte[]>();
        using (var zip = new ZipArchive(new MemoryStream(valid), ZipArchiveMode.Read))
            foreach (var entry in zip.Entries)
            {
                using var s = entry.Open();
                using var m = new MemoryStream();
                s.CopyTo(m);
                entries[entry.FullName] = m.ToArray();
            }
        Assert.IsTrue(entries.ContainsKey("model/weights.bin"), string.Join(", ", entries.Keys));
        var rand = new Random(54321);
        for (int i = 0; i < 600; i++)
        {
            string target = i % 2 == 0 ? "model/weights.bin" : "manifest.json";
            var content = (byte[])entries[target].Clone();
            switch (rand.Next(3))
            {
                case 0:
                    for (int f = 1 + rand.Next(3); f > 0; f--) content[rand.Next(content.Length)] ^= (byte)(1 + rand.Next(255));
                    break;
                case 1:
                    Array.Resize(ref content, rand.Next(content.Length));
                    break;
                default:
                    // Overwrite one byte with a digit, which keeps JSON valid more often and changes numbers.
                    content[rand.Next(content.Length)] = (byte)('0' + rand.Next(10));
                    break;
            }
            using var rebuilt = new MemoryStream();
            using (var zip = new ZipArchive(rebuilt, ZipArchiveMode.Create, leaveOpen: true))
                foreach (var (name, bytes) in entries)
                {
                    using var s = zip.CreateEntry(name).Open();
                    s.Write(name == target ? content : bytes);
                }
            LoadOrRefuse(rebuilt.ToArray(), data, $"case {i} ({target})");
        }
    }
}
