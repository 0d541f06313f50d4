namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// Restores the previous gradient-recording mode of the current thread when disposed
/// (returned by <see cref="Autograd.NoGrad"/> and <see cref="Autograd.EnableGrad"/>).
/// </summary>
public readonly struct GradModeScope : IDisposable
{
    private readonly bool _previous;

    internal GradModeScope(bool enabled)
    {
        _previous = Autograd.IsGradEnabled;
        Autograd.IsGradEnabled = enabled;
    }

    /// <summary>Restores the mode that was in effect when the scope was entered.</summary>
    public void Dispose() => Autograd.IsGradEnabled = _previous;
}
