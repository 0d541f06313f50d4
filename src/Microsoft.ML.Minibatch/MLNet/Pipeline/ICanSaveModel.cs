namespace Microsoft.ML;

/// <summary>A component that can write itself into a model file through a <see cref="ModelSaveContext"/>.</summary>
public interface ICanSaveModel
{
    /// <summary>
    /// Writes the component: set <see cref="ModelSaveContext.Kind"/> to a kind registered with
    /// <see cref="ModelLoadContext.RegisterLoader"/>, options with <see cref="ModelSaveContext.SetOptions{T}"/>,
    /// binary data with <see cref="ModelSaveContext.WriteEntry(string, ReadOnlySpan{byte})"/>.
    /// </summary>
    /// <param name="ctx">The save context of this component.</param>
    void Save(ModelSaveContext ctx);
}
