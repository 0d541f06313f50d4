using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Tensors;

public partial class Tensor
{
    /// <summary>
    /// A view with another shape over the same storage (PyTorch's <c>reshape</c>/<c>view</c>); one dimension may be −1
    /// and is then inferred. Gradients flow back to this tensor.
    /// </summary>
    /// <param name="shape">The new dimension sizes; their product must equal <see cref="ElementCount"/>.</param>
    /// <exception cref="ArgumentException">The new shape holds a different number of elements.</exception>
    public Tensor Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var owned = (int[])shape.Clone();
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < owned.Length; i++)
        {
            if (owned[i] == -1)
            {
                if (inferred >= 0) throw new ArgumentException($"Shape {FormatShape(owned)} has more than one −1.", nameof(shape));
                inferred = i;
            }
            else if (owned[i] < 0)
            {
                throw new ArgumentException($"Shape {FormatShape(owned)} has a negative dimension.", nameof(shape));
            }
            else
            {
                known *= owned[i];
            }
        }
        if (inferred >= 0 && known != 0 && _length % known == 0) owned[inferred] = (int)(_length / known);
        if (inferred >= 0 && owned[inferred] == -1 || CheckedElementCount(owned) != _length)
        {
            throw new ArgumentException(
                $"Shapes {FormatShape(_shape)} and {FormatShape(shape)} do not match for Reshape (different element counts).", nameof(shape));
        }
        return View(owned);
    }

    /// <summary>A view with all dimensions from <paramref name="startDim"/> on merged into one (PyTorch's <c>flatten</c>).</summary>
    /// <param name="startDim">The first dimension to merge.</param>
    public Tensor Flatten(int startDim = 0)
    {
        if (Rank == 0) return Reshape(1);
        int start = NormalizeDim(startDim, Rank, nameof(startDim));
        var shape = new int[start + 1];
        for (int i = 0; i < start; i++) shape[i] = _shape[i];
        int merged = 1;
        for (int i = start; i < Rank; i++) merged *= _shape[i];
        shape[start] = merged;
        return View(shape);
    }

    /// <summary>A view with a dimension of size 1 inserted at <paramref name="dim"/>.</summary>
    /// <param name="dim">Where the new dimension goes, in [−Rank − 1, Rank].</param>
    public Tensor Unsqueeze(int dim)
    {
        int d = NormalizeDim(dim, Rank + 1, nameof(dim));
        var shape = new int[Rank + 1];
        for (int i = 0, j = 0; i < shape.Length; i++) shape[i] = i == d ? 1 : _shape[j++];
        return View(shape);
    }

    /// <summary>A view without dimension <paramref name="dim"/>, which must have size 1 (otherwise this tensor's shape is kept, as in PyTorch).</summary>
    /// <param name="dim">The dimension to remove.</param>
    public Tensor Squeeze(int dim)
    {
        if (Rank == 0) return View([]);
        int d = NormalizeDim(dim, Rank, nameof(dim));
        if (_shape[d] != 1) return View(_shape);
        var shape = new int[Rank - 1];
        for (int i = 0, j = 0; i < Rank; i++)
        {
            if (i != d) shape[j++] = _shape[i];
        }
        return View(shape);
    }

    /// <summary>
    /// A view of <paramref name="length"/> consecutive entries of the first dimension starting at <paramref name="start"/>
    /// (PyTorch's <c>x[start:start+length]</c>), sharing storage. Gradients flow back to this tensor.
    /// </summary>
    /// <param name="start">The first row.</param>
    /// <param name="length">The number of rows.</param>
    public Tensor Slice(int start, int length)
    {
        if (Rank == 0) throw new InvalidOperationException("Slice needs a tensor with at least one dimension.");
        if (start < 0 || start > _shape[0]) throw new ArgumentOutOfRangeException(nameof(start), start, $"Slice start must lie in [0, {_shape[0]}].");
        if (length < 0 || start + length > _shape[0])
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"Slice [{start}, {start}+{length}) exceeds the {_shape[0]} rows of shape {ShapeString}.");
        }
        var shape = (int[])_shape.Clone();
        shape[0] = length;
        int rowSize = _shape[0] == 0 ? 0 : _length / _shape[0];
        var result = new Tensor(_data, _offset + start * rowSize, shape);
        if (Autograd.ShouldRecord(this)) Autograd.Record(result, new SliceNode(this, result, start * rowSize));
        return result;
    }

    /// <summary>The transpose of a 2-dimensional tensor, as a new contiguous tensor (PyTorch's <c>t()</c>).</summary>
    /// <remarks>Matrix products take transposed operands without copying; see <see cref="MatMul(Tensor, Tensor, bool, bool)"/>.</remarks>
    public Tensor T()
    {
        if (Rank != 2) throw new InvalidOperationException($"T() needs a 2-dimensional tensor, but the shape is {ShapeString}.");
        int rows = _shape[0], cols = _shape[1];
        var result = Empty([cols, rows]);
        Transpose2D(Values, result.AsSpan(), rows, cols);
        if (Autograd.ShouldRecord(this)) Autograd.Record(result, new TransposeNode(this, result));
        return result;
    }

    /// <summary>dest[j, i] = src[i, j] for a rows×cols source.</summary>
    internal static void Transpose2D(ReadOnlySpan<float> src, Span<float> dest, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
        {
            var row = src.Slice(i * cols, cols);
            for (int j = 0; j < cols; j++) dest[j * rows + i] = row[j];
        }
    }

    private Tensor View(int[] shape)
    {
        var result = new Tensor(_data, _offset, shape);
        if (Autograd.ShouldRecord(this)) Autograd.Record(result, new ViewNode(this, result));
        return result;
    }
}

/// <summary>Backward of <see cref="Tensor.Slice"/>: the gradient lands on the sliced rows.</summary>
internal sealed class SliceNode : AutogradNode
{
    private readonly Tensor _input;
    private readonly int _start;

    public SliceNode(Tensor input, Tensor output, int start) : base(output, input)
    {
        _input = input;
        _start = start;
    }

    public override string Name => "SliceBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (dx.IsEmpty) return;
        var target = dx.Slice(_start, g.Length);
        TensorPrimitives.Add(target, g, target);
    }
}

/// <summary>Backward of <see cref="Tensor.T"/>.</summary>
internal sealed class TransposeNode : AutogradNode
{
    private readonly Tensor _input;

    public TransposeNode(Tensor input, Tensor output) : base(output, input) => _input = input;

    public override string Name => "TBackward";

    internal override void Backward(ReadOnlySpan<float> g)
    {
        var dx = GradOf(_input);
        if (dx.IsEmpty) return;
        int rows = _input.Size(0), cols = _input.Size(1);
        // g is cols×rows; dx[i, j] += g[j, i].
        for (int j = 0; j < cols; j++)
        {
            var row = g.Slice(j * rows, rows);
            for (int i = 0; i < rows; i++) dx[i * cols + j] += row[i];
        }
    }
}
