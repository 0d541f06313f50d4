using System.Text.Json.Nodes;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The label's key values as JSON, so that our own loader gives <c>PredictedLabel</c> the same <c>KeyValues</c>
/// (item type and values) the trained transformer had. Text, numbers and booleans are kept; other item types
/// (which a <c>MapValueToKey</c> label does not produce) are left out, and the model loads without key values.
/// </summary>
internal static class KeyValuesJson
{
    private static readonly PrimitiveDataViewType[] s_types =
    {
        TextDataViewType.Instance, BooleanDataViewType.Instance,
        NumberDataViewType.Single, NumberDataViewType.Double,
        NumberDataViewType.SByte, NumberDataViewType.Byte, NumberDataViewType.Int16, NumberDataViewType.UInt16,
        NumberDataViewType.Int32, NumberDataViewType.UInt32, NumberDataViewType.Int64, NumberDataViewType.UInt64,
    };

    /// <summary>The item type's name and the values, or <see langword="null"/> when there are none to keep.</summary>
    public static (string Type, JsonArray Values)? Write(LabelKeyValues keyValues)
    {
        if (keyValues.Type is null || keyValues.Values is null) return null;
        var itemType = keyValues.Type.ItemType;
        if (!s_types.Contains(itemType)) return null;
        var dense = (System.Collections.IEnumerable)keyValues.Values.GetType().GetMethod(nameof(VBuffer<int>.DenseValues))!.Invoke(keyValues.Values, null)!;
        var array = new JsonArray();
        foreach (var v in dense)
            array.Add(v is ReadOnlyMemory<char> text ? JsonValue.Create(text.ToString()) : JsonValue.Create(v));
        return (itemType.ToString() ?? itemType.RawType.Name, array);
    }

    /// <summary>Rebuilds key values written by <see cref="Write"/>; throws <see cref="FormatException"/> when they do not
    /// fit <paramref name="count"/> classes or their type.</summary>
    public static LabelKeyValues Read(string typeName, JsonArray values, int count)
    {
        var itemType = s_types.FirstOrDefault(t => t.ToString() == typeName)
            ?? throw new FormatException($"the key values' type '{typeName}' is not one this library writes");
        if (values.Count != count)
            throw new FormatException($"{values.Count} key values for {count} classes");
        var make = typeof(KeyValuesJson).GetMethod(nameof(Make), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(itemType.RawType);
        try
        {
            return new LabelKeyValues(new VectorDataViewType(itemType, count), make.Invoke(null, new object[] { values }));
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is FormatException or InvalidOperationException or OverflowException)
        {
            throw new FormatException($"a key value is not a {typeName}", e.InnerException);
        }
    }

    private static VBuffer<T> Make<T>(JsonArray values)
    {
        var items = new T[values.Count];
        for (int i = 0; i < items.Length; i++)
        {
            var node = values[i] ?? throw new FormatException("a key value is null");
            items[i] = typeof(T) == typeof(ReadOnlyMemory<char>)
                ? (T)(object)node.GetValue<string>().AsMemory()
                : node.GetValue<T>();
        }
        return new VBuffer<T>(items.Length, items);
    }
}
