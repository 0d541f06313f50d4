namespace Microsoft.ML;

/// <summary>Rebuilds components of one kind from a model file; declare it with <see cref="ModelLoaderAttribute"/>.</summary>
public interface IModelLoader
{
    /// <summary>The kind this loader handles (what the component sets as <see cref="ModelSaveContext.Kind"/>).</summary>
    string Kind { get; }

    /// <summary>Rebuilds the component.</summary>
    /// <param name="ctx">The component's load context.</param>
    /// <returns>The transformer.</returns>
    ITransformer Load(ModelLoadContext ctx);
}
