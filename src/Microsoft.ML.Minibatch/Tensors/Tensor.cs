using System.Globalization;
using System.Text;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// A dense float32 tensor stored contiguously in row-major order, with optional reverse-mode autograd.
/// </summary>
/// <remarks>
/// Semantics follow PyTorch's <c>torch.Tensor</c> on the CPU; names follow .NET conventions.
/// Views (<see cref="Reshape"/>, <see cref="Detach"/>, <see cref="Slice"/>) share storage with their source,
/// like PyTorch's views. Operations allocate their result; the <c>…InPlace</c> methods and
/// <see cref="CopyFrom"/> write into an existing tensor (used by optimizers, under <see cref="Autograd.NoGrad"/>).
/// </remarks>
public partial class Tensor
{
    internal readonly float[] _data;
    internal readonly int _offset;
    internal readonly int _length;
    internal readonly int[] _shape;

    private bool _requiresGrad;
    internal AutogradNode? _gradFn;
    private Tensor? _grad;

    /// <summary>Gradient flowing into this (non-leaf) tensor while <see cref="Backward()"/> runs.</summary>
    internal float[]? _pendingGrad;

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor of the given shape.</summary>
    internal Tensor(float[] data, int offset, int[] shape)
    {
        _data = data;
        _offset = offset;
        _shape = shape;
        _length = CheckedElementCount(shape);
        if ((long)offset + _length > data.Length)
        {
            throw new ArgumentException(
                $"Storage of {data.Length} values cannot hold a tensor of shape {FormatShape(shape)} at offset {offset}.", nameof(data));
        }
    }

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor of the given shape.</summary>
    internal Tensor(float[] data, int[] shape) : this(data, 0, shape)
    {
    }

    /// <summary>Creates a tensor that shares the storage of <paramref name="source"/> (used by <c>Parameter</c>).</summary>
    /// <param name="source">The tensor whose storage and shape are shared.</param>
    protected Tensor(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _data = source._data;
        _offset = source._offset;
        _length = source._length;
        _shape = source._shape;
    }

    /// <summary>The sizes of the dimensions (empty for a 0-dimensional scalar).</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements (PyTorch's <c>numel()</c>).</summary>
    public int ElementCount => _length;

    /// <summary>The size of dimension <paramref name="dim"/>; negative values count from the end, as in PyTorch.</summary>
    /// <param name="dim">The dimension, in [-Rank, Rank).</param>
    public int Size(int dim) => _shape[NormalizeDim(dim, Rank, nameof(dim))];

    /// <summary>A copy of the shape.</summary>
    public int[] GetShape() => (int[])_shape.Clone();

    /// <summary>The elements, row-major. Writing through the span bypasses autograd.</summary>
    public Span<float> AsSpan() => new(_data, _offset, _length);

    /// <summary>The elements, read-only.</summary>
    internal ReadOnlySpan<float> Values => new(_data, _offset, _length);

    /// <summary>Copies the elements into a new array.</summary>
    public float[] ToArray() => Values.ToArray();

    /// <summary>The value of a one-element tensor (PyTorch's <c>item()</c>).</summary>
    /// <exception cref="InvalidOperationException">The tensor holds more than one element.</exception>
    public float Item()
    {
        if (_length != 1)
        {
            throw new InvalidOperationException(
                $"Item() needs a tensor with one element, but the shape is {FormatShape(_shape)}.");
        }
        return _data[_offset];
    }

    /// <summary>
    /// Whether operations on this tensor are recorded for <see cref="Backward()"/>.
    /// Only leaf tensors (those not produced by a recorded operation) can be changed.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (_gradFn is not null && !value)
            {
                throw new InvalidOperationException(
                    "RequiresGrad can only be changed on leaf tensors; use Detach() to obtain a tensor outside the graph.");
            }
            _requiresGrad = value;
        }
    }

    /// <summary>
    /// The gradient accumulated by <see cref="Backward()"/> into this leaf tensor, or null before the first backward pass.
    /// </summary>
    public Tensor? Grad
    {
        get => _grad;
        set
        {
            if (value is not null && !value._shape.AsSpan().SequenceEqual(_shape))
            {
                throw new ArgumentException(
                    $"Shapes {FormatShape(value._shape)} and {FormatShape(_shape)} do not match for Grad.", nameof(value));
            }
            _grad = value;
        }
    }

    /// <summary>The operation that produced this tensor (PyTorch's <c>grad_fn</c>), or null for a leaf.</summary>
    public AutogradNode? GradFn => _gradFn;

    /// <summary>Whether this tensor is a leaf of the graph (created by the user, not by a recorded operation).</summary>
    public bool IsLeaf => _gradFn is null;

    /// <summary>
    /// Computes the gradient of this one-element tensor with respect to every leaf that requires grad,
    /// adding it to each leaf's <see cref="Grad"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element, or does not require grad.</exception>
    public void Backward() => Autograd.RunBackward(this, null);

    /// <summary>Backpropagates <paramref name="gradient"/> (the gradient of some scalar with respect to this tensor).</summary>
    /// <param name="gradient">A tensor of this tensor's shape.</param>
    public void Backward(Tensor gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        Autograd.RunBackward(this, gradient);
    }

    /// <summary>A tensor sharing this one's storage, outside the autograd graph (PyTorch's <c>detach()</c>).</summary>
    public Tensor Detach() => new(_data, _offset, _shape);

    /// <summary>A copy of this tensor with its own storage; gradients flow back to this tensor.</summary>
    public Tensor Clone()
    {
        var result = Empty(_shape);
        Values.CopyTo(result.AsSpan());
        if (Autograd.ShouldRecord(this))
        {
            Autograd.Record(result, new CloneNode(this, result));
        }
        return result;
    }

    /// <summary>
    /// A tensor for an operation's result: from the active <see cref="TensorArena"/> if any, else newly allocated.
    /// Callers that do not overwrite every element ask for <paramref name="zeroed"/> storage.
    /// </summary>
    internal static Tensor Empty(int[] shape, bool zeroed = false)
    {
        int length = CheckedElementCount(shape);
        var arena = TensorArena.Current;
        return new Tensor(arena is null ? new float[length] : arena.Rent(length, zeroed), 0, shape);
    }

    /// <summary>A scratch or saved buffer for an operation, from the active arena if any.</summary>
    internal static float[] NewBuffer(int length, bool zeroed = false)
    {
        var arena = TensorArena.Current;
        return arena is null ? new float[length] : arena.Rent(length, zeroed);
    }

    /// <summary>Formats a shape the way error messages show it, e.g. <c>[64, 784]</c>.</summary>
    internal static string FormatShape(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }
        return sb.Append(']').ToString();
    }

    /// <summary>The shape formatted as in error messages, e.g. <c>[64, 784]</c>.</summary>
    public string ShapeString => FormatShape(_shape);

    /// <summary>Maps a possibly negative dimension into [0, rank).</summary>
    internal static int NormalizeDim(int dim, int rank, string paramName)
    {
        int effectiveRank = Math.Max(rank, 1);
        if (dim < -effectiveRank || dim >= effectiveRank)
        {
            throw new ArgumentOutOfRangeException(paramName, dim,
                $"Dimension {dim} is out of range for a tensor of rank {rank} (expected a value in [{-effectiveRank}, {effectiveRank - 1}]).");
        }
        return dim < 0 ? dim + effectiveRank : dim;
    }

    internal static int CheckedElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0)
            {
                throw new ArgumentException($"Shape {FormatShape(shape)} has a negative dimension.", nameof(shape));
            }
            count *= shape[i];
            if (count > Array.MaxLength)
            {
                throw new ArgumentException($"Shape {FormatShape(shape)} holds more elements than an array can.", nameof(shape));
            }
        }
        return (int)count;
    }

    internal bool SameShape(Tensor other) => _shape.AsSpan().SequenceEqual(other._shape);

    /// <summary>
    /// A short description in PyTorch's style: the values (abbreviated beyond 8 elements), the shape,
    /// and <c>grad_fn</c> or <c>requires_grad</c> when set.
    /// </summary>
    public override string ToString()
    {
        var sb = new StringBuilder("tensor(");
        var values = Values;
        if (Rank == 0)
        {
            sb.Append(values[0].ToString("G6", CultureInfo.InvariantCulture));
        }
        else
        {
            sb.Append('[');
            int shown = Math.Min(values.Length, 8);
            for (int i = 0; i < shown; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(values[i].ToString("G6", CultureInfo.InvariantCulture));
            }
            if (shown < values.Length) sb.Append(", …");
            sb.Append("], shape=").Append(FormatShape(_shape));
        }
        if (_gradFn is not null) sb.Append(", grad_fn=<").Append(_gradFn.Name).Append('>');
        else if (_requiresGrad) sb.Append(", requires_grad=True");
        return sb.Append(')').ToString();
    }
}
