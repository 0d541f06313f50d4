namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>A GEMM shape the benchmarks time: C[m×n] (+)= op(A)·op(B).</summary>
public sealed record GemmShape(string Name, int M, int N, int K, bool TransposeA, bool TransposeB, bool Accumulate)
{
    /// <summary>The seeds' training step (batch 64, 784-50-10) and two large products.</summary>
    public static IReadOnlyList<GemmShape> All { get; } =
    [
        new("fwd x·W1ᵀ", 64, 50, 784, false, true, false),
        new("fwd h·W2ᵀ", 64, 10, 50, false, true, false),
        new("bwd dH = dY·W2", 64, 50, 10, false, false, false),
        new("bwd dW1 += dHᵀ·X", 50, 784, 64, true, false, true),
        new("bwd dW2 += dYᵀ·H", 10, 50, 64, true, false, true),
        new("large 128×784×800", 128, 800, 784, false, false, false),
        new("large 1024³", 1024, 1024, 1024, false, false, false),
    ];

    /// <summary>Multiply-adds times two.</summary>
    public double Flops => 2.0 * M * N * K;

    /// <summary>The product as stored operands, e.g. "[64×784]·[50×784]ᵀ" (ᵀ: used transposed), "+=" when accumulating.</summary>
    public string Dims =>
        (TransposeA ? $"[{K}×{M}]ᵀ" : $"[{M}×{K}]") + "·" + (TransposeB ? $"[{N}×{K}]ᵀ" : $"[{K}×{N}]") + (Accumulate ? " +=" : "");

    /// <inheritdoc/>
    public override string ToString() => Name;
}
