using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>Maps keys back to the values they stand for, through the key column's <c>KeyValues</c> annotation.</summary>
public sealed class KeyToValueMappingEstimator : IEstimator<KeyToValueMappingTransformer>
{
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;

    internal KeyToValueMappingEstimator(string outputColumnName, string? inputColumnName)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName ?? outputColumnName;
    }

    /// <inheritdoc/>
    public KeyToValueMappingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new KeyToValueMappingTransformer(_outputColumnName, _inputColumnName);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!inputSchema.TryFindColumn(_inputColumnName, out var column))
            throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", _inputColumnName);
        if (!column.IsKey)
            throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", _inputColumnName, "key type", column.GetTypeString());
        if (!column.Annotations.TryFindColumn(AnnotationUtils.Kinds.KeyValues, out var keyValues)
            || keyValues.Kind != SchemaShape.Column.VectorKind.Vector)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Input column '{_inputColumnName}' doesn't contain key values annotation");
        var annotations = new List<SchemaShape.Column>();
        if (column.Annotations.TryFindColumn(AnnotationUtils.Kinds.SlotNames, out var slotNames))
            annotations.Add(slotNames);
        var result = inputSchema.ToList();
        result.Add(new SchemaShape.Column(_outputColumnName, column.Kind, keyValues.ItemType, keyValues.IsKey, new SchemaShape(annotations)));
        return new SchemaShape(result);
    }
}
