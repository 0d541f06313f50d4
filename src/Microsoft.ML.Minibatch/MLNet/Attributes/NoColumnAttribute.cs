namespace Microsoft.ML.Data;

/// <summary>Excludes a public field or property from the columns of its type.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class NoColumnAttribute : Attribute
{
}
