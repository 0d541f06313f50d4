namespace Microsoft.ML.Data;

/// <summary>Reads a whole column of a data view, as ML.NET's <c>GetColumn</c>.</summary>
public static class ColumnCursorExtensions
{
    /// <summary>
    /// The values of column <paramref name="columnName"/>, lazily. <typeparamref name="T"/> is the column's raw type,
    /// <see cref="string"/> for text, or an array of the item type for vectors (a new array per row).
    /// </summary>
    /// <typeparam name="T">The element type to return.</typeparam>
    /// <param name="data">The data.</param>
    /// <param name="columnName">The column.</param>
    /// <returns>The values.</returns>
    public static IEnumerable<T> GetColumn<T>(this IDataView data, string columnName)
    {
        ArgumentNullException.ThrowIfNull(data);
        var column = data.Schema.GetColumnOrNull(columnName)
            ?? throw new ArgumentOutOfRangeException(nameof(columnName), $"Column '{columnName}' not found");
        return data.GetColumn<T>(column);
    }

    /// <summary>The values of <paramref name="column"/>, lazily (see <see cref="GetColumn{T}(IDataView, string)"/>).</summary>
    /// <typeparam name="T">The element type to return.</typeparam>
    /// <param name="data">The data.</param>
    /// <param name="column">A column of the data's schema.</param>
    /// <returns>The values.</returns>
    public static IEnumerable<T> GetColumn<T>(this IDataView data, DataViewSchema.Column column)
    {
        ArgumentNullException.ThrowIfNull(data);
        var definition = new SchemaDefinition.Column("Value", column.Name, column.Type)
        {
            MemberInfo = typeof(Holder<T>).GetField(nameof(Holder<T>.Value)),
            MemberType = typeof(T),
        };
        if (!IsBindable(column.Type, typeof(T)))
            throw new InvalidOperationException($"Could not read column '{column.Name}' of type {column.Type} as {typeof(T).Name}.");
        var binding = TypeMapping.Bind(definition);
        return Enumerate<T>(data, column, binding);
    }

    private static bool IsBindable(DataViewType type, Type member)
    {
        if (type is VectorDataViewType v)
            return member == type.RawType || member.IsArray && (member.GetElementType() == v.ItemType.RawType
                || member == typeof(string[]) && v.ItemType is TextDataViewType);
        return member == type.RawType || member == typeof(string) && type is TextDataViewType;
    }

    private static IEnumerable<T> Enumerate<T>(IDataView data, DataViewSchema.Column column, MemberBinding binding)
    {
        using var cursor = data.GetRowCursor(new[] { column });
        var fill = binding.MakeFiller(cursor, column);
        while (cursor.MoveNext())
        {
            var holder = new Holder<T>();
            fill(holder);
            yield return holder.Value;
        }
    }

    private sealed class Holder<T>
    {
        public T Value = default!;
    }
}
