namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// An opt-in pool for the buffers that tensor operations allocate (activations, saved softmax, …), so that a
/// training loop with fixed batch shapes stops allocating them after the first batch.
/// </summary>
/// <remarks>
/// While an arena is active on a thread (<see cref="Activate"/>), the results of tensor operations on that thread
/// take their storage from it. <see cref="Reset"/> hands all of that storage out again, so every tensor computed
/// inside the arena since the previous reset — and any view or detached copy of it — must no longer be used.
/// A training loop calls <see cref="Reset"/> at the start of each batch, after the previous batch's loss has been
/// read and its backward pass and optimizer step are done. Parameters, their gradients, and tensors created with
/// the public factory methods (<see cref="Tensor.Zeros"/>, <see cref="Tensor.FromArray"/>, …) never come from an arena.
/// </remarks>
public sealed class TensorArena
{
    [ThreadStatic]
    private static TensorArena? t_current;

    private readonly Dictionary<int, Stack<float[]>> _free = [];
    private readonly List<float[]> _inUse = [];

    /// <summary>The arena active on the current thread, or null.</summary>
    public static TensorArena? Current => t_current;

    /// <summary>The number of float32 values held by the arena (in use and free).</summary>
    public long CapacityInFloats { get; private set; }

    /// <summary>Makes this arena the current thread's until the returned scope is disposed. Scopes nest.</summary>
    public TensorArenaScope Activate() => new(this);

    /// <summary>
    /// Returns every buffer handed out since the last reset to the pool. Tensors computed inside the arena since then
    /// become invalid.
    /// </summary>
    public void Reset()
    {
        foreach (var buffer in _inUse)
        {
            if (!_free.TryGetValue(buffer.Length, out var stack))
            {
                stack = new Stack<float[]>();
                _free[buffer.Length] = stack;
            }
            stack.Push(buffer);
        }
        _inUse.Clear();
    }

    internal static void SetCurrent(TensorArena? arena) => t_current = arena;

    /// <summary>A buffer of exactly <paramref name="length"/> floats, cleared when <paramref name="zeroed"/>.</summary>
    internal float[] Rent(int length, bool zeroed)
    {
        float[] buffer;
        if (_free.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            buffer = stack.Pop();
            if (zeroed) Array.Clear(buffer);
        }
        else
        {
            buffer = new float[length];
            CapacityInFloats += length;
        }
        _inUse.Add(buffer);
        return buffer;
    }
}
