using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>Concatenates scalar and vector columns of one item type into a single vector column.</summary>
public sealed class ColumnConcatenatingEstimator : IEstimator<ColumnConcatenatingTransformer>
{
    private readonly string _outputColumnName;
    private readonly string[] _inputColumnNames;

    internal ColumnConcatenatingEstimator(string outputColumnName, string[] inputColumnNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentNullException.ThrowIfNull(inputColumnNames);
        if (inputColumnNames.Length == 0)
            throw new ArgumentException("At least one input column is required.", nameof(inputColumnNames));
        if (inputColumnNames.Any(string.IsNullOrEmpty))
            throw new ArgumentException("Input column names cannot be null or empty.", nameof(inputColumnNames));
        _outputColumnName = outputColumnName;
        _inputColumnNames = inputColumnNames.ToArray();
    }

    /// <inheritdoc/>
    public ColumnConcatenatingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new ColumnConcatenatingTransformer(_outputColumnName, _inputColumnNames);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column? first = null;
        bool variable = false;
        foreach (var name in _inputColumnNames)
        {
            if (!inputSchema.TryFindColumn(name, out var column))
                throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", name);
            if (first == null)
                first = column;
            else if (!column.ItemType.Equals(first.Value.ItemType) || column.IsKey != first.Value.IsKey)
                throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", name, first.Value.GetTypeString(), column.GetTypeString());
            variable |= column.Kind == SchemaShape.Column.VectorKind.VariableVector;
        }
        var kind = variable ? SchemaShape.Column.VectorKind.VariableVector : SchemaShape.Column.VectorKind.Vector;
        var result = inputSchema.ToList();
        result.Add(new SchemaShape.Column(_outputColumnName, kind, first!.Value.ItemType, first.Value.IsKey));
        return new SchemaShape(result);
    }
}
