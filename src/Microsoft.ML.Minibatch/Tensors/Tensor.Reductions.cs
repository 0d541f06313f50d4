using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Tensors;

public partial class Tensor
{
    /// <summary>The sum of all elements, as a 0-dimensional tensor.</summary>
    public Tensor Sum()
    {
        var result = Empty([]);
        result.AsSpan()[0] = TensorPrimitives.Sum(Values);
        if (Autograd.ShouldRecord(this)) Autograd.Record(result, new FullReductionNode(this, result, 1f, "SumBackward"));
        return result;
    }

    /// <summary>The mean of all elements, as a 0-dimensional tensor (NaN for an empty tensor, as in PyTorch).</summary>
    public Tensor Mean()
    {
        var result = Empty([]);
        result.AsSpan()[0] = TensorPrimitives.Sum(Values) / _length;
        if (Autograd.ShouldRecord(this)) Autograd.Record(result, new FullReductionNode(this, result, 1f / _length, "MeanBackward"));
        return result;
    }

    /// <summary>Sums along <paramref name="dim"/> (PyTorch's <c>sum(dim, keepdim)</c>).</summary>
    /// <param name="dim">The dimension to reduce; negative counts from the end.</param>
    /// <param name="keepDim">Keep the reduced dimension with size 1 (so the result broadcasts against this tensor).</param>
    public Tensor Sum(int dim, bool keepDim = false) => SumAlong(dim, keepDim, mean: false);

    /// <summary>Averages along <paramref name="dim"/> (PyTorch's <c>mean(dim, keepdim)</c>).</summary>
    /// <param name="dim">The dimension to reduce.</param>
    /// <param name="keepDim">Keep the reduced dimension with size 1.</param>
    public Tensor Mean(int dim, bool keepDim = false) => SumAlong(dim, keepDim, mean: true);

    /// <summary>
    /// The maximum along <paramref name="dim"/> and where it occurs (PyTorch's <c>max(dim, keepdim)</c>);
    /// gradients flow to the maximal elements.
    /// </summary>
    /// <param name="dim">The dimension to reduce.</param>
    /// <param name="keepDim">Keep the reduced dimension with size 1.</param>
    public (Tensor Values, IntTensor Indices) Max(int dim, bool keepDim = false)
    {
        var (outer, size, inner, shape) = ReductionLayout(dim, keepDim);
        var values = Empty(shape);
        var indices = new int[outer * inner];
        MaxAlong(Values, outer, size, inner, values.AsSpan(), indices);
        if (Autograd.ShouldRecord(this)) Autograd.Record(values, new MaxNode(this, values, indices, size, inner));
        return (values, new IntTensor(indices, shape));
    }

    /// <summary>The index of the maximum along <paramref name="dim"/> (first one on ties; PyTorch's <c>argmax</c>).</summary>
    /// <param name="dim">The dimension to reduce.</param>
    /// <param name="keepDim">Keep the reduced dimension with size 1.</param>
    public IntTensor ArgMax(int dim = -1, bool keepDim = false)
    {
        var (outer, size, inner, shape) = ReductionLayout(dim, keepDim);
        var indices = new int[outer * inner];
        MaxAlong(Values, outer, size, inner, new float[outer * inner], indices);
        return new IntTensor(indices, shape);
    }

    /// <summary>
    /// log(Σ exp(x)) along <paramref name="dim"/>, computed with the max trick (PyTorch's <c>logsumexp</c>):
    /// logits of ±10⁴ stay finite.
    /// </summary>
    /// <param name="dim">The dimension to reduce.</param>
    /// <param name="keepDim">Keep the reduced dimension with size 1.</param>
    public Tensor LogSumExp(int dim = -1, bool keepDim = false)
    {
        var (outer, size, inner, shape) = ReductionLayout(dim, keepDim);
        var result = Empty(shape);
        var x = Values;
        var y = result.AsSpan();
        if (inner == 1)
        {
            var scratch = NewBuffer(size);
            for (int o = 0; o < outer; o++) y[o] = RowKernels.LogSumExp(x.Slice(o * size, size), scratch);
        }
        else
        {
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    int baseIndex = o * size * inner + i;
                    float max = float.NegativeInfinity;
                    for (int s = 0; s < size; s++) max = MathF.Max(max, x[baseIndex + s * inner]);
                    float shift = float.IsInfinity(max) ? 0 : max;
                    float sum = 0;
                    for (int s = 0; s < size; s++) sum += MathF.Exp(x[baseIndex + s * inner] - shift);
                    y[o * inner + i] = MathF.Log(sum) + shift;
                }
            }
        }
        if (Autograd.ShouldRecord(this)) Autograd.Record(result, new LogSumExpNode(this, result, size, inner));
        return result;
    }

    private Tensor SumAlong(int dim, bool keepDim, bool mean)
    {
        var (outer, size, inner, shape) = ReductionLayout(dim, keepDim);
        // The inner > 1 path accumulates into the result, so it needs zeroed storage.
        var result = Empty(shape, zeroed: inner != 1);
        var x = Values;
        var y = result.AsSpan();
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) y[o] = TensorPrimitives.Sum(x.Slice(o * size, size));
        }
        else
        {
            for (int o = 0; o < outer; o++)
            {
                var dest = y.Slice(o * inner, inner);
                for (int s = 0; s < size; s++) TensorPrimitives.Add(dest, x.Slice((o * size + s) * inner, inner), dest);
            }
        }
        float scale = mean ? 1f / size : 1f;
        if (mean) TensorPrimitives.Divide(y, size, y);
        if (Autograd.ShouldRecord(this))
        {
            Autograd.Record(result, new AlongReductionNode(this, result, size, inner, scale, mean ? "MeanBackward" : "SumBackward"));
        }
        return result;
    }

    private static void MaxAlong(ReadOnlySpan<float> x, int outer, int size, int inner, Span<float> values, Span<int> indices)
    {
        if (size == 0) throw new ArgumentException("Max and ArgMax need a non-empty dimension to reduce.");
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int best = RowKernels.ArgMax(x[(o * size * inner + i)..], size, inner);
                indices[o * inner + i] = best;
                values[o * inner + i] = x[(o * size + best) * inner + i];
            }
        }
    }

    /// <summary>Splits the shape around <paramref name="dim"/> into outer × size × inner and computes the result shape.</summary>
    private (int Outer, int Size, int Inner, int[] Shape) ReductionLayout(int dim, bool keepDim)
    {
        if (Rank == 0)
        {
            NormalizeDim(dim, 0, nameof(dim));
            return (1, 1, 1, []);
        }
        int d = NormalizeDim(dim, Rank, nameof(dim));
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= _shape[i];
        for (int i = d + 1; i < Rank; i++) inner *= _shape[i];
        int[] shape;
        if (keepDim)
        {
            shape = (int[])_shape.Clone();
            shape[d] = 1;
        }
        else
        {
            shape = new int[Rank - 1];
            for (int i = 0, j = 0; i < Rank; i++)
            {
                if (i != d) shape[j++] = _shape[i];
            }
        }
        return (outer, _shape[d], inner, shape);
    }
}
