namespace Microsoft.ML.Data;

/// <summary>A scalar type whose values are immutable or have value semantics (numbers, text, booleans, keys).</summary>
public abstract class PrimitiveDataViewType : DataViewType
{
    /// <summary>Creates a primitive type exchanged as <paramref name="rawType"/>.</summary>
    /// <param name="rawType">The .NET type of the values.</param>
    protected PrimitiveDataViewType(Type rawType) : base(rawType)
    {
        if (rawType.IsGenericType && rawType.GetGenericTypeDefinition() == typeof(VBuffer<>))
            throw new ArgumentException("A primitive type cannot be exchanged as a VBuffer.", nameof(rawType));
    }
}
