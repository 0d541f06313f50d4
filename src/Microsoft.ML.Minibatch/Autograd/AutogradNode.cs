namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// A recorded operation in the autograd graph (PyTorch's <c>grad_fn</c>): it knows its inputs and how to
/// turn the gradient of its output into gradients of those inputs.
/// </summary>
/// <remarks>Nodes are created by the tensor operations; they cannot be written outside this library.</remarks>
public abstract class AutogradNode
{
    private readonly Tensor[] _inputs;

    /// <summary>Keeps the inputs that take part in differentiation (those that require grad).</summary>
    /// <remarks>Up to three inputs as separate arguments rather than a <c>params</c> array: every recorded operation
    /// of a training step goes through here, and the array would be one more allocation per operation.</remarks>
    internal AutogradNode(Tensor output, Tensor? a, Tensor? b = null, Tensor? c = null)
    {
        Output = output;
        bool useA = a is not null && a.RequiresGrad, useB = b is not null && b.RequiresGrad, useC = c is not null && c.RequiresGrad;
        _inputs = new Tensor[(useA ? 1 : 0) + (useB ? 1 : 0) + (useC ? 1 : 0)];
        int count = 0;
        if (useA) _inputs[count++] = a!;
        if (useB) _inputs[count++] = b!;
        if (useC) _inputs[count] = c!;
    }

    /// <summary>
    /// The operation's name in PyTorch's style without the overload digit, e.g. <c>AddmmBackward</c>,
    /// <c>LogSoftmaxBackward</c>, <c>NllLossBackward</c>, <c>ReluBackward</c>.
    /// </summary>
    public abstract string Name { get; }

    /// <summary>The inputs gradients flow to: the operation's inputs that require grad.</summary>
    public IReadOnlyList<Tensor> Inputs => _inputs;

    /// <summary>The tensor this operation produced.</summary>
    internal Tensor Output { get; }

    /// <summary>
    /// Adds this operation's contribution to the gradient of each input that requires grad,
    /// given <paramref name="gradOutput"/>, the gradient with respect to <see cref="Output"/>.
    /// </summary>
    internal abstract void Backward(ReadOnlySpan<float> gradOutput);

    /// <summary>The buffer to add <paramref name="input"/>'s gradient into, or an empty span if it needs none.</summary>
    internal static Span<float> GradOf(Tensor? input) => Autograd.GradBuffer(input);

    /// <inheritdoc />
    public override string ToString() => Name;
}
