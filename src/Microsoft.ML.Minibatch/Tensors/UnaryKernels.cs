using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>The element-wise unary operations and their derivatives.</summary>
internal enum UnaryOp
{
    AddScalar,
    SubScalar,
    MulScalar,
    DivScalar,
    RSubScalar,
    RDivScalar,
    Neg,
    Exp,
    Log,
    Sqrt,
    Relu,
    Sigmoid,
    Tanh,
    Pow,
}

/// <summary>Vectorised forward and backward kernels of <see cref="UnaryOp"/>.</summary>
internal static class UnaryKernels
{
    public static void Forward(UnaryOp op, float s, ReadOnlySpan<float> x, Span<float> y)
    {
        switch (op)
        {
            case UnaryOp.AddScalar: TensorPrimitives.Add(x, s, y); break;
            case UnaryOp.SubScalar: TensorPrimitives.Subtract(x, s, y); break;
            case UnaryOp.MulScalar: TensorPrimitives.Multiply(x, s, y); break;
            case UnaryOp.DivScalar: TensorPrimitives.Divide(x, s, y); break;
            case UnaryOp.RSubScalar: TensorPrimitives.Subtract(s, x, y); break;
            case UnaryOp.RDivScalar: TensorPrimitives.Divide(s, x, y); break;
            case UnaryOp.Neg: TensorPrimitives.Negate(x, y); break;
            case UnaryOp.Exp: TensorPrimitives.Exp(x, y); break;
            case UnaryOp.Log: TensorPrimitives.Log(x, y); break;
            case UnaryOp.Sqrt: TensorPrimitives.Sqrt(x, y); break;
            case UnaryOp.Relu: TensorPrimitives.Max(x, 0f, y); break;
            case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case UnaryOp.Tanh: TensorPrimitives.Tanh(x, y); break;
            default: TensorPrimitives.Pow(x, s, y); break;
        }
    }

    /// <summary>dx += g · f'(x), using the saved input x and output y.</summary>
    public static void Backward(UnaryOp op, float s, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> dx)
    {
        switch (op)
        {
            case UnaryOp.AddScalar:
            case UnaryOp.SubScalar:
                TensorPrimitives.Add(dx, g, dx);
                return;
            case UnaryOp.MulScalar:
                TensorPrimitives.MultiplyAdd(g, s, dx, dx);
                return;
            case UnaryOp.Neg:
            case UnaryOp.RSubScalar:
                TensorPrimitives.Subtract(dx, g, dx);
                return;
            case UnaryOp.Relu:
                ReluBackward(y, g, dx);
                return;
        }
        var rented = ArrayPool<float>.Shared.Rent(dx.Length);
        var temp = rented.AsSpan(0, dx.Length);
        switch (op)
        {
            case UnaryOp.DivScalar:
                TensorPrimitives.Divide(g, s, temp);
                break;
            case UnaryOp.RDivScalar:
                // d(s/x)/dx = −s/x² = −y/x.
                TensorPrimitives.Divide(y, x, temp);
                TensorPrimitives.Multiply(temp, g, temp);
                TensorPrimitives.Negate(temp, temp);
                break;
            case UnaryOp.Exp:
                TensorPrimitives.Multiply(g, y, temp);
                break;
            case UnaryOp.Log:
                TensorPrimitives.Divide(g, x, temp);
                break;
            case UnaryOp.Sqrt:
                TensorPrimitives.Divide(g, y, temp);
                TensorPrimitives.Multiply(temp, 0.5f, temp);
                break;
            case UnaryOp.Sigmoid:
                // y(1 − y)
                TensorPrimitives.Subtract(1f, y, temp);
                TensorPrimitives.Multiply(temp, y, temp);
                TensorPrimitives.Multiply(temp, g, temp);
                break;
            case UnaryOp.Tanh:
                // 1 − y²
                TensorPrimitives.Multiply(y, y, temp);
                TensorPrimitives.Subtract(1f, temp, temp);
                TensorPrimitives.Multiply(temp, g, temp);
                break;
            default:
                // p · x^(p−1)
                TensorPrimitives.Pow(x, s - 1, temp);
                TensorPrimitives.Multiply(temp, s, temp);
                TensorPrimitives.Multiply(temp, g, temp);
                break;
        }
        TensorPrimitives.Add(dx, temp, dx);
        ArrayPool<float>.Shared.Return(rented);
    }

    /// <summary>dx += g where y > 0 (PyTorch's threshold_backward: the gradient passes where the output is positive).</summary>
    private static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            for (; i <= dx.Length - width; i += width)
            {
                var mask = Vector.GreaterThan(new Vector<float>(y.Slice(i, width)), Vector<float>.Zero);
                var add = Vector.ConditionalSelect(mask, new Vector<float>(g.Slice(i, width)), Vector<float>.Zero);
                (new Vector<float>(dx.Slice(i, width)) + add).CopyTo(dx.Slice(i, width));
            }
        }
        for (; i < dx.Length; i++)
        {
            if (y[i] > 0) dx[i] += g[i];
        }
    }

    public static string Name(UnaryOp op) => op switch
    {
        UnaryOp.AddScalar => "AddBackward",
        UnaryOp.SubScalar => "SubBackward",
        UnaryOp.MulScalar => "MulBackward",
        UnaryOp.DivScalar => "DivBackward",
        UnaryOp.RSubScalar => "RsubBackward",
        UnaryOp.RDivScalar => "DivBackward",
        UnaryOp.Neg => "NegBackward",
        UnaryOp.Exp => "ExpBackward",
        UnaryOp.Log => "LogBackward",
        UnaryOp.Sqrt => "SqrtBackward",
        UnaryOp.Relu => "ReluBackward",
        UnaryOp.Sigmoid => "SigmoidBackward",
        UnaryOp.Tanh => "TanhBackward",
        _ => "PowBackward",
    };
}
