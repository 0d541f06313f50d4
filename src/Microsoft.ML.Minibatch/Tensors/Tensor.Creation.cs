namespace Microsoft.ML.Minibatch.Tensors;

public partial class Tensor
{
    /// <summary>A tensor of zeros (PyTorch's <c>torch.zeros</c>).</summary>
    /// <param name="shape">The dimension sizes; none for a 0-dimensional scalar.</param>
    public static Tensor Zeros(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var owned = (int[])shape.Clone();
        var (storage, offset) = AlignedStorage.Allocate(CheckedElementCount(owned));
        return new Tensor(storage, offset, owned);
    }

    /// <summary>A tensor of zeros with <paramref name="other"/>'s shape (PyTorch's <c>torch.zeros_like</c>), e.g. optimizer state.</summary>
    /// <param name="other">The tensor whose shape is copied.</param>
    public static Tensor ZerosLike(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Zeros(other._shape);
    }

    /// <summary>A tensor of ones (PyTorch's <c>torch.ones</c>).</summary>
    /// <param name="shape">The dimension sizes.</param>
    public static Tensor Ones(params int[] shape) => Full(1f, shape);

    /// <summary>A tensor filled with <paramref name="value"/> (PyTorch's <c>torch.full</c>).</summary>
    /// <param name="value">The fill value.</param>
    /// <param name="shape">The dimension sizes.</param>
    public static Tensor Full(float value, params int[] shape)
    {
        var result = Zeros(shape);
        result.AsSpan().Fill(value);
        return result;
    }

    /// <summary>A 0-dimensional tensor holding <paramref name="value"/> (PyTorch's <c>torch.tensor(value)</c>).</summary>
    /// <param name="value">The value.</param>
    public static Tensor Scalar(float value) => new([value], []);

    /// <summary>A tensor holding a copy of <paramref name="values"/>, 1-dimensional unless a shape is given.</summary>
    /// <param name="values">The elements in row-major order.</param>
    /// <param name="shape">The dimension sizes; their product must equal the number of values.</param>
    /// <exception cref="ArgumentException">The shape does not hold exactly <paramref name="values"/>.Length elements.</exception>
    public static Tensor FromArray(float[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        return FromSpan(values, shape);
    }

    /// <summary>A tensor holding a copy of <paramref name="values"/>, 1-dimensional unless a shape is given.</summary>
    /// <param name="values">The elements in row-major order.</param>
    /// <param name="shape">The dimension sizes (none for 1-dimensional); their product must equal the number of values.</param>
    public static Tensor FromSpan(ReadOnlySpan<float> values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        // Without a shape the tensor is 1-dimensional (PyTorch's torch.tensor([v]) has shape [1]); Scalar makes 0-d ones.
        var owned = shape.Length == 0 ? [values.Length] : (int[])shape.Clone();
        if (CheckedElementCount(owned) != values.Length)
        {
            throw new ArgumentException(
                $"Shape {FormatShape(owned)} holds {CheckedElementCount(owned)} elements, but {values.Length} values were given.", nameof(shape));
        }
        return new Tensor(values.ToArray(), owned);
    }

    /// <summary>
    /// Wraps <paramref name="storage"/> without copying it; the tensor sees later writes to the array.
    /// Meant for buffers the caller owns and reuses (e.g. a data loader's batch buffer).
    /// </summary>
    /// <param name="storage">The elements in row-major order; at least as many as the shape holds.</param>
    /// <param name="shape">The dimension sizes.</param>
    public static Tensor Wrap(float[] storage, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(shape);
        return new Tensor(storage, 0, (int[])shape.Clone());
    }

    /// <summary>The values 0, 1, …, <paramref name="end"/> − 1 (PyTorch's <c>torch.arange(end)</c>).</summary>
    /// <param name="end">The exclusive upper bound; not negative.</param>
    public static Tensor Arange(int end)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(end);
        var data = new float[end];
        for (int i = 0; i < end; i++) data[i] = i;
        return new Tensor(data, [end]);
    }

    /// <summary>The values start, start + step, … below <paramref name="end"/> (PyTorch's <c>torch.arange(start, end, step)</c>).</summary>
    /// <param name="start">The first value.</param>
    /// <param name="end">The exclusive bound.</param>
    /// <param name="step">The increment; not zero.</param>
    public static Tensor Arange(float start, float end, float step = 1f)
    {
        if (step == 0 || float.IsNaN(step))
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "The step of Arange must be a non-zero number.");
        }
        // PyTorch computes the length as ceil((end - start) / step) in double precision.
        double length = Math.Ceiling(((double)end - start) / step);
        if (length < 0 || double.IsNaN(length))
        {
            throw new ArgumentException($"Arange({start}, {end}, {step}) would have a negative length.", nameof(end));
        }
        var data = new float[(int)length];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(start + (double)i * step);
        return new Tensor(data, [data.Length]);
    }

    /// <summary>
    /// Values drawn uniformly from [0, 1) with <paramref name="generator"/> (PyTorch's <c>torch.rand</c>;
    /// bitwise equal for the same seed).
    /// </summary>
    /// <param name="generator">The random source.</param>
    /// <param name="shape">The dimension sizes.</param>
    public static Tensor Rand(Generator generator, params int[] shape) => Zeros(shape).UniformInPlace(0, 1, generator);

    /// <summary>Values drawn from the standard normal distribution (PyTorch's <c>torch.randn</c>).</summary>
    /// <param name="generator">The random source.</param>
    /// <param name="shape">The dimension sizes.</param>
    public static Tensor Randn(Generator generator, params int[] shape) => Zeros(shape).NormalInPlace(0, 1, generator);

    /// <summary>A random permutation of 0 … <paramref name="n"/> − 1 (PyTorch's <c>torch.randperm</c>).</summary>
    /// <param name="n">The number of values.</param>
    /// <param name="generator">The random source.</param>
    public static IntTensor Randperm(int n, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var result = new int[n < 0 ? throw new ArgumentOutOfRangeException(nameof(n), n, "Randperm needs a non-negative count.") : n];
        generator.Permutation(result);
        return new IntTensor(result);
    }
}
