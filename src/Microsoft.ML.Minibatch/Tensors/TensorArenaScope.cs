namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>Restores the previously active <see cref="TensorArena"/> of the current thread when disposed.</summary>
public readonly struct TensorArenaScope : IDisposable
{
    private readonly TensorArena? _previous;

    internal TensorArenaScope(TensorArena arena)
    {
        _previous = TensorArena.Current;
        TensorArena.SetCurrent(arena);
    }

    /// <summary>Reactivates the arena that was current when this scope began (or none).</summary>
    public void Dispose() => TensorArena.SetCurrent(_previous);
}
