using System.Reflection;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// Finds the <see cref="MLContext"/> behind one of ML.NET's catalogs. ML.NET's own trainers reach it through an
/// internal interface (<c>Microsoft.ML.Data.IInternalCatalog.Environment</c>) that a third-party extension method
/// cannot name, so it is read through reflection on that interface; the context seeds and logs our training.
/// </summary>
internal static class CatalogEnvironment
{
    private static readonly PropertyInfo? s_environment = typeof(MLContext).Assembly
        .GetType("Microsoft.ML.Data.IInternalCatalog")?.GetProperty("Environment");

    public static IHostEnvironment Of(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return s_environment?.GetValue(catalog) as IHostEnvironment
            ?? throw new NotSupportedException(
                $"This version of Microsoft.ML ({typeof(MLContext).Assembly.GetName().Version}) does not expose the catalog's MLContext as Microsoft.ML 5.0 does.");
    }
}
