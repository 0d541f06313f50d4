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
    internal AutogradNode(Tensor output, params Tensor?[] inputs)
    {
        Output = output;
        int count = 0;
        foreach (var input in inputs)
        {
            if (input is not null && input.RequiresGrad) count++;
        }
        _inputs = new Tensor[count];
        count = 0;
        foreach (var input in inputs)
        {
            if (input is not null && input.RequiresGrad) _inputs[count++] = input;
        }
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
