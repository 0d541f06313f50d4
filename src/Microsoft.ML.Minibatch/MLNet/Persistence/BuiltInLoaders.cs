using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>Registers the loaders of the components defined in this room.</summary>
internal static class BuiltInLoaders
{
    private static readonly Lazy<bool> _registration = new(Register, LazyThreadSafetyMode.ExecutionAndPublication);

    // Lazy makes concurrent first loads wait until every built-in loader is registered.
    public static void EnsureRegistered() => _ = _registration.Value;

    private static bool Register()
    {
        ModelLoadContext.RegisterLoader(TransformerChain<ITransformer>.KindName, TransformerChain<ITransformer>.Load);
        ModelLoadContext.RegisterLoader(ValueToKeyMappingTransformer.KindName, ValueToKeyMappingTransformer.Load);
        ModelLoadContext.RegisterLoader(KeyToValueMappingTransformer.KindName, KeyToValueMappingTransformer.Load);
        ModelLoadContext.RegisterLoader(ColumnConcatenatingTransformer.KindName, ColumnConcatenatingTransformer.Load);
        ModelLoadContext.RegisterLoader(NormalizingTransformer.KindName, NormalizingTransformer.Load);
        return true;
    }
}
