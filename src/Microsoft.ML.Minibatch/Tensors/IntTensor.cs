namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// A dense int32 tensor for class targets and indices (the role of PyTorch's <c>LongTensor</c> in the seeds).
/// It takes no part in autograd.
/// </summary>
public sealed class IntTensor
{
    private readonly int[] _data;
    private readonly int[] _shape;

    /// <summary>Wraps <paramref name="values"/> (not copied) as a 1-dimensional tensor.</summary>
    /// <param name="values">The elements; later writes to the array are visible through the tensor.</param>
    public IntTensor(int[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _data = values;
        _shape = [values.Length];
    }

    /// <summary>Wraps <paramref name="values"/> (not copied) with the given shape.</summary>
    /// <param name="values">The elements in row-major order.</param>
    /// <param name="shape">The dimension sizes; their product must equal the number of values.</param>
    public IntTensor(int[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        if (Tensor.CheckedElementCount(shape) != values.Length)
        {
            throw new ArgumentException(
                $"Shape {Tensor.FormatShape(shape)} holds {Tensor.CheckedElementCount(shape)} elements, but {values.Length} values were given.", nameof(shape));
        }
        _data = values;
        _shape = (int[])shape.Clone();
    }

    /// <summary>A 1-dimensional tensor holding a copy of <paramref name="values"/>.</summary>
    /// <param name="values">The elements.</param>
    public static IntTensor FromSpan(ReadOnlySpan<int> values) => new(values.ToArray());

    /// <summary>The values 0, 1, …, <paramref name="end"/> − 1.</summary>
    /// <param name="end">The exclusive upper bound; not negative.</param>
    public static IntTensor Arange(int end)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(end);
        var data = new int[end];
        for (int i = 0; i < end; i++) data[i] = i;
        return new IntTensor(data);
    }

    /// <summary>Wraps an array (not copied) as a 1-dimensional tensor.</summary>
    /// <param name="values">The elements.</param>
    public static implicit operator IntTensor(int[] values) => new(values);

    /// <summary>The sizes of the dimensions.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements.</summary>
    public int ElementCount => _data.Length;

    /// <summary>The element at <paramref name="index"/> in row-major order.</summary>
    /// <param name="index">The flat index.</param>
    public int this[int index] => _data[index];

    /// <summary>The elements, row-major.</summary>
    public Span<int> AsSpan() => _data;

    /// <summary>Copies the elements into a new array.</summary>
    public int[] ToArray() => (int[])_data.Clone();

    /// <summary>The elements converted to float32 (PyTorch's <c>.float()</c>).</summary>
    public Tensor ToFloat()
    {
        var values = new float[_data.Length];
        for (int i = 0; i < values.Length; i++) values[i] = _data[i];
        return Tensor.Wrap(values, _shape);
    }

    /// <summary>The shape formatted as in error messages, e.g. <c>[64]</c>.</summary>
    public string ShapeString => Tensor.FormatShape(_shape);

    /// <inheritdoc />
    public override string ToString()
    {
        int shown = Math.Min(_data.Length, 8);
        var head = string.Join(", ", _data.AsSpan(0, shown).ToArray());
        return $"tensor([{head}{(shown < _data.Length ? ", …" : "")}], shape={ShapeString})";
    }
}
