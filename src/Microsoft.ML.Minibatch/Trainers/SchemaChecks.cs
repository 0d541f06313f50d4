using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>The trainer's column checks, with the wording of ML.NET's own schema errors
/// ("Schema mismatch for label column 'Label': expected Key&lt;UInt32&gt;, got String").</summary>
internal static class SchemaChecks
{
    /// <summary>Checks the shape a pipeline declares before it runs: a <c>Key&lt;UInt32&gt;</c> label and a vector of
    /// <see cref="float"/> features.</summary>
    public static void CheckShape(SchemaShape schema, string labelColumn, string featureColumn)
    {
        var label = Find(schema, "label", labelColumn);
        if (!label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar || label.ItemType.RawType != typeof(uint))
            throw Mismatch("label", labelColumn, "Key<UInt32>", Describe(label));
        var features = Find(schema, "feature", featureColumn);
        if (features.IsKey || features.Kind == SchemaShape.Column.VectorKind.Scalar || !features.ItemType.Equals(NumberDataViewType.Single))
            throw Mismatch("feature", featureColumn, "Vector<Single>", Describe(features));
    }

    /// <summary>Checks a concrete schema to train on: what <see cref="CheckShape"/> checks, plus a known vector size
    /// and key count.</summary>
    public static (DataViewSchema.Column Label, int Dimension, int Classes) CheckTrainingSchema(
        DataViewSchema schema, string labelColumn, string featureColumn, string paramName)
    {
        var label = schema.GetColumnOrNull(labelColumn)
            ?? throw new ArgumentOutOfRangeException(paramName, $"Could not find label column '{labelColumn}'");
        if (label.Type is not KeyDataViewType key || key.RawType != typeof(uint))
            throw Mismatch("label", labelColumn, "Key<UInt32>", Name(label.Type), paramName);
        if (key.Count is 0 or > 1 << 20)
            throw Mismatch("label", labelColumn, "Key<UInt32> with a known count of at most 1048576", Name(label.Type), paramName);
        var features = schema.GetColumnOrNull(featureColumn)
            ?? throw new ArgumentOutOfRangeException(paramName, $"Could not find feature column '{featureColumn}'");
        if (features.Type is not VectorDataViewType vector || !vector.ItemType.Equals(NumberDataViewType.Single))
            throw Mismatch("feature", featureColumn, "Vector<Single>", Name(features.Type), paramName);
        if (vector.Size <= 0)
            throw Mismatch("feature", featureColumn, "Vector<Single>", "VarVector<Single>", paramName);
        return (label, vector.Size, (int)key.Count);
    }

    private static SchemaShape.Column Find(SchemaShape schema, string role, string name)
    {
        foreach (var column in schema)
            if (column.Name == name) return column;
        throw new ArgumentOutOfRangeException("inputSchema", $"Could not find {role} column '{name}'");
    }

    private static ArgumentOutOfRangeException Mismatch(string role, string name, string expected, string actual, string paramName = "inputSchema")
        => new(paramName, $"Schema mismatch for {role} column '{name}': expected {expected}, got {actual}");

    private static string Name(DataViewType type) => type.ToString() ?? type.RawType.Name;

    private static string Describe(SchemaShape.Column column)
    {
        string item = column.IsKey ? $"Key<{column.ItemType.RawType.Name}>" : Name(column.ItemType);
        return column.Kind switch
        {
            SchemaShape.Column.VectorKind.Vector => $"Vector<{item}>",
            SchemaShape.Column.VectorKind.VariableVector => $"VarVector<{item}>",
            _ => item,
        };
    }
}
