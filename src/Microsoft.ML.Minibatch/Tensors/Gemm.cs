namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// Single-precision general matrix multiply on row-major spans: C = op(A)·op(B), or C += op(A)·op(B).
/// </summary>
public static class Gemm
{
    /// <summary>
    /// Computes C[m×n] = op(A)[m×k] · op(B)[k×n], adding to C when <paramref name="accumulate"/> is set.
    /// </summary>
    /// <param name="a">A, stored row-major as [m×k], or as [k×m] when <paramref name="transposeA"/>.</param>
    /// <param name="transposeA">Whether A is stored transposed.</param>
    /// <param name="b">B, stored row-major as [k×n], or as [n×k] when <paramref name="transposeB"/>.</param>
    /// <param name="transposeB">Whether B is stored transposed.</param>
    /// <param name="c">C, row-major [m×n].</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="accumulate">Add the product to C instead of overwriting it.</param>
    public static void Multiply(ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB,
        Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (a.Length < (long)m * k) throw new ArgumentException($"A holds {a.Length} values, fewer than {m}×{k}.", nameof(a));
        if (b.Length < (long)k * n) throw new ArgumentException($"B holds {b.Length} values, fewer than {k}×{n}.", nameof(b));
        if (c.Length < (long)m * n) throw new ArgumentException($"C holds {c.Length} values, fewer than {m}×{n}.", nameof(c));

        // Reference loop; the blocked SIMD kernel replaces it.
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transposeA ? a[p * m + i] : a[i * k + p];
                    float bv = transposeB ? b[j * k + p] : b[p * n + j];
                    sum += av * bv;
                }
                c[i * n + j] = accumulate ? c[i * n + j] + sum : sum;
            }
        }
    }
}
