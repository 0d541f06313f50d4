namespace Microsoft.ML.Minibatch;

/// <summary>The bookkeeping every cursor of ours shares: which columns a caller asked for, and getter checks with
/// the wording of ML.NET's own cursors.</summary>
internal static class ActiveColumns
{
    public static bool[] Of(DataViewSchema schema, IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var active = new bool[schema.Count];
        foreach (var c in columnsNeeded)
        {
            if ((uint)c.Index >= (uint)active.Length || schema[c.Index].Name != c.Name)
                throw new ArgumentOutOfRangeException(nameof(columnsNeeded), $"Column '{c.Name}' (index {c.Index}) does not belong to this schema.");
            active[c.Index] = true;
        }
        return active;
    }

    public static bool IsActive(bool[] active, DataViewSchema.Column column)
        => (uint)column.Index < (uint)active.Length && active[column.Index];

    public static void CheckGetter<TValue>(DataViewSchema schema, bool[] active, DataViewSchema.Column column)
    {
        if (!IsActive(active, column))
            throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
        var raw = schema[column.Index].Type.RawType;
        if (typeof(TValue) != raw)
            throw new InvalidOperationException($"Invalid TValue in GetGetter: '{typeof(TValue)}', expected type: '{raw}'.");
    }
}
