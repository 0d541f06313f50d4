using System.Reflection;

namespace Microsoft.ML.Data;

/// <summary>
/// How the public fields and properties of a class map to columns: one <see cref="Column"/> per member, with its
/// column name and type. <see cref="Create"/> derives it from the attributes; entries may then be edited.
/// </summary>
public sealed class SchemaDefinition : List<SchemaDefinition.Column>
{
    /// <summary>Which members are considered: readable ones, writable ones, or both.</summary>
    [Flags]
    public enum Direction
    {
        /// <summary>Members that can be read (producing a data view from objects).</summary>
        Read = 1,
        /// <summary>Members that can be written (filling objects from a data view).</summary>
        Write = 2,
        /// <summary>Members that can be read and written.</summary>
        Both = Read | Write,
    }

    /// <summary>The column mapped from the member named <paramref name="columnName"/>'s column, by column name.</summary>
    /// <param name="columnName">The column name.</param>
    public Column this[string columnName]
        => this.FirstOrDefault(c => c.ColumnName == columnName)
            ?? throw new ArgumentOutOfRangeException(nameof(columnName), $"No column named '{columnName}' in the schema definition.");

    /// <summary>Derives the definition of <paramref name="userType"/> from its public fields and properties and their attributes.</summary>
    /// <param name="userType">The class to map.</param>
    /// <param name="direction">Which members to consider.</param>
    /// <returns>The definition.</returns>
    public static SchemaDefinition Create(Type userType, Direction direction = Direction.Both)
    {
        ArgumentNullException.ThrowIfNull(userType);
        var result = new SchemaDefinition();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in userType.GetMembers(BindingFlags.Public | BindingFlags.Instance))
        {
            Type memberType;
            switch (member)
            {
                case FieldInfo f:
                    if (f.IsInitOnly && direction.HasFlag(Direction.Write)) continue;
                    memberType = f.FieldType;
                    break;
                case PropertyInfo p:
                    if (p.GetIndexParameters().Length > 0) continue;
                    if (direction.HasFlag(Direction.Read) && p.GetGetMethod() == null) continue;
                    if (direction.HasFlag(Direction.Write) && p.GetSetMethod() == null) continue;
                    memberType = p.PropertyType;
                    break;
                default:
                    continue;
            }
            if (member.GetCustomAttribute<NoColumnAttribute>() != null) continue;
            string name = member.GetCustomAttribute<ColumnNameAttribute>()?.Name ?? member.Name;
            if (!seen.Add(name))
                throw new InvalidOperationException($"Type {userType.Name} maps two members to column '{name}'.");
            var type = TypeMapping.InferColumnType(member, memberType);
            result.Add(new Column(member.Name, name, type) { MemberInfo = member, MemberType = memberType });
        }
        return result;
    }

    /// <summary>The mapping of one member to one column.</summary>
    public sealed class Column
    {
        private readonly List<(string Kind, DataViewType Type, object Value)> _annotations = new();

        /// <summary>Maps member <paramref name="memberName"/> to column <paramref name="columnName"/> of type <paramref name="columnType"/>.</summary>
        /// <param name="memberName">The field or property name.</param>
        /// <param name="columnName">The column name.</param>
        /// <param name="columnType">The column type, or <see langword="null"/> to infer it from the member.</param>
        public Column(string memberName, string columnName, DataViewType? columnType = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(memberName);
            ArgumentException.ThrowIfNullOrEmpty(columnName);
            MemberName = memberName;
            ColumnName = columnName;
            ColumnType = columnType;
        }

        /// <summary>The field or property name.</summary>
        public string MemberName { get; }

        /// <summary>The column name.</summary>
        public string ColumnName { get; set; }

        /// <summary>The column type (for example a <see cref="VectorDataViewType"/> of fixed size); <see langword="null"/> to infer.</summary>
        public DataViewType? ColumnType { get; set; }

        internal MemberInfo? MemberInfo { get; set; }

        internal Type? MemberType { get; set; }

        internal IReadOnlyList<(string Kind, DataViewType Type, object Value)> AnnotationValues => _annotations;

        /// <summary>Attaches a constant annotation to the column (for example key values).</summary>
        /// <typeparam name="T">The raw type of the annotation.</typeparam>
        /// <param name="kind">The annotation kind.</param>
        /// <param name="value">The value.</param>
        /// <param name="annotationType">The annotation type.</param>
        public void AddAnnotation<T>(string kind, T value, DataViewType annotationType)
        {
            ArgumentException.ThrowIfNullOrEmpty(kind);
            ArgumentNullException.ThrowIfNull(annotationType);
            if (annotationType.RawType != typeof(T))
                throw new ArgumentException($"Annotation type {annotationType} is exchanged as {annotationType.RawType.Name}, not {typeof(T).Name}.", nameof(annotationType));
            _annotations.Add((kind, annotationType, value!));
        }
    }
}
