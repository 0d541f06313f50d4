using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// A data view over an <see cref="IEnumerable{T}"/> of objects; every cursor enumerates the source again, so
/// changes to the source between cursors are seen, as with ML.NET's <c>LoadFromEnumerable</c>.
/// </summary>
internal sealed class EnumerableDataView<T> : IDataView
    where T : class
{
    private readonly IEnumerable<T> _data;
    private readonly MemberBinding[] _bindings;

    public EnumerableDataView(IEnumerable<T> data, SchemaDefinition? definition)
    {
        _data = data;
        var columns = TypeMapping.Resolve(typeof(T), definition, SchemaDefinition.Direction.Read);
        _bindings = columns.Select(TypeMapping.Bind).ToArray();
        Schema = BuildSchema(_bindings);
    }

    /// <summary>A view whose schema (types and annotations) is given; each column is read from the member of that column name.</summary>
    public EnumerableDataView(IEnumerable<T> data, DataViewSchema schema)
    {
        _data = data;
        var members = TypeMapping.Resolve(typeof(T), null, SchemaDefinition.Direction.Read).ToDictionary(c => c.ColumnName);
        var bindings = new List<MemberBinding>();
        foreach (var column in schema)
        {
            if (!members.TryGetValue(column.Name, out var member))
                throw new ArgumentOutOfRangeException(nameof(schema), $"Type {typeof(T).Name} has no member for column '{column.Name}'.");
            var bound = new SchemaDefinition.Column(member.MemberName, column.Name, column.Type) { MemberInfo = member.MemberInfo, MemberType = member.MemberType };
            bindings.Add(TypeMapping.Bind(bound));
        }
        _bindings = bindings.ToArray();
        Schema = schema;
    }

    internal static DataViewSchema BuildSchema(IEnumerable<MemberBinding> bindings)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var b in bindings)
        {
            var annotations = new DataViewSchema.Annotations.Builder();
            foreach (var (kind, type, value) in b.Column.AnnotationValues)
                ModelJson.AddBoxed(annotations, kind, type, value);
            builder.AddColumn(b.ColumnName, b.ColumnType, annotations.ToAnnotations());
        }
        return builder.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _data switch
    {
        ICollection<T> c => c.Count,
        IReadOnlyCollection<T> r => r.Count,
        _ => null,
    };

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : CursorBase
    {
        private readonly IEnumerator<T> _enumerator;
        private readonly Delegate?[] _getters;
        private T? _current;

        public Cursor(EnumerableDataView<T> view, IEnumerable<DataViewSchema.Column> columnsNeeded)
            : base(view.Schema, columnsNeeded)
        {
            _enumerator = view._data.GetEnumerator();
            _getters = new Delegate?[view._bindings.Length];
            for (int i = 0; i < _getters.Length; i++)
                if (IsColumnActive(view.Schema[i]))
                    _getters[i] = view._bindings[i].MakeGetter(() => _current);
        }

        protected override bool MoveNextCore()
        {
            if (!_enumerator.MoveNext())
            {
                _current = null;
                return false;
            }
            _current = _enumerator.Current ?? throw new InvalidOperationException("The enumerable contains a null row.");
            return true;
        }

        protected override Delegate GetGetterCore(DataViewSchema.Column column) => _getters[column.Index]!;

        protected override void DisposeCore() => _enumerator.Dispose();
    }
}
