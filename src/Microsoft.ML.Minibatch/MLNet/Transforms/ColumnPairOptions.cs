namespace Microsoft.ML.Transforms;

/// <summary>Saved options of a one-column transform.</summary>
internal sealed class ColumnPairOptions
{
    public string? OutputColumnName;
    public string? InputColumnName;
}
