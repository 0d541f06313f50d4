namespace Microsoft.ML.Data;

/// <summary>A type whose values are structured (vectors), exchanged through reusable buffers.</summary>
public abstract class StructuredDataViewType : DataViewType
{
    /// <summary>Creates a structured type exchanged as <paramref name="rawType"/>.</summary>
    /// <param name="rawType">The .NET type of the values.</param>
    protected StructuredDataViewType(Type rawType) : base(rawType)
    {
    }
}
