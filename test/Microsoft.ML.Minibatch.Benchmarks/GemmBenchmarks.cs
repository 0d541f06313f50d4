using BenchmarkDotNet.Attributes;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>Gemm.Multiply at the seeds' training-step shapes and two large products.</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    /// <summary>The shape under test.</summary>
    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.All[0];

    /// <summary>All shapes.</summary>
    public static IEnumerable<GemmShape> Shapes => GemmShape.All;

    /// <summary>Random operands.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _a = Enumerable.Range(0, Shape.M * Shape.K).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, Shape.K * Shape.N).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _c = new float[Shape.M * Shape.N];
    }

    /// <summary>One product.</summary>
    [Benchmark]
    public void Multiply() =>
        Gemm.Multiply(_a, Shape.TransposeA, _b, Shape.TransposeB, _c, Shape.M, Shape.N, Shape.K, Shape.Accumulate);
}
