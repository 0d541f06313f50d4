using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>The saved options of a transformer chain.</summary>
internal sealed class ChainOptions
{
    public TransformerScope[]? Scopes;
}
