using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// The negative log-likelihood loss as an object (PyTorch's <c>nn.NLLLoss</c>), for models that end in
/// <see cref="LogSoftmax"/>. It takes two inputs, so it is not a <see cref="Module"/>.
/// </summary>
public sealed class NllLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">How per-sample losses are combined; the batch mean by default.</param>
    public NllLoss(Reduction reduction = Reduction.Mean) => Reduction = reduction;

    /// <summary>How per-sample losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>−input[i, target[i]], reduced (see <see cref="Functional.Nll"/>).</summary>
    /// <param name="input">Log-probabilities [n, c].</param>
    /// <param name="target">Class indices [n].</param>
    public Tensor Forward(Tensor input, IntTensor target) => Functional.Nll(input, target, Reduction);

    /// <inheritdoc />
    public override string ToString() => "NllLoss()";
}
