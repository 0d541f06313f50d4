using System.Buffers;
using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>Backward of the fused linear layer y = x·Wᵀ + b: three GEMM-shaped updates, no transposed copies.</summary>
internal sealed class LinearNode : AutogradNode
{
    private readonly Tensor _input;
    private readonly Tensor _weight;
    private readonly Tensor? _bias;
    private readonly int _rows;

    public LinearNode(Tensor input, Tensor weight, Tensor? bias, Tensor output, int rows) : base(output, input, weight, bias)
    {
        _input = input;
        _weight = weight;
        _bias = bias;
        _rows = rows;
    }

    // PyTorch records a 2-D linear with bias as addmm and without bias as mm.
    public override string Name => _bias is null ? "MmBackward" : "AddmmBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        int outFeatures = _weight.Size(0), inFeatures = _weight.Size(1);
        var dx = GradOf(_input);
        // dx [m×in] += g [m×out] · W [out×in]
        if (!dx.IsEmpty) Gemm.Multiply(g, false, _weight.Values, false, dx, _rows, inFeatures, outFeatures, accumulate: true);
        var dw = GradOf(_weight);
        // dW [out×in] += gᵀ [out×m] · x [m×in]
        if (!dw.IsEmpty) Gemm.Multiply(g, true, _input.Values, false, dw, outFeatures, inFeatures, _rows, accumulate: true);
        var db = GradOf(_bias);
        if (!db.IsEmpty)
        {
            for (int i = 0; i < _rows; i++) TensorPrimitives.Add(db, g.Slice(i * outFeatures, outFeatures), db);
        }
    }
}

/// <summary>Backward of log-softmax over the last dimension: dx = g − softmax · Σg, with softmax = exp(y).</summary>
internal sealed class LogSoftmaxNode : AutogradNode
{
    private readonly Tensor _input;
    private readonly int _n;

    public LogSoftmaxNode(Tensor input, Tensor output, int n) : base(output, input)
    {
        _input = input;
        _n = n;
    }

    public override string Name => "LogSoftmaxBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (dx.IsEmpty || _n == 0) return;
        var y = Output.Values;
        var rented = ArrayPool<float>.Shared.Rent(_n);
        var scratch = rented.AsSpan(0, _n);
        for (int r = 0; r < y.Length / _n; r++)
        {
            var gRow = g.Slice(r * _n, _n);
            float sum = TensorPrimitives.Sum(gRow);
            TensorPrimitives.Exp(y.Slice(r * _n, _n), scratch);
            // scratch = g − softmax·Σg, then added into dx.
            TensorPrimitives.MultiplyAdd(scratch, -sum, gRow, scratch);
            var target = dx.Slice(r * _n, _n);
            TensorPrimitives.Add(target, scratch, target);
        }
        ArrayPool<float>.Shared.Return(rented);
    }
}

/// <summary>Backward of softmax over the last dimension: dx = y ⊙ (g − Σ g⊙y).</summary>
internal sealed class SoftmaxNode : AutogradNode
{
    private readonly Tensor _input;
    private readonly int _n;

    public SoftmaxNode(Tensor input, Tensor output, int n) : base(output, input)
    {
        _input = input;
        _n = n;
    }

    public override string Name => "SoftmaxBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (dx.IsEmpty || _n == 0) return;
        var y = Output.Values;
        var rented = ArrayPool<float>.Shared.Rent(_n);
        var scratch = rented.AsSpan(0, _n);
        for (int r = 0; r < y.Length / _n; r++)
        {
            var gRow = g.Slice(r * _n, _n);
            var yRow = y.Slice(r * _n, _n);
            float dot = TensorPrimitives.Dot(gRow, yRow);
            TensorPrimitives.Subtract(gRow, dot, scratch);
            var target = dx.Slice(r * _n, _n);
            TensorPrimitives.MultiplyAdd(scratch, yRow, target, target);
        }
        ArrayPool<float>.Shared.Return(rented);
    }
}

/// <summary>Backward of the negative log-likelihood: −g (scaled by the reduction) at each row's target column.</summary>
internal sealed class NllNode : AutogradNode
{
    private readonly Tensor _input;
    private readonly int[] _target;
    private readonly int _reduction; // 0 none, 1 mean, 2 sum

    public NllNode(Tensor input, Tensor output, int[] target, int reduction) : base(output, input)
    {
        _input = input;
        _target = target;
        _reduction = reduction;
    }

    public override string Name => "NllLossBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (dx.IsEmpty) return;
        int cols = _input.Size(1);
        for (int i = 0; i < _target.Length; i++)
        {
            float gi = _reduction switch { 0 => g[i], 1 => g[0] / _target.Length, _ => g[0] };
            dx[i * cols + _target[i]] -= gi;
        }
    }
}

/// <summary>
/// Backward of the fused cross-entropy (log-softmax + NLL in one node): dx = (softmax − onehot(target)) · gᵢ,
/// with the softmax saved by the forward pass.
/// </summary>
internal sealed class CrossEntropyNode : AutogradNode
{
    private readonly Tensor _input;
    private readonly float[] _softmax;
    // The labels by reference, as PyTorch saves them, like the input batch LinearNode keeps: a copy would be one
    // allocation per training step. They must not change before the backward pass.
    private readonly IntTensor _target;
    private readonly int _reduction; // 0 none, 1 mean, 2 sum

    public CrossEntropyNode(Tensor input, Tensor output, float[] softmax, IntTensor target, int reduction) : base(output, input)
    {
        _input = input;
        _softmax = softmax;
        _target = target;
        _reduction = reduction;
    }

    public override string Name => "CrossEntropyBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (dx.IsEmpty) return;
        int cols = _input.Size(1);
        var labels = _target.AsSpan();
        int rows = labels.Length;
        var p = _softmax.AsSpan();
        for (int i = 0; i < rows; i++)
        {
            // Mean divides by the batch size, as PyTorch's cross_entropy does without class weights.
            float gi = _reduction switch { 0 => g[i], 1 => g[0] / rows, _ => g[0] };
            var target = dx.Slice(i * cols, cols);
            TensorPrimitives.MultiplyAdd(p.Slice(i * cols, cols), gi, target, target);
            target[labels[i]] -= gi;
        }
    }
}
