namespace Microsoft.ML.Data;

/// <summary>
/// ML.NET's schema-validation exceptions, with its wording, for estimators and transformers that check their input:
/// "Could not find {role} column '{name}'" and
/// "Schema mismatch for {role} column '{name}': expected {expected}, got {actual}".
/// Both are <see cref="ArgumentOutOfRangeException"/>, as in ML.NET.
/// </summary>
public static class SchemaErrors
{
    /// <summary>The message ML.NET uses for a missing column, or for a column of the wrong type when <paramref name="actualType"/> is given.</summary>
    /// <param name="columnRole">The role, for example <c>label</c> or <c>feature</c>.</param>
    /// <param name="columnName">The column name.</param>
    /// <param name="expectedType">The expected type, for example <c>Key&lt;UInt32&gt;</c>.</param>
    /// <param name="actualType">The type found, or <see langword="null"/> when the column is missing.</param>
    /// <returns>The message.</returns>
    public static string MakeMessage(string columnRole, string columnName, string? expectedType = null, string? actualType = null)
        => actualType == null
            ? $"Could not find {columnRole} column '{columnName}'"
            : $"Schema mismatch for {columnRole} column '{columnName}': expected {expectedType}, got {actualType}";

    /// <summary>The exception for a missing column.</summary>
    /// <param name="paramName">The argument holding the schema (for example <c>inputSchema</c>).</param>
    /// <param name="columnRole">The role, for example <c>feature</c>.</param>
    /// <param name="columnName">The column name.</param>
    /// <returns>The exception to throw.</returns>
    public static ArgumentOutOfRangeException ExceptSchemaMismatch(string paramName, string columnRole, string columnName)
        => new(paramName, MakeMessage(columnRole, columnName));

    /// <summary>The exception for a column of the wrong type.</summary>
    /// <param name="paramName">The argument holding the schema.</param>
    /// <param name="columnRole">The role, for example <c>label</c>.</param>
    /// <param name="columnName">The column name.</param>
    /// <param name="expectedType">The expected type, for example <c>Key&lt;UInt32&gt;</c>.</param>
    /// <param name="actualType">The type found, for example <c>String</c>.</param>
    /// <returns>The exception to throw.</returns>
    public static ArgumentOutOfRangeException ExceptSchemaMismatch(string paramName, string columnRole, string columnName,
        string expectedType, string actualType)
        => new(paramName, MakeMessage(columnRole, columnName, expectedType, actualType));

    /// <summary>
    /// Finds <paramref name="columnName"/> in <paramref name="inputSchema"/> and checks it against <paramref name="isValid"/>;
    /// throws the matching schema-mismatch exception (actual type in <see cref="SchemaShape.Column.GetTypeString"/> form).
    /// </summary>
    /// <param name="inputSchema">The shape to search.</param>
    /// <param name="columnRole">The role, for example <c>label</c>.</param>
    /// <param name="columnName">The column name.</param>
    /// <param name="expectedType">The expected type as shown in the message.</param>
    /// <param name="isValid">Accepts valid columns.</param>
    /// <returns>The column.</returns>
    public static SchemaShape.Column CheckColumn(SchemaShape inputSchema, string columnRole, string columnName,
        string expectedType, Func<SchemaShape.Column, bool> isValid)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(isValid);
        if (!inputSchema.TryFindColumn(columnName, out var column))
            throw ExceptSchemaMismatch(nameof(inputSchema), columnRole, columnName);
        if (!isValid(column))
            throw ExceptSchemaMismatch(nameof(inputSchema), columnRole, columnName, expectedType, column.GetTypeString());
        return column;
    }

    /// <summary>
    /// Finds <paramref name="columnName"/> in <paramref name="inputSchema"/> and checks it against <paramref name="isValid"/>;
    /// throws the matching schema-mismatch exception (actual type in <see cref="SchemaShape.Column.GetTypeString"/> form).
    /// </summary>
    /// <param name="inputSchema">The schema to search.</param>
    /// <param name="columnRole">The role, for example <c>label</c>.</param>
    /// <param name="columnName">The column name.</param>
    /// <param name="expectedType">The expected type as shown in the message.</param>
    /// <param name="isValid">Accepts valid column types.</param>
    /// <returns>The column.</returns>
    public static DataViewSchema.Column CheckColumn(DataViewSchema inputSchema, string columnRole, string columnName,
        string expectedType, Func<DataViewType, bool> isValid)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(isValid);
        var column = inputSchema.GetColumnOrNull(columnName)
            ?? throw ExceptSchemaMismatch(nameof(inputSchema), columnRole, columnName);
        if (!isValid(column.Type))
            throw ExceptSchemaMismatch(nameof(inputSchema), columnRole, columnName, expectedType,
                SchemaShape.FromType(column.Name, column.Type, null).GetTypeString());
        return column;
    }
}
