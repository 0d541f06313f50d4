using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Copies values of a raw type so that a stored value never shares buffers with a caller's.</summary>
internal static class ValueCopy<T>
{
    public static readonly Func<T, T, T> Copy = Make();

    private static Func<T, T, T> Make()
    {
        var t = typeof(T);
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(VBuffer<>))
        {
            var method = typeof(ValueCopy<T>).GetMethod(nameof(CopyBuffer), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(t.GetGenericArguments()[0]);
            return (Func<T, T, T>)Delegate.CreateDelegate(typeof(Func<T, T, T>), method);
        }
        return (src, _) => src;
    }

    private static VBuffer<TItem> CopyBuffer<TItem>(VBuffer<TItem> src, VBuffer<TItem> dst)
    {
        src.CopyTo(ref dst);
        return dst;
    }
}

/// <summary>Storage for values of one column, slot by slot; used by shuffling and caching.</summary>
internal abstract class ColumnStore
{
    public static ColumnStore Create(DataViewType type, int capacity)
        => (ColumnStore)Activator.CreateInstance(typeof(ColumnStore<>).MakeGenericType(type.RawType), capacity)!;

    /// <summary>Returns an action that reads the current value of <paramref name="column"/> from <paramref name="row"/> into a slot.</summary>
    public abstract Action<int> MakeLoader(DataViewRow row, DataViewSchema.Column column);

    /// <summary>Returns a <c>ValueGetter</c> that copies the value of the slot given by <paramref name="slot"/>.</summary>
    public abstract Delegate MakeGetter(Func<int> slot);

    public abstract void Move(int from, int to);

    public abstract void EnsureCapacity(int capacity);
}

internal sealed class ColumnStore<T> : ColumnStore
{
    private T[] _values;

    public ColumnStore(int capacity)
    {
        _values = new T[Math.Max(capacity, 1)];
    }

    public override Action<int> MakeLoader(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        return slot => getter(ref _values[slot]);
    }

    public override Delegate MakeGetter(Func<int> slot)
        => (ValueGetter<T>)((ref T dst) => dst = ValueCopy<T>.Copy(_values[slot()], dst));

    public override void Move(int from, int to)
    {
        // Swap so that the buffers of both slots stay distinct and reusable.
        (_values[to], _values[from]) = (_values[from], _values[to]);
    }

    public override void EnsureCapacity(int capacity)
    {
        if (capacity > _values.Length)
            Array.Resize(ref _values, Math.Max(capacity, _values.Length * 2));
    }
}
