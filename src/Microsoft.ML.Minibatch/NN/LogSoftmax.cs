using System.Globalization;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.NN;

/// <summary>Log-softmax over the last dimension as a layer (PyTorch's <c>nn.LogSoftmax(dim=1)</c> on [batch, classes]).</summary>
public sealed class LogSoftmax : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dimension; it must be the input's last one when <see cref="Forward"/> runs (−1 always is).</param>
    public LogSoftmax(int dim = -1) => Dim = dim;

    /// <summary>The dimension the softmax normalises over.</summary>
    public int Dim { get; }

    /// <summary>x − logsumexp(x) along <see cref="Dim"/>.</summary>
    /// <param name="input">The logits.</param>
    public override Tensor Forward(Tensor input) => Functional.LogSoftmax(input, Dim);

    /// <inheritdoc />
    protected override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"dim={Dim}");
}
