using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// The cross-entropy loss on logits as an object (PyTorch's <c>nn.CrossEntropyLoss</c>). It takes two inputs, so it
/// is not a <see cref="Module"/>.
/// </summary>
public sealed class CrossEntropyLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">How per-sample losses are combined; the batch mean by default.</param>
    public CrossEntropyLoss(Reduction reduction = Reduction.Mean) => Reduction = reduction;

    /// <summary>How per-sample losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>The fused log-softmax + NLL of <paramref name="input"/> (see <see cref="Functional.CrossEntropy"/>).</summary>
    /// <param name="input">Logits [n, c].</param>
    /// <param name="target">Class indices [n].</param>
    public Tensor Forward(Tensor input, IntTensor target) => Functional.CrossEntropy(input, target, Reduction);

    /// <inheritdoc />
    public override string ToString() => "CrossEntropyLoss()";
}
