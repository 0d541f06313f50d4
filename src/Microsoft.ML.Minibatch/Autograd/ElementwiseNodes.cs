using System.Buffers;
using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>Backward of a broadcasting binary operation: gradients are summed over the broadcast dimensions.</summary>
internal sealed class BinaryNode : AutogradNode
{
    private readonly BinaryOp _op;
    private readonly Tensor _a;
    private readonly Tensor _b;
    private readonly BroadcastLayout _layoutA;
    private readonly BroadcastLayout _layoutB;
    private readonly int[]? _mapA;
    private readonly int[]? _mapB;
    private readonly int _rows;
    private readonly int _n;

    public BinaryNode(BinaryOp op, Tensor output, Tensor a, BroadcastLayout layoutA, int[]? mapA,
        Tensor b, BroadcastLayout layoutB, int[]? mapB, int rows, int n)
        : base(output, a, b)
    {
        _op = op;
        _a = a;
        _b = b;
        _layoutA = layoutA;
        _layoutB = layoutB;
        _mapA = mapA;
        _mapB = mapB;
        _rows = rows;
        _n = n;
    }

    public override string Name => _op switch
    {
        BinaryOp.Add => "AddBackward",
        BinaryOp.Sub => "SubBackward",
        BinaryOp.Mul => "MulBackward",
        _ => "DivBackward",
    };

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var ga = GradOf(_a);
        var gb = GradOf(_b);
        if (ga.IsEmpty && gb.IsEmpty) return;
        float[] rented = ArrayPool<float>.Shared.Rent(Math.Max(g.Length, 1));
        var temp = rented.AsSpan(0, g.Length);
        try
        {
            if (!ga.IsEmpty)
            {
                switch (_op)
                {
                    case BinaryOp.Add:
                    case BinaryOp.Sub:
                        Broadcasting.AccumulateReduced(g, _layoutA, _mapA, ga, _rows, _n);
                        break;
                    case BinaryOp.Mul:
                        Combine(BinaryOp.Mul, g, _b, _layoutB, _mapB, temp);
                        Broadcasting.AccumulateReduced(temp, _layoutA, _mapA, ga, _rows, _n);
                        break;
                    default:
                        Combine(BinaryOp.Div, g, _b, _layoutB, _mapB, temp);
                        Broadcasting.AccumulateReduced(temp, _layoutA, _mapA, ga, _rows, _n);
                        break;
                }
            }
            if (!gb.IsEmpty)
            {
                switch (_op)
                {
                    case BinaryOp.Add:
                        Broadcasting.AccumulateReduced(g, _layoutB, _mapB, gb, _rows, _n);
                        break;
                    case BinaryOp.Sub:
                        TensorPrimitives.Negate(g, temp);
                        Broadcasting.AccumulateReduced(temp, _layoutB, _mapB, gb, _rows, _n);
                        break;
                    case BinaryOp.Mul:
                        Combine(BinaryOp.Mul, g, _a, _layoutA, _mapA, temp);
                        Broadcasting.AccumulateReduced(temp, _layoutB, _mapB, gb, _rows, _n);
                        break;
                    default:
                        // d(a/b)/db = −a/b² = −(a/b)/b: reuse the output instead of recomputing a/b.
                        TensorPrimitives.Multiply(g, Output.Values, temp);
                        Combine(BinaryOp.Div, temp, _b, _layoutB, _mapB, temp);
                        TensorPrimitives.Negate(temp, temp);
                        Broadcasting.AccumulateReduced(temp, _layoutB, _mapB, gb, _rows, _n);
                        break;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>dest = op(full, operand broadcast to the result shape).</summary>
    private void Combine(BinaryOp op, ReadOnlySpan<float> full, Tensor operand, BroadcastLayout layout, int[]? map, Span<float> dest)
    {
        ReadOnlySpan<float> values = map is null ? operand.Values : Broadcasting.Expand(operand.Values, map);
        Broadcasting.Compute(op, full, BroadcastLayout.Full, values,
            layout == BroadcastLayout.Mapped ? BroadcastLayout.Full : layout, dest, _rows, _n);
    }
}

/// <summary>Backward of an element-wise unary operation.</summary>
internal sealed class UnaryNode : AutogradNode
{
    private readonly UnaryOp _op;
    private readonly float _scalar;
    private readonly Tensor _input;

    public UnaryNode(UnaryOp op, float scalar, Tensor input, Tensor output) : base(output, input)
    {
        _op = op;
        _scalar = scalar;
        _input = input;
    }

    public override string Name => UnaryKernels.Name(_op);

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (!dx.IsEmpty) UnaryKernels.Backward(_op, _scalar, _input.Values, Output.Values, g, dx);
    }
}

/// <summary>Backward of <see cref="Tensor.Clone"/>: the gradient passes through unchanged.</summary>
internal sealed class CloneNode : AutogradNode
{
    private readonly Tensor _input;

    public CloneNode(Tensor input, Tensor output) : base(output, input) => _input = input;

    public override string Name => "CloneBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (!dx.IsEmpty) TensorPrimitives.Add(dx, g, dx);
    }
}

/// <summary>
/// Backward of a view that keeps the element order (reshape, squeeze, unsqueeze, flatten):
/// the gradient is the output gradient with the input's shape.
/// </summary>
internal sealed class ViewNode : AutogradNode
{
    private readonly Tensor _input;

    public ViewNode(Tensor input, Tensor output) : base(output, input) => _input = input;

    public override string Name => "ViewBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (!dx.IsEmpty) TensorPrimitives.Add(dx, g, dx);
    }
}
