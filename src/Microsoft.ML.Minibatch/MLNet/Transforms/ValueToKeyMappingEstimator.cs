using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Builds a dictionary of the distinct values of a column and maps each value to its key (1-based position in the
/// dictionary); values not in the dictionary, and missing values, map to key 0.
/// </summary>
public sealed class ValueToKeyMappingEstimator : IEstimator<ValueToKeyMappingTransformer>
{
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly int _maximumNumberOfKeys;
    private readonly KeyOrdinality _keyOrdinality;
    private readonly bool _addKeyValueAnnotationsAsText;
    private readonly IDataView? _keyData;

    /// <summary>How keys are ordered.</summary>
    public enum KeyOrdinality : byte
    {
        /// <summary>In the order values first occur in the data.</summary>
        ByOccurrence = 0,
        /// <summary>In ascending order of the values (ordinal order for text).</summary>
        ByValue = 1,
    }

    /// <summary>The default argument values, as ML.NET's.</summary>
    internal static class Defaults
    {
        public const int MaximumNumberOfKeys = 1000000;
        public const KeyOrdinality Ordinality = KeyOrdinality.ByOccurrence;
        public const bool AddKeyValueAnnotationsAsText = false;
    }

    internal ValueToKeyMappingEstimator(string outputColumnName, string? inputColumnName, int maximumNumberOfKeys,
        KeyOrdinality keyOrdinality, bool addKeyValueAnnotationsAsText, IDataView? keyData)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        if (maximumNumberOfKeys <= 0)
            throw new ArgumentOutOfRangeException(nameof(maximumNumberOfKeys), maximumNumberOfKeys, "Must be positive.");
        if (!Enum.IsDefined(keyOrdinality))
            throw new ArgumentOutOfRangeException(nameof(keyOrdinality), keyOrdinality, "Unknown key ordinality.");
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName ?? outputColumnName;
        _maximumNumberOfKeys = maximumNumberOfKeys;
        _keyOrdinality = keyOrdinality;
        _addKeyValueAnnotationsAsText = addKeyValueAnnotationsAsText;
        if (keyData != null && keyData.Schema.Count(c => !c.IsHidden) != 1)
            throw new ArgumentException("keyData must have exactly one column.", nameof(keyData));
        _keyData = keyData;
    }

    internal static bool IsValidItemType(DataViewType item)
        => item is NumberDataViewType or TextDataViewType or BooleanDataViewType or KeyDataViewType;

    /// <inheritdoc/>
    public ValueToKeyMappingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var column = input.Schema[_inputColumnName];
        TermMap map;
        if (_keyData != null)
        {
            var keyColumn = _keyData.Schema.First(c => !c.IsHidden);
            if (!keyColumn.Type.GetItemType().Equals(column.Type.GetItemType()))
                throw SchemaErrors.ExceptSchemaMismatch(nameof(_keyData), "keyData", keyColumn.Name,
                    column.Type.GetItemType().ToString()!, keyColumn.Type.ToString()!);
            map = TermMap.Train(_keyData, keyColumn, _maximumNumberOfKeys, _keyOrdinality);
        }
        else
        {
            map = TermMap.Train(input, column, _maximumNumberOfKeys, _keyOrdinality);
        }
        return new ValueToKeyMappingTransformer(_outputColumnName, _inputColumnName, map, _addKeyValueAnnotationsAsText);
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!inputSchema.TryFindColumn(_inputColumnName, out var column))
            throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", _inputColumnName);
        var item = column.IsKey ? new KeyDataViewType(column.ItemType.RawType, 1) : column.ItemType;
        if (!IsValidItemType(item))
            throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", _inputColumnName,
                "a scalar or vector of numbers, text, booleans or keys", column.GetTypeString());
        var annotations = new List<SchemaShape.Column>
        {
            new(AnnotationUtils.Kinds.KeyValues, SchemaShape.Column.VectorKind.Vector,
                _addKeyValueAnnotationsAsText ? TextDataViewType.Instance : column.ItemType, false),
        };
        if (column.Annotations.TryFindColumn(AnnotationUtils.Kinds.SlotNames, out var slotNames))
            annotations.Add(slotNames);
        var result = inputSchema.ToList();
        result.Add(new SchemaShape.Column(_outputColumnName, column.Kind, NumberDataViewType.UInt32, true, new SchemaShape(annotations)));
        return new SchemaShape(result);
    }
}
