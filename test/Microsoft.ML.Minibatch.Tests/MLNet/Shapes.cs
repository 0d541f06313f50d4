using System.Reflection;
using Microsoft.ML;

namespace Microsoft.ML.Minibatch.Tests.MLNet;

/// <summary>ML.NET keeps <c>SchemaShape.Create(DataViewSchema)</c> internal; its own estimator tests call it, and so do ours.</summary>
internal static class Shapes
{
    private static readonly MethodInfo s_create = typeof(SchemaShape).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static,
        new[] { typeof(DataViewSchema) }) ?? throw new InvalidOperationException("SchemaShape.Create(DataViewSchema) not found.");

    public static SchemaShape Of(DataViewSchema schema) => (SchemaShape)s_create.Invoke(null, new object[] { schema })!;
}
