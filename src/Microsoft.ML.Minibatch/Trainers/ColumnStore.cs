using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>Holds one input column's values for a batch of rows, so that a cursor that reads ahead can still serve
/// each row's own values. Vectors are copied, never shared with the caller's buffers.</summary>
internal abstract class ColumnStore
{
    public static ColumnStore Create(DataViewType type, int capacity)
        => (ColumnStore)Activator.CreateInstance(typeof(ColumnStore<>).MakeGenericType(type.RawType), capacity)!;

    /// <summary>Returns an action that reads the current value of <paramref name="column"/> from <paramref name="row"/> into a slot.</summary>
    public abstract Action<int> MakeLoader(DataViewRow row, DataViewSchema.Column column);

    /// <summary>Returns a <c>ValueGetter</c> that copies out the value of the slot <paramref name="slot"/> names.</summary>
    public abstract Delegate MakeGetter(Func<int> slot);
}

internal sealed class ColumnStore<T> : ColumnStore
{
    private static readonly Func<T, T, T> s_copy = MakeCopy();
    private readonly T[] _values;

    public ColumnStore(int capacity)
    {
        _values = new T[capacity];
    }

    public override Action<int> MakeLoader(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        return slot => getter(ref _values[slot]);
    }

    public override Delegate MakeGetter(Func<int> slot)
        => (ValueGetter<T>)((ref T dst) => dst = s_copy(_values[slot()], dst));

    /// <summary>Plain values copy as they are; a VBuffer is copied into the destination's own buffer.</summary>
    private static Func<T, T, T> MakeCopy()
    {
        var t = typeof(T);
        if (!t.IsGenericType || t.GetGenericTypeDefinition() != typeof(VBuffer<>)) return (src, _) => src;
        var method = typeof(ColumnStore<T>).GetMethod(nameof(CopyBuffer), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(t.GetGenericArguments()[0]);
        return (Func<T, T, T>)Delegate.CreateDelegate(typeof(Func<T, T, T>), method);
    }

    private static VBuffer<TItem> CopyBuffer<TItem>(VBuffer<TItem> src, VBuffer<TItem> dst)
    {
        src.CopyTo(ref dst);
        return dst;
    }
}
