using System.Buffers;
using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>Backward of a sum or mean over all elements: every input element receives g · scale.</summary>
internal sealed class FullReductionNode : AutogradNode
{
    private readonly Tensor _input;
    private readonly float _scale;
    private readonly string _name;

    public FullReductionNode(Tensor input, Tensor output, float scale, string name) : base(output, input)
    {
        _input = input;
        _scale = scale;
        _name = name;
    }

    public override string Name => _name;

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (!dx.IsEmpty) TensorPrimitives.Add(dx, g[0] * _scale, dx);
    }
}

/// <summary>Backward of a sum or mean along one dimension: the gradient is broadcast back over that dimension.</summary>
internal sealed class AlongReductionNode : AutogradNode
{
    private readonly Tensor _input;
    private readonly int _size;
    private readonly int _inner;
    private readonly float _scale;
    private readonly string _name;

    public AlongReductionNode(Tensor input, Tensor output, int size, int inner, float scale, string name) : base(output, input)
    {
        _input = input;
        _size = size;
        _inner = inner;
        _scale = scale;
        _name = name;
    }

    public override string Name => _name;

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (dx.IsEmpty) return;
        int outer = _size == 0 || _inner == 0 ? 0 : dx.Length / (_size * _inner);
        for (int o = 0; o < outer; o++)
        {
            if (_inner == 1)
            {
                var row = dx.Slice(o * _size, _size);
                TensorPrimitives.Add(row, g[o] * _scale, row);
                continue;
            }
            var gRow = g.Slice(o * _inner, _inner);
            for (int s = 0; s < _size; s++)
            {
                var target = dx.Slice((o * _size + s) * _inner, _inner);
                TensorPrimitives.MultiplyAdd(gRow, _scale, target, target);
            }
        }
    }
}

/// <summary>Backward of <see cref="Tensor.Max(int, bool)"/>: each gradient goes to the element that was the maximum.</summary>
internal sealed class MaxNode : AutogradNode
{
    private readonly Tensor _input;
    private readonly int[] _indices;
    private readonly int _size;
    private readonly int _inner;

    public MaxNode(Tensor input, Tensor output, int[] indices, int size, int inner) : base(output, input)
    {
        _input = input;
        _indices = indices;
        _size = size;
        _inner = inner;
    }

    public override string Name => "MaxBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (dx.IsEmpty) return;
        for (int j = 0; j < _indices.Length; j++)
        {
            int o = j / _inner, i = j % _inner;
            dx[(o * _size + _indices[j]) * _inner + i] += g[j];
        }
    }
}

/// <summary>Backward of <see cref="Tensor.LogSumExp"/>: d lse / dx = softmax(x) = exp(x − lse).</summary>
internal sealed class LogSumExpNode : AutogradNode
{
    private readonly Tensor _input;
    private readonly int _size;
    private readonly int _inner;

    public LogSumExpNode(Tensor input, Tensor output, int size, int inner) : base(output, input)
    {
        _input = input;
        _size = size;
        _inner = inner;
    }

    public override string Name => "LogsumexpBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (dx.IsEmpty) return;
        var x = _input.Values;
        var y = Output.Values;
        if (_inner == 1)
        {
            var rented = ArrayPool<float>.Shared.Rent(_size);
            var scratch = rented.AsSpan(0, _size);
            for (int o = 0; o < y.Length; o++)
            {
                TensorPrimitives.Subtract(x.Slice(o * _size, _size), y[o], scratch);
                TensorPrimitives.Exp(scratch, scratch);
                var target = dx.Slice(o * _size, _size);
                TensorPrimitives.MultiplyAdd(scratch, g[o], target, target);
            }
            ArrayPool<float>.Shared.Return(rented);
            return;
        }
        for (int j = 0; j < y.Length; j++)
        {
            int o = j / _inner, i = j % _inner;
            for (int s = 0; s < _size; s++)
            {
                int index = (o * _size + s) * _inner + i;
                dx[index] += g[j] * MathF.Exp(x[index] - y[j]);
            }
        }
    }
}
