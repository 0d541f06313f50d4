using System.Collections;
using System.Collections.Immutable;
using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// The ordered columns of an <see cref="IDataView"/>. A column whose name is reused by a later column is hidden:
/// it keeps its index but lookups by name find the later one.
/// </summary>
public sealed class DataViewSchema : IReadOnlyList<DataViewSchema.Column>
{
    private readonly Column[] _columns;
    private readonly Dictionary<string, int> _nameToIndex;

    private DataViewSchema(Column[] columns)
    {
        _columns = columns;
        _nameToIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in columns)
            _nameToIndex[c.Name] = c.Index;
    }

    /// <summary>The number of columns, hidden ones included.</summary>
    public int Count => _columns.Length;

    /// <summary>The column at <paramref name="columnIndex"/>.</summary>
    /// <param name="columnIndex">An index in [0, Count).</param>
    public Column this[int columnIndex]
    {
        get
        {
            if ((uint)columnIndex >= (uint)_columns.Length)
                throw new ArgumentOutOfRangeException(nameof(columnIndex), columnIndex, $"Column index must be in [0, {_columns.Length}).");
            return _columns[columnIndex];
        }
    }

    /// <summary>The visible column named <paramref name="name"/>; throws <see cref="ArgumentOutOfRangeException"/> if there is none.</summary>
    /// <param name="name">The column name.</param>
    public Column this[string name]
        => GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' not found");

    /// <summary>The visible column named <paramref name="name"/>, or <see langword="null"/>.</summary>
    /// <param name="name">The column name.</param>
    /// <returns>The column or <see langword="null"/>.</returns>
    public Column? GetColumnOrNull(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentNullException(nameof(name));
        return _nameToIndex.TryGetValue(name, out int i) ? _columns[i] : null;
    }

    /// <inheritdoc/>
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The number of columns, as ML.NET prints a schema (<c>3 columns</c>).</summary>
    /// <returns>The description.</returns>
    public override string ToString() => $"{Count} columns";

    /// <summary>A column of a schema: its name, position, type and annotations.</summary>
    public readonly struct Column
    {
        internal Column(string name, int index, bool isHidden, DataViewType type, Annotations annotations)
        {
            Name = name;
            Index = index;
            IsHidden = isHidden;
            Type = type;
            Annotations = annotations;
        }

        /// <summary>The column name.</summary>
        public string Name { get; }

        /// <summary>The position of the column in its schema.</summary>
        public int Index { get; }

        /// <summary>Whether a later column has the same name.</summary>
        public bool IsHidden { get; }

        /// <summary>The type of the column's values.</summary>
        public DataViewType Type { get; }

        /// <summary>The column's annotations (key values, slot names, score kinds, ...).</summary>
        public Annotations Annotations { get; }

        /// <summary>Describes the column as ML.NET does: <c>name: type</c>, then the annotation kinds in braces.</summary>
        /// <returns>The description.</returns>
        public override string ToString()
            => Annotations.Schema.Count == 0 ? $"{Name}: {Type}" : $"{Name}: {Type} {{{string.Join(", ", Annotations.Schema.Select(a => a.Name))}}}";
    }

    /// <summary>A column description not yet attached to a schema.</summary>
    public readonly struct DetachedColumn
    {
        /// <summary>Creates a detached column.</summary>
        /// <param name="name">The column name.</param>
        /// <param name="type">The column type.</param>
        /// <param name="annotations">The annotations, or <see langword="null"/> for none.</param>
        public DetachedColumn(string name, DataViewType type, Annotations? annotations = null)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentNullException(nameof(name));
            Name = name;
            Type = type ?? throw new ArgumentNullException(nameof(type));
            Annotations = annotations ?? Annotations.Empty;
        }

        /// <summary>Detaches a schema column (name, type, annotations).</summary>
        /// <param name="column">The column to copy.</param>
        public DetachedColumn(Column column)
        {
            Name = column.Name;
            Type = column.Type;
            Annotations = column.Annotations;
        }

        /// <summary>The column name.</summary>
        public string Name { get; }

        /// <summary>The column type.</summary>
        public DataViewType Type { get; }

        /// <summary>The column annotations.</summary>
        public Annotations Annotations { get; }
    }

    /// <summary>Builds a <see cref="DataViewSchema"/> column by column.</summary>
    public sealed class Builder
    {
        private readonly List<(string Name, DataViewType Type, Annotations Annotations)> _items = new();

        /// <summary>Appends a column.</summary>
        /// <param name="name">The column name.</param>
        /// <param name="type">The column type.</param>
        /// <param name="annotations">The annotations, or <see langword="null"/> for none.</param>
        public void AddColumn(string name, DataViewType type, Annotations? annotations = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            ArgumentNullException.ThrowIfNull(type);
            _items.Add((name, type, annotations ?? Annotations.Empty));
        }

        /// <summary>Appends copies of columns (name, type, annotations).</summary>
        /// <param name="source">The columns to copy.</param>
        public void AddColumns(IEnumerable<Column> source)
        {
            ArgumentNullException.ThrowIfNull(source);
            foreach (var c in source)
                AddColumn(c.Name, c.Type, c.Annotations);
        }

        /// <summary>Appends detached columns.</summary>
        /// <param name="source">The columns to append.</param>
        public void AddColumns(IEnumerable<DetachedColumn> source)
        {
            ArgumentNullException.ThrowIfNull(source);
            foreach (var c in source)
                AddColumn(c.Name, c.Type, c.Annotations);
        }

        /// <summary>Builds the schema; a column is hidden when a later one has the same name.</summary>
        /// <returns>The schema.</returns>
        public DataViewSchema ToSchema()
        {
            var lastIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < _items.Count; i++)
                lastIndex[_items[i].Name] = i;
            var columns = new Column[_items.Count];
            for (int i = 0; i < columns.Length; i++)
            {
                var (name, type, ann) = _items[i];
                columns[i] = new Column(name, i, lastIndex[name] != i, type, ann);
            }
            return new DataViewSchema(columns);
        }
    }

    /// <summary>
    /// Named, typed values attached to a column. <see cref="Schema"/> lists the kinds as columns; values are read
    /// with <see cref="GetValue{TValue}(string, ref TValue)"/>.
    /// </summary>
    public sealed class Annotations
    {
        private readonly Delegate[] _getters;

        internal Annotations(DataViewSchema schema, Delegate[] getters)
        {
            Schema = schema;
            _getters = getters;
        }

        /// <summary>Annotations with no values.</summary>
        public static Annotations Empty { get; } = new(new DataViewSchema(Array.Empty<Column>()), Array.Empty<Delegate>());

        /// <summary>The annotation kinds as columns (name = kind, type = value type).</summary>
        public DataViewSchema Schema { get; }

        /// <summary>A getter for the annotation described by <paramref name="column"/> (a column of <see cref="Schema"/>).</summary>
        /// <typeparam name="TValue">The raw type of the annotation.</typeparam>
        /// <param name="column">A column of <see cref="Schema"/>.</param>
        /// <returns>The getter.</returns>
        public ValueGetter<TValue> GetGetter<TValue>(Column column)
        {
            if ((uint)column.Index >= (uint)_getters.Length || Schema[column.Index].Name != column.Name)
                throw new ArgumentException($"Annotation '{column.Name}' is not part of these annotations.", nameof(column));
            return _getters[column.Index] as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Invalid call to '{nameof(GetGetter)}'");
        }

        /// <summary>Reads the annotation of kind <paramref name="kind"/>.</summary>
        /// <typeparam name="TValue">The raw type of the annotation.</typeparam>
        /// <param name="kind">The annotation kind, for example <see cref="AnnotationUtils.Kinds.KeyValues"/>.</param>
        /// <param name="value">Receives the value.</param>
        public void GetValue<TValue>(string kind, ref TValue value)
        {
            var column = Schema.GetColumnOrNull(kind)
                ?? throw new InvalidOperationException($"Invalid call to '{nameof(GetValue)}'");
            GetGetter<TValue>(column)(ref value);
        }

        /// <summary>Lists the annotation kinds.</summary>
        /// <returns>The description.</returns>
        public override string ToString() => string.Join(", ", Schema.Select(c => c.Name));

        /// <summary>Builds <see cref="Annotations"/> one kind at a time.</summary>
        public sealed class Builder
        {
            private readonly List<(string Kind, DataViewType Type, Delegate Getter, Annotations Inner)> _items = new();

            /// <summary>Adds an annotation computed by <paramref name="getter"/>.</summary>
            /// <typeparam name="TValue">The raw type; must match <paramref name="type"/>.</typeparam>
            /// <param name="kind">The annotation kind.</param>
            /// <param name="type">The value type.</param>
            /// <param name="getter">Produces the value.</param>
            /// <param name="annotations">Annotations of the annotation, or <see langword="null"/>.</param>
            public void Add<TValue>(string kind, DataViewType type, ValueGetter<TValue> getter, Annotations? annotations = null)
            {
                ArgumentException.ThrowIfNullOrEmpty(kind);
                ArgumentNullException.ThrowIfNull(type);
                ArgumentNullException.ThrowIfNull(getter);
                if (type.RawType != typeof(TValue))
                    throw new ArgumentException($"Annotation '{kind}': type {type} is exchanged as {type.RawType.Name}, not {typeof(TValue).Name}.", nameof(type));
                _items.Add((kind, type, getter, annotations ?? Empty));
            }

            /// <summary>Adds an annotation computed by <paramref name="getter"/>, a <c>ValueGetter</c> of the raw type of <paramref name="type"/>.</summary>
            /// <param name="kind">The annotation kind.</param>
            /// <param name="type">The value type.</param>
            /// <param name="getter">Produces the value.</param>
            /// <param name="annotations">Annotations of the annotation, or <see langword="null"/>.</param>
            public void Add(string kind, DataViewType type, Delegate getter, Annotations? annotations = null)
            {
                ArgumentException.ThrowIfNullOrEmpty(kind);
                ArgumentNullException.ThrowIfNull(type);
                ArgumentNullException.ThrowIfNull(getter);
                if (getter.GetType() != typeof(ValueGetter<>).MakeGenericType(type.RawType))
                    throw new ArgumentException($"getter must be of type '{typeof(ValueGetter<>).MakeGenericType(type.RawType).FullName}'", nameof(getter));
                _items.Add((kind, type, getter, annotations ?? Empty));
            }

            /// <summary>Adds a constant annotation value (vectors are copied on every read).</summary>
            internal void AddConstant<TValue>(string kind, DataViewType type, TValue value, Annotations? annotations = null)
                => Add(kind, type, MakeConstantGetter(value), annotations);

            /// <summary>Adds a constant primitive annotation value.</summary>
            /// <typeparam name="TValue">The raw type of <paramref name="type"/>.</typeparam>
            /// <param name="kind">The annotation kind.</param>
            /// <param name="type">The primitive type.</param>
            /// <param name="value">The value.</param>
            /// <param name="annotations">Annotations of the annotation, or <see langword="null"/>.</param>
            public void AddPrimitiveValue<TValue>(string kind, PrimitiveDataViewType type, TValue value, Annotations? annotations = null)
                => AddConstant(kind, type, value, annotations);

            /// <summary>Adds <see cref="AnnotationUtils.Kinds.SlotNames"/> of type <c>Vector&lt;String, size&gt;</c>.</summary>
            /// <param name="size">The vector size of the annotated column.</param>
            /// <param name="getter">Produces the names.</param>
            public void AddSlotNames(int size, ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter)
                => Add(AnnotationUtils.Kinds.SlotNames, new VectorDataViewType(TextDataViewType.Instance, size), getter);

            /// <summary>Adds <see cref="AnnotationUtils.Kinds.KeyValues"/> of type <c>Vector&lt;valueType, size&gt;</c>.</summary>
            /// <typeparam name="TValue">The raw type of <paramref name="valueType"/>.</typeparam>
            /// <param name="size">The key count of the annotated column.</param>
            /// <param name="valueType">The type of the values the keys stand for.</param>
            /// <param name="getter">Produces the values.</param>
            public void AddKeyValues<TValue>(int size, PrimitiveDataViewType valueType, ValueGetter<VBuffer<TValue>> getter)
                => Add(AnnotationUtils.Kinds.KeyValues, new VectorDataViewType(valueType, size), getter);

            /// <summary>Copies the annotations of <paramref name="annotations"/> whose kind passes <paramref name="selector"/>.</summary>
            /// <param name="annotations">The source.</param>
            /// <param name="selector">Chooses kinds to copy.</param>
            public void Add(Annotations? annotations, Func<string, bool> selector)
            {
                if (annotations == null) return;
                ArgumentNullException.ThrowIfNull(selector);
                foreach (var c in annotations.Schema)
                    if (!c.IsHidden && selector(c.Name))
                        _items.Add((c.Name, c.Type, annotations._getters[c.Index], c.Annotations));
            }

            /// <summary>Builds the annotations.</summary>
            /// <returns>The annotations.</returns>
            public Annotations ToAnnotations()
            {
                var sb = new DataViewSchema.Builder();
                foreach (var item in _items)
                    sb.AddColumn(item.Kind, item.Type, item.Inner);
                return new Annotations(sb.ToSchema(), _items.Select(i => i.Getter).ToArray());
            }

            private static ValueGetter<TValue> MakeConstantGetter<TValue>(TValue value)
            {
                // Vector values are copied into the caller's buffer so that callers cannot alter the stored value.
                if (value is VBuffer<float> vf) return (ValueGetter<TValue>)(Delegate)CopyGetter(vf);
                if (value is VBuffer<double> vd) return (ValueGetter<TValue>)(Delegate)CopyGetter(vd);
                if (value is VBuffer<ReadOnlyMemory<char>> vt) return (ValueGetter<TValue>)(Delegate)CopyGetter(vt);
                if (value is VBuffer<uint> vu) return (ValueGetter<TValue>)(Delegate)CopyGetter(vu);
                if (value is VBuffer<int> vi) return (ValueGetter<TValue>)(Delegate)CopyGetter(vi);
                if (value is VBuffer<bool> vb) return (ValueGetter<TValue>)(Delegate)CopyGetter(vb);
                return (ref TValue dst) => dst = value;
            }

            private static ValueGetter<VBuffer<T>> CopyGetter<T>(VBuffer<T> value)
                => (ref VBuffer<T> dst) => value.CopyTo(ref dst);
        }
    }
}
