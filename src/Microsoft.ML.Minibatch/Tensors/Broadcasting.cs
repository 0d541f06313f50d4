using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>How an operand of a broadcasting binary operation maps onto the result.</summary>
internal enum BroadcastLayout
{
    /// <summary>The operand has the result's shape.</summary>
    Full,
    /// <summary>The operand has one element.</summary>
    Scalar,
    /// <summary>The operand is one row repeated over the result's leading dimensions (a bias [n] over [m, n]).</summary>
    Row,
    /// <summary>The operand is one value per row of the result (a keepDim reduction [m, 1] over [m, n]).</summary>
    Column,
    /// <summary>Any other broadcast: an explicit index map from result elements to operand elements.</summary>
    Mapped,
}

/// <summary>The element-wise binary operations that broadcast.</summary>
internal enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,
}

/// <summary>PyTorch-style broadcasting with fast paths for the layouts training uses.</summary>
internal static class Broadcasting
{
    /// <summary>The broadcast shape of two shapes, or an ArgumentException naming both.</summary>
    public static int[] ResultShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string operation)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException(
                    $"Shapes {Tensor.FormatShape(a)} and {Tensor.FormatShape(b)} do not match for {operation} (they cannot be broadcast together).");
            }
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Classifies how <paramref name="operand"/> maps onto <paramref name="resultShape"/>.</summary>
    public static BroadcastLayout Classify(ReadOnlySpan<int> operand, int operandLength, int[] resultShape, out int[]? map)
    {
        map = null;
        if (operand.SequenceEqual(resultShape)) return BroadcastLayout.Full;
        if (operandLength == 1) return BroadcastLayout.Scalar;
        int rank = resultShape.Length;
        int pad = rank - operand.Length;
        int last = resultShape[rank - 1];
        bool row = operand[^1] == last;
        for (int i = 0; row && i < operand.Length - 1; i++) row = operand[i] == 1;
        if (row) return BroadcastLayout.Row;
        bool column = operand[^1] == 1 && pad == 0;
        for (int i = 0; column && i < rank - 1; i++) column = operand[i] == resultShape[i];
        if (column) return BroadcastLayout.Column;
        map = BuildMap(operand, resultShape);
        return BroadcastLayout.Mapped;
    }

    private static int[] BuildMap(ReadOnlySpan<int> operand, int[] resultShape)
    {
        int rank = resultShape.Length;
        int pad = rank - operand.Length;
        // Stride of each result dimension in the operand (0 where the operand is broadcast).
        var strides = new int[rank];
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int size = i < pad ? 1 : operand[i - pad];
            strides[i] = size == 1 ? 0 : stride;
            stride *= size;
        }
        var map = new int[Tensor.CheckedElementCount(resultShape)];
        var index = new int[rank];
        int offset = 0;
        for (int flat = 0; flat < map.Length; flat++)
        {
            map[flat] = offset;
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                offset += strides[d];
                if (index[d] < resultShape[d]) break;
                offset -= strides[d] * index[d];
                index[d] = 0;
            }
        }
        return map;
    }

    /// <summary>Computes dest = op(x, y) for one row, where each side is a span or (when its span is empty) a scalar.</summary>
    public static void Apply(BinaryOp op, ReadOnlySpan<float> x, float xs, ReadOnlySpan<float> y, float ys, Span<float> dest, bool xScalar, bool yScalar)
    {
        switch (op)
        {
            case BinaryOp.Add:
                if (!xScalar && !yScalar) TensorPrimitives.Add(x, y, dest);
                else if (!xScalar) TensorPrimitives.Add(x, ys, dest);
                else if (!yScalar) TensorPrimitives.Add(y, xs, dest);
                else dest.Fill(xs + ys);
                break;
            case BinaryOp.Sub:
                if (!xScalar && !yScalar) TensorPrimitives.Subtract(x, y, dest);
                else if (!xScalar) TensorPrimitives.Subtract(x, ys, dest);
                else if (!yScalar) TensorPrimitives.Subtract(xs, y, dest);
                else dest.Fill(xs - ys);
                break;
            case BinaryOp.Mul:
                if (!xScalar && !yScalar) TensorPrimitives.Multiply(x, y, dest);
                else if (!xScalar) TensorPrimitives.Multiply(x, ys, dest);
                else if (!yScalar) TensorPrimitives.Multiply(y, xs, dest);
                else dest.Fill(xs * ys);
                break;
            default:
                if (!xScalar && !yScalar) TensorPrimitives.Divide(x, y, dest);
                else if (!xScalar) TensorPrimitives.Divide(x, ys, dest);
                else if (!yScalar) TensorPrimitives.Divide(xs, y, dest);
                else dest.Fill(xs / ys);
                break;
        }
    }

    /// <summary>dest = op(x, y) over the whole result, with x and y in their layouts (Mapped operands pre-expanded).</summary>
    public static void Compute(BinaryOp op, ReadOnlySpan<float> x, BroadcastLayout lx, ReadOnlySpan<float> y, BroadcastLayout ly,
        Span<float> dest, int rows, int n)
    {
        bool perRow = lx is BroadcastLayout.Row or BroadcastLayout.Column || ly is BroadcastLayout.Row or BroadcastLayout.Column;
        if (!perRow)
        {
            Apply(op, x, lx == BroadcastLayout.Scalar ? x[0] : 0, y, ly == BroadcastLayout.Scalar ? y[0] : 0, dest,
                lx == BroadcastLayout.Scalar, ly == BroadcastLayout.Scalar);
            return;
        }
        for (int i = 0; i < rows; i++)
        {
            var d = dest.Slice(i * n, n);
            Side(x, lx, i, n, out var xr, out float xs, out bool xScalar);
            Side(y, ly, i, n, out var yr, out float ys, out bool yScalar);
            Apply(op, xr, xs, yr, ys, d, xScalar, yScalar);
        }
    }

    private static void Side(ReadOnlySpan<float> v, BroadcastLayout layout, int row, int n,
        out ReadOnlySpan<float> span, out float scalar, out bool isScalar)
    {
        switch (layout)
        {
            case BroadcastLayout.Row:
                span = v.Slice(0, n); scalar = 0; isScalar = false; break;
            case BroadcastLayout.Column:
                span = default; scalar = v[row]; isScalar = true; break;
            case BroadcastLayout.Scalar:
                span = default; scalar = v[0]; isScalar = true; break;
            default:
                span = v.Slice(row * n, n); scalar = 0; isScalar = false; break;
        }
    }

    /// <summary>Adds <paramref name="full"/> (result-shaped) into <paramref name="dest"/>, summing over broadcast dimensions.</summary>
    public static void AccumulateReduced(ReadOnlySpan<float> full, BroadcastLayout layout, int[]? map, Span<float> dest, int rows, int n)
    {
        switch (layout)
        {
            case BroadcastLayout.Full:
                TensorPrimitives.Add(dest, full, dest);
                break;
            case BroadcastLayout.Scalar:
                dest[0] += TensorPrimitives.Sum(full);
                break;
            case BroadcastLayout.Row:
                for (int i = 0; i < rows; i++) TensorPrimitives.Add(dest, full.Slice(i * n, n), dest);
                break;
            case BroadcastLayout.Column:
                for (int i = 0; i < rows; i++) dest[i] += TensorPrimitives.Sum(full.Slice(i * n, n));
                break;
            default:
                for (int j = 0; j < full.Length; j++) dest[map![j]] += full[j];
                break;
        }
    }

    /// <summary>Copies an operand out to the full result size through its index map.</summary>
    public static float[] Expand(ReadOnlySpan<float> operand, int[] map)
    {
        var result = new float[map.Length];
        for (int j = 0; j < map.Length; j++) result[j] = operand[map[j]];
        return result;
    }
}
