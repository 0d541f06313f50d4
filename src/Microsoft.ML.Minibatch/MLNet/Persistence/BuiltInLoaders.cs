using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML;

/// <summary>Registers the loaders of the components defined in this room.</summary>
internal static class BuiltInLoaders
{
    private static int _registered;

    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        ModelLoadContext.RegisterLoader(TransformerChain<ITransformer>.KindName, TransformerChain<ITransformer>.Load);
        ModelLoadContext.RegisterLoader(ValueToKeyMappingTransformer.KindName, ValueToKeyMappingTransformer.Load);
        ModelLoadContext.RegisterLoader(KeyToValueMappingTransformer.KindName, KeyToValueMappingTransformer.Load);
        ModelLoadContext.RegisterLoader(ColumnConcatenatingTransformer.KindName, ColumnConcatenatingTransformer.Load);
        ModelLoadContext.RegisterLoader(NormalizingTransformer.KindName, NormalizingTransformer.Load);
    }
}
