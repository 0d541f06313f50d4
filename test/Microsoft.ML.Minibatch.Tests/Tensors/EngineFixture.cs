using System.Text.Json;

namespace Microsoft.ML.Minibatch.Tests.TensorsTests;

/// <summary>Reads the PyTorch golden files written by Fixtures/make_engine_golden.py.</summary>
internal static class EngineFixture
{
    public static JsonElement Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        using var stream = File.OpenRead(path);
        return JsonDocument.Parse(stream).RootElement.Clone();
    }

    public static float[] Floats(this JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Number) return [element.GetSingle()];
        var list = new List<float>();
        Flatten(element, list);
        return list.ToArray();
    }

    public static int[] Ints(this JsonElement element) => element.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static void Flatten(JsonElement element, List<float> list)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray()) Flatten(item, list);
        }
        else
        {
            list.Add((float)element.GetDouble());
        }
    }

    /// <summary>Asserts |a − e| ≤ rel · max(|e|, 1e-3 scale floor) elementwise, naming the first bad index.</summary>
    public static void AssertClose(float[] expected, ReadOnlySpan<float> actual, double relative = 1e-5, double absolute = 1e-6, string what = "")
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{what}: length");
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = absolute + relative * Math.Abs(expected[i]);
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
            {
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:G3})");
            }
        }
    }

    /// <summary>Sum of the float32 bit patterns mod 2^32, as the Python script computes it.</summary>
    public static uint BitsChecksum(ReadOnlySpan<float> values)
    {
        uint sum = 0;
        foreach (var v in values) sum = unchecked(sum + BitConverter.SingleToUInt32Bits(v));
        return sum;
    }
}
