using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// A tensor that is a learnable parameter of a <see cref="Module"/> (PyTorch's <c>nn.Parameter</c>):
/// a leaf that requires grad by default, shares storage with the tensor it wraps, and is listed by
/// <see cref="Module.Parameters"/>.
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>Wraps <paramref name="data"/> (sharing its storage) as a parameter.</summary>
    /// <param name="data">The initial values; its storage is shared, not copied.</param>
    /// <param name="requiresGrad">Whether gradients are computed for it (true by default, as in PyTorch).</param>
    public Parameter(Tensor data, bool requiresGrad = true) : base(data)
    {
        RequiresGrad = requiresGrad;
    }

    /// <inheritdoc />
    public override string ToString() => "Parameter containing: " + base.ToString();
}
