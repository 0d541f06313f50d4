using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Tensors;

public partial class Tensor
{
    /// <summary>Element-wise sum with broadcasting (PyTorch's <c>a + b</c>).</summary>
    /// <param name="other">The other operand; its shape must broadcast with this one's.</param>
    /// <exception cref="ArgumentException">The shapes cannot be broadcast; the message names both.</exception>
    public Tensor Add(Tensor other) => Binary(BinaryOp.Add, this, other, "Add");

    /// <summary>Element-wise difference with broadcasting (PyTorch's <c>a - b</c>).</summary>
    /// <param name="other">The other operand.</param>
    public Tensor Sub(Tensor other) => Binary(BinaryOp.Sub, this, other, "Sub");

    /// <summary>Element-wise product with broadcasting (PyTorch's <c>a * b</c>).</summary>
    /// <param name="other">The other operand.</param>
    public Tensor Mul(Tensor other) => Binary(BinaryOp.Mul, this, other, "Mul");

    /// <summary>Element-wise quotient with broadcasting (PyTorch's <c>a / b</c>).</summary>
    /// <param name="other">The other operand.</param>
    public Tensor Div(Tensor other) => Binary(BinaryOp.Div, this, other, "Div");

    /// <summary>Adds <paramref name="value"/> to every element.</summary>
    /// <param name="value">The scalar.</param>
    public Tensor Add(float value) => Unary(UnaryOp.AddScalar, value);

    /// <summary>Subtracts <paramref name="value"/> from every element.</summary>
    /// <param name="value">The scalar.</param>
    public Tensor Sub(float value) => Unary(UnaryOp.SubScalar, value);

    /// <summary>Multiplies every element by <paramref name="value"/>.</summary>
    /// <param name="value">The scalar.</param>
    public Tensor Mul(float value) => Unary(UnaryOp.MulScalar, value);

    /// <summary>Divides every element by <paramref name="value"/>.</summary>
    /// <param name="value">The scalar.</param>
    public Tensor Div(float value) => Unary(UnaryOp.DivScalar, value);

    /// <summary>Element-wise negation.</summary>
    public Tensor Neg() => Unary(UnaryOp.Neg, 0);

    /// <summary>Element-wise e^x.</summary>
    public Tensor Exp() => Unary(UnaryOp.Exp, 0);

    /// <summary>Element-wise natural logarithm.</summary>
    public Tensor Log() => Unary(UnaryOp.Log, 0);

    /// <summary>Element-wise square root.</summary>
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt, 0);

    /// <summary>Element-wise max(x, 0) (PyTorch's <c>relu</c>).</summary>
    public Tensor Relu() => Unary(UnaryOp.Relu, 0);

    /// <summary>Element-wise logistic sigmoid 1 / (1 + e^−x).</summary>
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid, 0);

    /// <summary>Element-wise hyperbolic tangent.</summary>
    public Tensor Tanh() => Unary(UnaryOp.Tanh, 0);

    /// <summary>Element-wise x^<paramref name="exponent"/> (PyTorch's <c>x ** p</c>).</summary>
    /// <param name="exponent">The exponent.</param>
    public Tensor Pow(float exponent) => Unary(UnaryOp.Pow, exponent);

    /// <summary>Element-wise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => NotNull(a).Add(b);

    /// <summary>Element-wise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => NotNull(a).Sub(b);

    /// <summary>Element-wise product with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => NotNull(a).Mul(b);

    /// <summary>Element-wise quotient with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => NotNull(a).Div(b);

    /// <summary>Adds a scalar to every element.</summary>
    public static Tensor operator +(Tensor a, float b) => NotNull(a).Add(b);

    /// <summary>Adds a scalar to every element.</summary>
    public static Tensor operator +(float a, Tensor b) => NotNull(b).Add(a);

    /// <summary>Subtracts a scalar from every element.</summary>
    public static Tensor operator -(Tensor a, float b) => NotNull(a).Sub(b);

    /// <summary>Subtracts every element from a scalar.</summary>
    public static Tensor operator -(float a, Tensor b) => NotNull(b).Unary(UnaryOp.RSubScalar, a);

    /// <summary>Multiplies every element by a scalar.</summary>
    public static Tensor operator *(Tensor a, float b) => NotNull(a).Mul(b);

    /// <summary>Multiplies every element by a scalar.</summary>
    public static Tensor operator *(float a, Tensor b) => NotNull(b).Mul(a);

    /// <summary>Divides every element by a scalar.</summary>
    public static Tensor operator /(Tensor a, float b) => NotNull(a).Div(b);

    /// <summary>Divides a scalar by every element.</summary>
    public static Tensor operator /(float a, Tensor b) => NotNull(b).Unary(UnaryOp.RDivScalar, a);

    /// <summary>Element-wise negation.</summary>
    public static Tensor operator -(Tensor a) => NotNull(a).Neg();

    private static Tensor NotNull(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return t;
    }

    private static Tensor Binary(BinaryOp op, Tensor a, Tensor b, string name)
    {
        ArgumentNullException.ThrowIfNull(b);
        int[] shape = a.SameShape(b) ? a._shape : Broadcasting.ResultShape(a._shape, b._shape, name);
        var la = Broadcasting.Classify(a._shape, a._length, shape, out var mapA);
        var lb = Broadcasting.Classify(b._shape, b._length, shape, out var mapB);
        var result = Empty(shape);
        int n = shape.Length == 0 ? 1 : shape[^1];
        int rows = n == 0 ? 0 : result._length / n;
        // Unusual broadcasts are expanded once; the common ones (same shape, scalar, bias row, keepDim column) are not.
        ReadOnlySpan<float> av = mapA is null ? a.Values : Broadcasting.Expand(a.Values, mapA);
        ReadOnlySpan<float> bv = mapB is null ? b.Values : Broadcasting.Expand(b.Values, mapB);
        Broadcasting.Compute(op,
            av, la == BroadcastLayout.Mapped ? BroadcastLayout.Full : la,
            bv, lb == BroadcastLayout.Mapped ? BroadcastLayout.Full : lb,
            result.AsSpan(), rows, n);
        if (Autograd.ShouldRecord(a, b))
        {
            Autograd.Record(result, new BinaryNode(op, result, a, la, mapA, b, lb, mapB, rows, n));
        }
        return result;
    }

    private Tensor Unary(UnaryOp op, float scalar)
    {
        var result = Empty(_shape);
        UnaryKernels.Forward(op, scalar, Values, result.AsSpan());
        if (Autograd.ShouldRecord(this))
        {
            Autograd.Record(result, new UnaryNode(op, scalar, this, result));
        }
        return result;
    }
}
