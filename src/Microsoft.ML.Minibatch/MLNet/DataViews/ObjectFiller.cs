using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Fills the members of <typeparamref name="T"/> objects from the columns of a schema (CreateEnumerable, PredictionEngine).</summary>
internal sealed class ObjectFiller<T>
    where T : class
{
    private readonly (MemberBinding Binding, DataViewSchema.Column Column)[] _bound;

    public ObjectFiller(DataViewSchema schema, bool ignoreMissingColumns, SchemaDefinition? definition)
    {
        var columns = TypeMapping.Resolve(typeof(T), definition, SchemaDefinition.Direction.Write);
        var bound = new List<(MemberBinding, DataViewSchema.Column)>();
        foreach (var c in columns)
        {
            var column = schema.GetColumnOrNull(c.ColumnName);
            if (column == null)
            {
                if (ignoreMissingColumns) continue;
                // ML.NET reports this with an empty role: "Could not find  column 'X'".
                throw SchemaErrors.ExceptSchemaMismatch("Schema", "", c.ColumnName);
            }
            if (!TypeMapping.IsCompatible(c.ColumnType!, column.Value.Type))
                throw new InvalidOperationException(
                    $"Can't bind the IDataView column '{c.ColumnName}' of type '{column.Value.Type}' to field or property '{c.MemberName}' of type '{c.MemberType}'.");
            // Bind with the data's actual type so that, for example, a uint member reads a key column.
            var actual = new SchemaDefinition.Column(c.MemberName, c.ColumnName, column.Value.Type) { MemberInfo = c.MemberInfo, MemberType = c.MemberType };
            bound.Add((TypeMapping.Bind(actual), column.Value));
        }
        _bound = bound.ToArray();
    }

    public IEnumerable<DataViewSchema.Column> ColumnsNeeded => _bound.Select(b => b.Column);

    public Action<T> CreateFiller(DataViewRow row)
    {
        var fillers = _bound.Select(b => b.Binding.MakeFiller(row, b.Column)).ToArray();
        return obj =>
        {
            foreach (var f in fillers) f(obj);
        };
    }
}
