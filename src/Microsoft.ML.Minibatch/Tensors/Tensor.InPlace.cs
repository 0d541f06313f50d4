using System.Numerics.Tensors;

namespace Microsoft.ML.Minibatch.Tensors;

// In-place updates carry the suffix "InPlace" (PyTorch's trailing underscore: add_, mul_, zero_, uniform_ …);
// CopyFrom is PyTorch's copy_. They return this tensor for chaining and are not recorded by autograd, so on a
// tensor that requires grad they must run inside Autograd.NoGrad(), as optimizers do (PyTorch raises the same way
// for leaves that require grad).
public partial class Tensor
{
    /// <summary>Sets every element to 0 (PyTorch's <c>zero_</c>).</summary>
    public Tensor ZeroInPlace()
    {
        CheckInPlace("ZeroInPlace");
        AsSpan().Clear();
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/> (PyTorch's <c>fill_</c>).</summary>
    /// <param name="value">The value.</param>
    public Tensor FillInPlace(float value)
    {
        CheckInPlace("FillInPlace");
        AsSpan().Fill(value);
        return this;
    }

    /// <summary>Copies the elements of <paramref name="source"/>, which must have this tensor's shape (PyTorch's <c>copy_</c>).</summary>
    /// <param name="source">The values to copy.</param>
    public Tensor CopyFrom(Tensor source)
    {
        CheckSameShape(source, "CopyFrom");
        CheckInPlace("CopyFrom");
        source.Values.CopyTo(AsSpan());
        return this;
    }

    /// <summary>this += alpha · other (PyTorch's <c>add_(other, alpha=alpha)</c>).</summary>
    /// <param name="other">A tensor of this tensor's shape.</param>
    /// <param name="alpha">The factor applied to <paramref name="other"/>.</param>
    public Tensor AddInPlace(Tensor other, float alpha = 1f)
    {
        CheckSameShape(other, "AddInPlace");
        CheckInPlace("AddInPlace");
        var x = AsSpan();
        if (alpha == 1f) TensorPrimitives.Add(x, other.Values, x);
        else TensorPrimitives.MultiplyAdd(other.Values, alpha, x, x);
        return this;
    }

    /// <summary>this −= alpha · other (PyTorch's <c>sub_(other, alpha=alpha)</c>).</summary>
    /// <param name="other">A tensor of this tensor's shape.</param>
    /// <param name="alpha">The factor applied to <paramref name="other"/>.</param>
    public Tensor SubInPlace(Tensor other, float alpha = 1f)
    {
        CheckSameShape(other, "SubInPlace");
        CheckInPlace("SubInPlace");
        var x = AsSpan();
        if (alpha == 1f) TensorPrimitives.Subtract(x, other.Values, x);
        else TensorPrimitives.MultiplyAdd(other.Values, -alpha, x, x);
        return this;
    }

    /// <summary>this += value.</summary>
    /// <param name="value">The scalar.</param>
    public Tensor AddInPlace(float value)
    {
        CheckInPlace("AddInPlace");
        var x = AsSpan();
        TensorPrimitives.Add(x, value, x);
        return this;
    }

    /// <summary>this ·= value (PyTorch's <c>mul_</c>).</summary>
    /// <param name="value">The scalar.</param>
    public Tensor MulInPlace(float value)
    {
        CheckInPlace("MulInPlace");
        var x = AsSpan();
        TensorPrimitives.Multiply(x, value, x);
        return this;
    }

    /// <summary>this ·= other, element-wise.</summary>
    /// <param name="other">A tensor of this tensor's shape.</param>
    public Tensor MulInPlace(Tensor other)
    {
        CheckSameShape(other, "MulInPlace");
        CheckInPlace("MulInPlace");
        var x = AsSpan();
        TensorPrimitives.Multiply(x, other.Values, x);
        return this;
    }

    /// <summary>this /= value (PyTorch's <c>div_</c>).</summary>
    /// <param name="value">The scalar.</param>
    public Tensor DivInPlace(float value)
    {
        CheckInPlace("DivInPlace");
        var x = AsSpan();
        TensorPrimitives.Divide(x, value, x);
        return this;
    }

    /// <summary>
    /// Fills with values uniform in [from, to) drawn from <paramref name="generator"/>, bitwise as PyTorch's
    /// <c>uniform_(from, to)</c> on a float32 CPU tensor.
    /// </summary>
    /// <param name="from">The lower bound.</param>
    /// <param name="to">The upper bound; not below <paramref name="from"/>.</param>
    /// <param name="generator">The random source.</param>
    public Tensor UniformInPlace(float from, float to, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(from <= to)) throw new ArgumentOutOfRangeException(nameof(to), to, $"UniformInPlace needs from ≤ to, but from is {from}.");
        CheckInPlace("UniformInPlace");
        generator.FillUniform(AsSpan(), from, to);
        return this;
    }

    /// <summary>Fills with normal draws of the given mean and standard deviation (PyTorch's <c>normal_</c>).</summary>
    /// <param name="mean">The mean.</param>
    /// <param name="std">The standard deviation; not negative.</param>
    /// <param name="generator">The random source.</param>
    public Tensor NormalInPlace(float mean, float std, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(std >= 0)) throw new ArgumentOutOfRangeException(nameof(std), std, "NormalInPlace needs a non-negative standard deviation.");
        CheckInPlace("NormalInPlace");
        generator.FillNormal(AsSpan(), mean, std);
        return this;
    }

    private void CheckInPlace(string operation)
    {
        if (RequiresGrad && Autograd.IsGradEnabled)
        {
            throw new InvalidOperationException(
                $"{operation} cannot modify a tensor that requires grad while gradients are recorded; wrap the update in 'using (Autograd.NoGrad())'.");
        }
    }

    private void CheckSameShape(Tensor other, string operation)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!SameShape(other))
        {
            throw new ArgumentException($"Shapes {ShapeString} and {other.ShapeString} do not match for {operation}.", nameof(other));
        }
    }
}
