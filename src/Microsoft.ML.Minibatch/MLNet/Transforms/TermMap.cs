using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>The ordered distinct values (terms) of a column and the value → key mapping they define.</summary>
internal abstract class TermMap
{
    public abstract PrimitiveDataViewType ItemType { get; }

    public abstract int Count { get; }

    /// <summary>The terms as a value of <c>Vector&lt;ItemType, Count&gt;</c> (boxed VBuffer).</summary>
    public abstract object TermsVector { get; }

    public abstract Delegate MakeGetter(DataViewRow input, DataViewSchema.Column column, bool vector);

    public abstract void AddKeyValues(DataViewSchema.Annotations.Builder builder, bool asText);

    public static TermMap Train(IDataView data, DataViewSchema.Column column, int maximumNumberOfKeys, ValueToKeyMappingEstimator.KeyOrdinality ordinality)
    {
        var item = (PrimitiveDataViewType)column.Type.GetItemType();
        var map = (TermMap)Activator.CreateInstance(typeof(TermMap<>).MakeGenericType(item.RawType), item)!;
        map.TrainCore(data, column, maximumNumberOfKeys, ordinality);
        return map;
    }

    public static TermMap FromTerms(PrimitiveDataViewType itemType, object termsVector)
    {
        var map = (TermMap)Activator.CreateInstance(typeof(TermMap<>).MakeGenericType(itemType.RawType), itemType)!;
        map.SetTerms(termsVector);
        return map;
    }

    protected abstract void TrainCore(IDataView data, DataViewSchema.Column column, int max, ValueToKeyMappingEstimator.KeyOrdinality ordinality);

    protected abstract void SetTerms(object termsVector);

    public static string ToText<T>(T value) => value switch
    {
        ReadOnlyMemory<char> m => m.ToString(),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "",
    };
}

internal sealed class TermMap<T> : TermMap
    where T : notnull
{
    private readonly PrimitiveDataViewType _itemType;
    private T[] _terms = Array.Empty<T>();
    private Dictionary<T, uint> _index;

    public TermMap(PrimitiveDataViewType itemType)
    {
        _itemType = itemType;
        _index = new Dictionary<T, uint>(Comparer);
    }

    private static IEqualityComparer<T> Comparer
        => typeof(T) == typeof(ReadOnlyMemory<char>) ? (IEqualityComparer<T>)(object)TextComparer.Instance : EqualityComparer<T>.Default;

    public override PrimitiveDataViewType ItemType => _itemType;

    public override int Count => _terms.Length;

    public override object TermsVector => new VBuffer<T>(_terms.Length, _terms.ToArray());

    /// <summary>Missing values never become terms and map to key 0: NaN numbers, empty text and key 0, as in ML.NET.</summary>
    private bool IsMissing(T value) => value switch
    {
        float f => float.IsNaN(f),
        double d => double.IsNaN(d),
        ReadOnlyMemory<char> m => m.IsEmpty,
        _ => _itemType is KeyDataViewType && EqualityComparer<T>.Default.Equals(value, default!),
    };

    protected override void TrainCore(IDataView data, DataViewSchema.Column column, int max, ValueToKeyMappingEstimator.KeyOrdinality ordinality)
    {
        var seen = new Dictionary<T, int>(Comparer);
        var order = new List<T>();
        using var cursor = data.GetRowCursor(new[] { column });
        void Add(T value)
        {
            if (order.Count >= max || IsMissing(value) || seen.ContainsKey(value)) return;
            seen[value] = order.Count;
            order.Add(value);
        }
        if (column.Type is VectorDataViewType)
        {
            var getter = cursor.GetGetter<VBuffer<T>>(column);
            VBuffer<T> buffer = default;
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                foreach (var v in buffer.GetValues()) Add(v);
            }
        }
        else
        {
            var getter = cursor.GetGetter<T>(column);
            T value = default!;
            while (cursor.MoveNext())
            {
                getter(ref value);
                Add(value);
            }
        }
        if (ordinality == ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            order.Sort(SortComparer);
        SetTerms(order.ToArray());
    }

    private static int SortComparer(T a, T b)
        => a is ReadOnlyMemory<char> ma && b is ReadOnlyMemory<char> mb
            ? ma.Span.SequenceCompareTo(mb.Span)
            : Comparer<T>.Default.Compare(a, b);

    protected override void SetTerms(object termsVector)
    {
        var terms = termsVector is VBuffer<T> v ? v.DenseValues().ToArray() : (T[])termsVector;
        var index = new Dictionary<T, uint>(Comparer);
        for (int i = 0; i < terms.Length; i++)
        {
            if (IsMissing(terms[i]))
                throw new InvalidDataException($"term {i} is a missing value");
            if (!index.TryAdd(terms[i], (uint)i + 1))
                throw new InvalidDataException($"term '{ToText(terms[i])}' appears twice");
        }
        _terms = terms;
        _index = index;
    }

    public override Delegate MakeGetter(DataViewRow input, DataViewSchema.Column column, bool vector)
    {
        var index = _index;
        if (vector)
        {
            var getter = input.GetGetter<VBuffer<T>>(column);
            VBuffer<T> src = default;
            return (ValueGetter<VBuffer<uint>>)((ref VBuffer<uint> dst) =>
            {
                getter(ref src);
                var values = src.GetValues();
                var editor = VBufferEditor.Create(ref dst, values.Length);
                for (int i = 0; i < values.Length; i++)
                    editor.Values[i] = !IsMissing(values[i]) && index.TryGetValue(values[i], out var key) ? key : 0;
                dst = editor.Commit();
            });
        }
        var scalar = input.GetGetter<T>(column);
        T value = default!;
        return (ValueGetter<uint>)((ref uint dst) =>
        {
            scalar(ref value);
            dst = !IsMissing(value) && index.TryGetValue(value, out var key) ? key : 0;
        });
    }

    public override void AddKeyValues(DataViewSchema.Annotations.Builder builder, bool asText)
    {
        if (_terms.Length == 0) return;
        if (asText)
        {
            var text = _terms.Select(t => ToText(t).AsMemory()).ToArray();
            builder.AddKeyValues(text.Length, TextDataViewType.Instance,
                (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(text.Length, text).CopyTo(ref dst));
        }
        else
        {
            var terms = _terms;
            builder.AddKeyValues(terms.Length, _itemType is KeyDataViewType ? NumberDataViewType.FromType(typeof(T))! : _itemType,
                (ref VBuffer<T> dst) => new VBuffer<T>(terms.Length, terms).CopyTo(ref dst));
        }
    }

    private sealed class TextComparer : IEqualityComparer<ReadOnlyMemory<char>>
    {
        public static readonly TextComparer Instance = new();

        public bool Equals(ReadOnlyMemory<char> x, ReadOnlyMemory<char> y) => x.Span.SequenceEqual(y.Span);

        public int GetHashCode(ReadOnlyMemory<char> obj) => string.GetHashCode(obj.Span);
    }
}
