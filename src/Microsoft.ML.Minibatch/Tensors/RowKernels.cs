using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>Numerically stable per-row kernels shared by LogSumExp, Softmax, LogSoftmax and CrossEntropy, and the
/// row arg-max of ArgMax, Max and Accuracy.</summary>
internal static class RowKernels
{
    /// <summary>
    /// PyTorch's <c>argmax</c> of the <paramref name="count"/> (≥ 1) values x[0], x[stride], x[2·stride], …: the first
    /// index of the largest value, where a NaN counts as the largest (the first NaN wins) and −0 equals +0. A plain
    /// loop: a classifier's rows are a few values long, where <c>TensorPrimitives.IndexOfMax</c> took 170–200 ns a row
    /// against 30–35 (ten values, Zen 3).
    /// </summary>
    public static int ArgMax(ReadOnlySpan<float> x, int count, int stride = 1)
    {
        int best = 0;
        float bestValue = x[0];
        for (int i = 1; i < count && !float.IsNaN(bestValue); i++)
        {
            float v = x[i * stride];
            if (v > bestValue || float.IsNaN(v)) { best = i; bestValue = v; }
        }

        return best;
    }

    /// <summary>
    /// log Σ exp(row) with the max trick: m + log Σ exp(row − m). An infinite maximum is replaced by 0 (as PyTorch does)
    /// so that all −∞ gives −∞ and any +∞ gives +∞ instead of NaN.
    /// </summary>
    /// <param name="row">The values.</param>
    /// <param name="scratch">At least row.Length floats; receives exp(row − m).</param>
    public static float LogSumExp(ReadOnlySpan<float> row, Span<float> scratch)
    {
        if (row.Length == 0) return float.NegativeInfinity;
        float max = TensorPrimitives.Max(row);
        float shift = float.IsInfinity(max) ? 0 : max;
        var e = scratch.Slice(0, row.Length);
        TensorPrimitives.Subtract(row, shift, e);
        TensorPrimitives.Exp(e, e);
        return MathF.Log(TensorPrimitives.Sum(e)) + shift;
    }

    /// <summary>
    /// Writes log-softmax of each row of a rows×n matrix into <paramref name="dest"/> as (x − m) − log Σ exp(x − m).
    /// Subtracting the max first keeps the small result exact where x − (m + log Σ) would lose it to the rounding
    /// of a large m + log Σ (PyTorch's kernel orders it the same way).
    /// </summary>
    public static void LogSoftmax(ReadOnlySpan<float> x, Span<float> dest, int rows, int n)
    {
        if (n == 0) return;
        var scratch = Tensor.NewBuffer(n);
        for (int r = 0; r < rows; r++)
        {
            var outRow = dest.Slice(r * n, n);
            float logSum = ShiftedLogSum(x.Slice(r * n, n), outRow, scratch);
            TensorPrimitives.Subtract(outRow, logSum, outRow);
        }
    }

    /// <summary>
    /// Writes row − m into <paramref name="shifted"/> (m the row maximum, 0 if infinite) and returns log Σ exp(row − m);
    /// <paramref name="scratch"/> receives exp(row − m).
    /// </summary>
    public static float ShiftedLogSum(ReadOnlySpan<float> row, Span<float> shifted, Span<float> scratch) =>
        ShiftedLogSum(row, shifted, scratch, out _);

    /// <summary>As <see cref="ShiftedLogSum(ReadOnlySpan{float}, Span{float}, Span{float})"/>, also returning Σ exp(row − m).</summary>
    public static float ShiftedLogSum(ReadOnlySpan<float> row, Span<float> shifted, Span<float> scratch, out float sum)
    {
        float max = TensorPrimitives.Max(row);
        float shift = float.IsInfinity(max) ? 0 : max;
        TensorPrimitives.Subtract(row, shift, shifted);
        var e = scratch.Slice(0, row.Length);
        TensorPrimitives.Exp(shifted, e);
        sum = TensorPrimitives.Sum(e);
        return MathF.Log(sum);
    }

    /// <summary>Writes softmax of each row of a rows×n matrix into <paramref name="dest"/>: exp(x − m) / Σ exp(x − m).</summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> dest, int rows, int n)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * n, n);
            var outRow = dest.Slice(r * n, n);
            if (n == 0) continue;
            float max = TensorPrimitives.Max(row);
            float shift = float.IsInfinity(max) ? 0 : max;
            TensorPrimitives.Subtract(row, shift, outRow);
            TensorPrimitives.Exp(outRow, outRow);
            TensorPrimitives.Divide(outRow, TensorPrimitives.Sum(outRow), outRow);
        }
    }
}
