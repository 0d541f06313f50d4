using System.Collections;
using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// A relaxed description of a schema used by estimators before fitting: per column its name, vector kind,
/// item type, whether it is a key, and which annotations it carries — without key counts or vector sizes.
/// </summary>
public sealed class SchemaShape : IReadOnlyList<SchemaShape.Column>
{
    private readonly Column[] _columns;

    /// <summary>Creates a shape from columns.</summary>
    /// <param name="columns">The columns.</param>
    public SchemaShape(IEnumerable<Column> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = columns.ToArray();
    }

    /// <summary>The number of columns.</summary>
    public int Count => _columns.Length;

    /// <summary>The column at <paramref name="index"/>.</summary>
    /// <param name="index">The position.</param>
    public Column this[int index] => _columns[index];

    /// <summary>Finds the column named <paramref name="name"/>.</summary>
    /// <param name="name">The name.</param>
    /// <param name="column">Receives the column when found.</param>
    /// <returns><see langword="true"/> when found.</returns>
    public bool TryFindColumn(string name, out Column column)
    {
        ArgumentNullException.ThrowIfNull(name);
        // Later columns hide earlier ones of the same name, as in a schema.
        for (int i = _columns.Length - 1; i >= 0; i--)
        {
            if (_columns[i].Name == name)
            {
                column = _columns[i];
                return true;
            }
        }
        column = default;
        return false;
    }

    /// <summary>The shape of the visible columns of <paramref name="schema"/>.</summary>
    /// <param name="schema">The schema.</param>
    /// <returns>The shape.</returns>
    public static SchemaShape Create(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var columns = new List<Column>();
        foreach (var c in schema)
        {
            if (c.IsHidden) continue;
            var annotations = new List<Column>();
            foreach (var a in c.Annotations.Schema)
                if (!a.IsHidden)
                    annotations.Add(FromType(a.Name, a.Type, null));
            columns.Add(FromType(c.Name, c.Type, new SchemaShape(annotations)));
        }
        return new SchemaShape(columns);
    }

    internal static Column FromType(string name, DataViewType type, SchemaShape? annotations)
    {
        var kind = type is VectorDataViewType v ? (v.IsKnownSize ? Column.VectorKind.Vector : Column.VectorKind.VariableVector) : Column.VectorKind.Scalar;
        var item = type.GetItemType();
        bool isKey = item is KeyDataViewType;
        if (isKey) item = NumberDataViewType.FromType(item.RawType)!;
        return new Column(name, kind, item, isKey, annotations);
    }

    /// <inheritdoc/>
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A column of a shape.</summary>
    public readonly struct Column
    {
        /// <summary>Whether the column is a scalar, a known-size vector or a variable-size vector.</summary>
        public enum VectorKind
        {
            /// <summary>A single value.</summary>
            Scalar,
            /// <summary>A vector of known size.</summary>
            Vector,
            /// <summary>A vector of variable size.</summary>
            VariableVector,
        }

        /// <summary>Creates a column description.</summary>
        /// <param name="name">The column name.</param>
        /// <param name="vecKind">Scalar or vector.</param>
        /// <param name="itemType">The item type; for keys the raw unsigned type (for example UInt32).</param>
        /// <param name="isKey">Whether the items are keys.</param>
        /// <param name="annotations">The annotations present, or <see langword="null"/> for none.</param>
        public Column(string name, VectorKind vecKind, DataViewType itemType, bool isKey, SchemaShape? annotations = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            ArgumentNullException.ThrowIfNull(itemType);
            if (itemType is KeyDataViewType)
                throw new ArgumentException("Item type cannot be a key; pass its raw type and isKey: true.", nameof(itemType));
            if (itemType is VectorDataViewType)
                throw new ArgumentException("Item type cannot be a vector.", nameof(itemType));
            if (isKey && !KeyDataViewType.IsValidDataType(itemType.RawType))
                throw new ArgumentException($"The item type {itemType} is not valid for a key.", nameof(itemType));
            Name = name;
            Kind = vecKind;
            ItemType = itemType;
            IsKey = isKey;
            Annotations = annotations ?? new SchemaShape(Array.Empty<Column>());
        }

        /// <summary>The column name.</summary>
        public string Name { get; }

        /// <summary>Scalar or vector.</summary>
        public VectorKind Kind { get; }

        /// <summary>The item type (for keys, the raw unsigned type).</summary>
        public DataViewType ItemType { get; }

        /// <summary>Whether the items are keys.</summary>
        public bool IsKey { get; }

        /// <summary>The annotations present on the column.</summary>
        public SchemaShape Annotations { get; }

        /// <summary>Whether this is a real column (not the default value).</summary>
        public bool IsValid => Name != null;

        /// <summary>
        /// Whether <paramref name="source"/> satisfies this column as a requirement: same name, kind, item type and
        /// key-ness, and every annotation required here present there with a compatible shape.
        /// </summary>
        /// <param name="source">The candidate column.</param>
        /// <returns><see langword="true"/> when compatible.</returns>
        public bool IsCompatibleWith(Column source)
        {
            if (!source.IsValid) return false;
            if (Name != source.Name || Kind != source.Kind || !ItemType.Equals(source.ItemType) || IsKey != source.IsKey)
                return false;
            foreach (var a in Annotations)
                if (!source.Annotations.TryFindColumn(a.Name, out var sa) || !a.IsCompatibleWith(sa))
                    return false;
            return true;
        }

        /// <summary>ML.NET's short type form: <c>Single</c>, <c>Key&lt;UInt32&gt;</c>, <c>Vector&lt;Single&gt;</c>, <c>VarVector&lt;Single&gt;</c>.</summary>
        /// <returns>The type description.</returns>
        public string GetTypeString()
        {
            string result = ItemType.ToString()!;
            if (IsKey) result = $"Key<{result}>";
            if (Kind == VectorKind.Vector) result = $"Vector<{result}>";
            else if (Kind == VectorKind.VariableVector) result = $"VarVector<{result}>";
            return result;
        }

        /// <summary>The name and type string.</summary>
        /// <returns>The description.</returns>
        public override string ToString() => $"{Name}: {GetTypeString()}";
    }
}
