using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>Backward of <see cref="Tensor.Pick"/>: each row's gradient lands on its picked column.</summary>
internal sealed class PickNode : AutogradNode
{
    private readonly Tensor _input;
    private readonly int[] _columns;

    public PickNode(Tensor input, Tensor output, int[] columns) : base(output, input)
    {
        _input = input;
        _columns = columns;
    }

    public override string Name => "IndexBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (dx.IsEmpty) return;
        int cols = _input.Size(1);
        for (int i = 0; i < _columns.Length; i++) dx[i * cols + _columns[i]] += g[i];
    }
}

/// <summary>Backward of <see cref="Tensor.IndexSelect"/>: gradients are added back to the selected rows (repeats add up).</summary>
internal sealed class IndexSelectNode : AutogradNode
{
    private readonly Tensor _input;
    private readonly int[] _indices;
    private readonly int _rowSize;

    public IndexSelectNode(Tensor input, Tensor output, int[] indices, int rowSize) : base(output, input)
    {
        _input = input;
        _indices = indices;
        _rowSize = rowSize;
    }

    public override string Name => "IndexSelectBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (dx.IsEmpty) return;
        for (int i = 0; i < _indices.Length; i++)
        {
            var target = dx.Slice(_indices[i] * _rowSize, _rowSize);
            TensorPrimitives.Add(target, g.Slice(i * _rowSize, _rowSize), target);
        }
    }
}

/// <summary>Backward of <see cref="Tensor.MatMul(Tensor, Tensor, bool, bool)"/>, with transposed-operand GEMMs instead of copies.</summary>
internal sealed class MatMulNode : AutogradNode
{
    private readonly Tensor _a;
    private readonly Tensor _b;
    private readonly bool _transposeA;
    private readonly bool _transposeB;
    private readonly int _m;
    private readonly int _n;
    private readonly int _k;

    public MatMulNode(Tensor a, Tensor b, bool transposeA, bool transposeB, Tensor output, int m, int n, int k)
        : base(output, a, b)
    {
        _a = a;
        _b = b;
        _transposeA = transposeA;
        _transposeB = transposeB;
        _m = m;
        _n = n;
        _k = k;
    }

    public override string Name => "MmBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        // C = op(A)·op(B), g = dL/dC [m×n].
        var da = GradOf(_a);
        if (!da.IsEmpty)
        {
            // d op(A) = g·op(B)ᵀ; when A is stored transposed, dA = (g·op(B)ᵀ)ᵀ = op(B)·gᵀ.
            if (!_transposeA) Gemm.Multiply(g, false, _b.Values, !_transposeB, da, _m, _k, _n, accumulate: true);
            else Gemm.Multiply(_b.Values, _transposeB, g, true, da, _k, _m, _n, accumulate: true);
        }
        var db = GradOf(_b);
        if (!db.IsEmpty)
        {
            // d op(B) = op(A)ᵀ·g; when B is stored transposed, dB = gᵀ·op(A).
            if (!_transposeB) Gemm.Multiply(_a.Values, !_transposeA, g, false, db, _k, _n, _m, accumulate: true);
            else Gemm.Multiply(g, true, _a.Values, _transposeA, db, _n, _k, _m, accumulate: true);
        }
    }
}
