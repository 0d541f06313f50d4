using System.Buffers;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// Reverse-mode automatic differentiation: the gradient-recording switch (PyTorch's <c>torch.no_grad()</c>)
/// and the backward pass over the recorded graph.
/// </summary>
public static class Autograd
{
    // Thread-static, like PyTorch's grad mode: a NoGrad scope on one thread does not affect another.
    [ThreadStatic]
    private static bool t_gradDisabled;

    /// <summary>Whether operations on the current thread are recorded for backward (true unless inside <see cref="NoGrad"/>).</summary>
    public static bool IsGradEnabled
    {
        get => !t_gradDisabled;
        internal set => t_gradDisabled = !value;
    }

    /// <summary>
    /// Stops recording operations on the current thread until the returned scope is disposed
    /// (<c>using (Autograd.NoGrad()) { … }</c>). Scopes nest.
    /// </summary>
    public static GradModeScope NoGrad() => new(false);

    /// <summary>Re-enables recording on the current thread until the returned scope is disposed (PyTorch's <c>enable_grad</c>).</summary>
    public static GradModeScope EnableGrad() => new(true);

    internal static bool ShouldRecord(Tensor a) => !t_gradDisabled && a.RequiresGrad;

    internal static bool ShouldRecord(Tensor a, Tensor? b) =>
        !t_gradDisabled && (a.RequiresGrad || (b is not null && b.RequiresGrad));

    internal static bool ShouldRecord(Tensor a, Tensor? b, Tensor? c) =>
        !t_gradDisabled && (a.RequiresGrad || (b is not null && b.RequiresGrad) || (c is not null && c.RequiresGrad));

    internal static void Record(Tensor result, AutogradNode node)
    {
        result._gradFn = node;
        result.RequiresGrad = true;
    }

    /// <summary>The span to accumulate <paramref name="input"/>'s gradient into (empty when it needs none).</summary>
    internal static Span<float> GradBuffer(Tensor? input)
    {
        if (input is null || !input.RequiresGrad) return Span<float>.Empty;
        if (input.IsLeaf)
        {
            var grad = input.Grad;
            if (grad is null)
            {
                grad = Tensor.Zeros(input._shape);
                input.Grad = grad;
            }
            return grad.AsSpan();
        }
        if (input._pendingGrad is null)
        {
            // Interior gradients live only during one backward pass; pooling them keeps a training step
            // from allocating a fresh buffer per intermediate tensor.
            var buffer = ArrayPool<float>.Shared.Rent(Math.Max(input._length, 1));
            Array.Clear(buffer, 0, input._length);
            input._pendingGrad = buffer;
        }
        return input._pendingGrad.AsSpan(0, input._length);
    }

    internal static void RunBackward(Tensor root, Tensor? gradient)
    {
        if (!root.RequiresGrad)
        {
            throw new InvalidOperationException(
                "Backward() needs a tensor that requires grad, but this tensor has no GradFn and RequiresGrad is false.");
        }
        if (gradient is null && root.ElementCount != 1)
        {
            throw new InvalidOperationException(
                $"Backward() without a gradient needs a one-element (scalar) tensor, but the shape is {root.ShapeString}; pass a gradient of that shape.");
        }
        if (gradient is not null && !gradient.SameShape(root))
        {
            throw new ArgumentException(
                $"Shapes {gradient.ShapeString} and {root.ShapeString} do not match for Backward (gradient vs. tensor).", nameof(gradient));
        }

        var rootGrad = GradBuffer(root);
        if (gradient is null) rootGrad[0] += 1f;
        else System.Numerics.Tensors.TensorPrimitives.Add(rootGrad, gradient.Values, rootGrad);
        if (root.IsLeaf) return;

        // Topological order of the interior tensors reachable from the root: a node runs only after every
        // consumer of its output has added its share of the gradient, and each node runs once.
        var order = TopologicalOrder(root);
        try
        {
            for (int i = order.Count - 1; i >= 0; i--)
            {
                var tensor = order[i];
                var pending = tensor._pendingGrad;
                if (pending is null) continue;
                tensor._gradFn!.Backward(pending.AsSpan(0, tensor._length));
                tensor._pendingGrad = null;
                ArrayPool<float>.Shared.Return(pending);
            }
        }
        finally
        {
            // After a failure part-way, no stale interior gradient may leak into a later backward pass.
            foreach (var tensor in order)
            {
                if (tensor._pendingGrad is { } pending)
                {
                    tensor._pendingGrad = null;
                    ArrayPool<float>.Shared.Return(pending);
                }
            }
            order.Clear();
        }
    }

    // Reused across backward passes on a thread so that a training step does not allocate them anew.
    [ThreadStatic]
    private static List<Tensor>? t_order;
    [ThreadStatic]
    private static HashSet<Tensor>? t_visited;
    [ThreadStatic]
    private static Stack<(Tensor Tensor, int NextInput)>? t_stack;

    /// <summary>Interior tensors in post-order (inputs before the tensors computed from them).</summary>
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = t_order ??= [];
        var visited = t_visited ??= new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = t_stack ??= new Stack<(Tensor, int)>();
        order.Clear();
        visited.Clear();
        stack.Clear();
        // Iterative depth-first search so that deep graphs cannot overflow the stack.
        visited.Add(root);
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (tensor, next) = stack.Pop();
            var inputs = tensor._gradFn!.Inputs;
            if (next < inputs.Count)
            {
                stack.Push((tensor, next + 1));
                var input = inputs[next];
                if (!input.IsLeaf && visited.Add(input)) stack.Push((input, 0));
            }
            else
            {
                order.Add(tensor);
            }
        }
        // The set would otherwise keep this graph alive until the next backward pass.
        visited.Clear();
        return order;
    }
}
