using System.Globalization;
using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The key values of the label the network was trained on (e.g. "0" … "9", or the strings <c>MapValueToKey</c> saw),
/// kept to become <c>PredictedLabel</c>'s <c>KeyValues</c> (same item type) and, as text, <c>Score</c>'s
/// <c>SlotNames</c>. <see cref="None"/> when the label has no key values.
/// </summary>
internal sealed class LabelKeyValues
{
    public static readonly LabelKeyValues None = new(null, null);

    /// <param name="type">The annotation's type, a vector of the key values' item type.</param>
    /// <param name="values">A boxed <c>VBuffer&lt;T&gt;</c> of that item type.</param>
    public LabelKeyValues(VectorDataViewType? type, object? values)
    {
        if ((type is null) != (values is null))
            throw new ArgumentException("Key values need both their type and their values.");
        Type = type;
        Values = values;
        if (values != null)
        {
            var dense = (System.Collections.IEnumerable)values.GetType().GetMethod(nameof(VBuffer<int>.DenseValues))!.Invoke(values, null)!;
            SlotNames = dense.Cast<object>().Select(v => v switch
            {
                ReadOnlyMemory<char> t => t.ToString(),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => v?.ToString() ?? "",
            }).ToArray();
        }
    }

    public VectorDataViewType? Type { get; }

    public object? Values { get; }

    /// <summary>The key values as text, or <see langword="null"/>.</summary>
    public string[]? SlotNames { get; }

    /// <summary>The key values of <paramref name="label"/>, when it has a <c>KeyValues</c> annotation.</summary>
    public static LabelKeyValues Of(DataViewSchema.Column label)
    {
        var column = label.Annotations.Schema.GetColumnOrNull(AnnotationNames.KeyValues);
        if (column is not { Type: VectorDataViewType type }) return None;
        var read = typeof(LabelKeyValues).GetMethod(nameof(Read), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(type.ItemType.RawType);
        return new LabelKeyValues(type, read.Invoke(null, new object[] { label }));
    }

    private static object Read<T>(DataViewSchema.Column label)
    {
        VBuffer<T> values = default;
        label.GetKeyValues(ref values);
        return values;
    }

    /// <summary>Adds the values as the annotation <paramref name="name"/> (<c>KeyValues</c>, <c>TrainingLabelValues</c>)
    /// to <paramref name="builder"/>; nothing when there are none.</summary>
    public void AddTo(DataViewSchema.Annotations.Builder builder, string name)
    {
        if (Type is null) return;
        typeof(LabelKeyValues).GetMethod(nameof(Add), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(Type.ItemType.RawType).Invoke(null, new[] { builder, name, Type, Values });
    }

    private static void Add<T>(DataViewSchema.Annotations.Builder builder, string name, VectorDataViewType type, VBuffer<T> values)
        => builder.Add(name, type, (ref VBuffer<T> dst) => values.CopyTo(ref dst));
}
