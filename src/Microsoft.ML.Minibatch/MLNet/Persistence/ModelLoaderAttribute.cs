namespace Microsoft.ML;

/// <summary>
/// Declares, on an assembly, a loader type (implementing <see cref="IModelLoader"/>, with a parameterless constructor)
/// that <see cref="ModelOperationsCatalog.Load(string, out DataViewSchema)"/> uses for the kind it names.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class ModelLoaderAttribute : Attribute
{
    /// <summary>Declares <paramref name="loaderType"/> as a model loader.</summary>
    /// <param name="loaderType">A type implementing <see cref="IModelLoader"/>.</param>
    public ModelLoaderAttribute(Type loaderType)
    {
        ArgumentNullException.ThrowIfNull(loaderType);
        if (!typeof(IModelLoader).IsAssignableFrom(loaderType))
            throw new ArgumentException($"{loaderType.Name} does not implement IModelLoader.", nameof(loaderType));
        LoaderType = loaderType;
    }

    /// <summary>The loader type.</summary>
    public Type LoaderType { get; }
}
