namespace Microsoft.ML.Minibatch.Tensors;

public partial class Tensor
{
    /// <summary>The matrix product of two 2-dimensional tensors (PyTorch's <c>a @ b</c>).</summary>
    /// <param name="other">A [k×n] tensor when this one is [m×k].</param>
    /// <exception cref="ArgumentException">The inner dimensions differ; the message names both shapes.</exception>
    public Tensor MatMul(Tensor other) => MatMul(this, other, false, false);

    /// <summary>
    /// The matrix product op(a)·op(b), where op transposes when asked, without copying a transposed operand.
    /// </summary>
    /// <param name="a">[m×k], or [k×m] when <paramref name="transposeA"/>.</param>
    /// <param name="b">[k×n], or [n×k] when <paramref name="transposeB"/>.</param>
    /// <param name="transposeA">Use aᵀ.</param>
    /// <param name="transposeB">Use bᵀ.</param>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA, bool transposeB)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank != 2 || b.Rank != 2)
        {
            throw new ArgumentException($"Shapes {a.ShapeString} and {b.ShapeString} do not match for MatMul (both must be 2-dimensional).");
        }
        int m = transposeA ? a._shape[1] : a._shape[0];
        int k = transposeA ? a._shape[0] : a._shape[1];
        int kb = transposeB ? b._shape[1] : b._shape[0];
        int n = transposeB ? b._shape[0] : b._shape[1];
        if (k != kb)
        {
            throw new ArgumentException($"Shapes {a.ShapeString} and {b.ShapeString} do not match for MatMul ({k} ≠ {kb}).");
        }
        var result = Empty([m, n], zeroed: k == 0);
        Gemm.Multiply(a.Values, transposeA, b.Values, transposeB, result.AsSpan(), m, n, k);
        if (Autograd.ShouldRecord(a, b)) Autograd.Record(result, new MatMulNode(a, b, transposeA, transposeB, result, m, n, k));
        return result;
    }
}
