using System.Text.Json;

namespace Microsoft.ML.Minibatch.Tests.OptimTests;

/// <summary>
/// The PyTorch trajectories written by Fixtures/make_optim_golden.py: per case the options, the
/// initial parameters, and per step the gradients (null = no grad) and the parameters afterwards.
/// </summary>
internal sealed class OptimGolden
{
    public required string Name { get; init; }
    public required JsonElement Options { get; init; }
    public required string[] ParamNames { get; init; }
    public required int[][] Shapes { get; init; }
    public required float[][] Initial { get; init; }
    public required GoldenStep[] Steps { get; init; }

    public double Option(string name, double fallback) =>
        Options.TryGetProperty(name, out JsonElement e) ? e.GetDouble() : fallback;

    public bool Flag(string name) => Options.TryGetProperty(name, out JsonElement e) && e.GetBoolean();

    public (double, double) Betas() =>
        Options.TryGetProperty("betas", out JsonElement e) ? (e[0].GetDouble(), e[1].GetDouble()) : (0.9, 0.999);

    public static IReadOnlyList<OptimGolden> Load(string fileName)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", fileName);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        var cases = new List<OptimGolden>();
        foreach (JsonElement c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            JsonElement[] ps = c.GetProperty("params").EnumerateArray().ToArray();
            cases.Add(new OptimGolden
            {
                Name = c.GetProperty("name").GetString()!,
                Options = c.GetProperty("options").Clone(),
                ParamNames = ps.Select(p => p.GetProperty("name").GetString()!).ToArray(),
                Shapes = ps.Select(p => p.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray()).ToArray(),
                Initial = ps.Select(p => Floats(p.GetProperty("initial"))).ToArray(),
                Steps = c.GetProperty("steps").EnumerateArray().Select(s => new GoldenStep(
                    s.TryGetProperty("lr", out JsonElement lr) ? lr.GetDouble() : null,
                    s.GetProperty("grads").EnumerateArray().Select(g => g.ValueKind == JsonValueKind.Null ? null : Floats(g)).ToArray(),
                    s.GetProperty("after").EnumerateArray().Select(Floats).ToArray())).ToArray(),
            });
        }
        return cases;
    }

    // The fixture stores float32 values as shortest round-trip doubles, so the cast is exact.
    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();

    /// <summary>
    /// Asserts |actual − expected| ≤ 1e-5·|expected| + 1e-7 elementwise (the absolute floor only
    /// matters for values within ~1e-2 of zero) and returns how many elements differ at all.
    /// </summary>
    public static int AssertClose(float[] expected, ReadOnlySpan<float> actual, string where)
    {
        Assert.AreEqual(expected.Length, actual.Length, where);
        int differing = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (BitConverter.SingleToInt32Bits(e) != BitConverter.SingleToInt32Bits(a)) differing++;
            double tolerance = 1e-5 * Math.Abs(e) + 1e-7;
            if (!(Math.Abs((double)a - e) <= tolerance))
                Assert.Fail($"{where}[{i}]: expected {e:R}, got {a:R} (difference {Math.Abs((double)a - e):G3} > {tolerance:G3}).");
        }
        return differing;
    }
}

/// <summary>One optimizer step of a golden trajectory.</summary>
internal sealed record GoldenStep(double? LearningRate, float[]?[] Grads, float[][] After);
