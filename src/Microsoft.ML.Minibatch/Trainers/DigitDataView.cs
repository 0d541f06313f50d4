using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// An in-memory view over contiguous pixels and label bytes: <c>Features</c> (Vector&lt;Single, rows·cols&gt;) and
/// <c>Label</c> (Key&lt;UInt32, 10&gt; with key values "0" … "9"; label byte b is key b + 1).
/// </summary>
internal sealed class DigitDataView : IDataView
{
    private readonly float[] _pixels;
    private readonly byte[] _labels;
    private readonly int _dimension;

    public DigitDataView(float[] pixels, byte[] labels, int dimension)
    {
        _pixels = pixels;
        _labels = labels;
        _dimension = dimension;
        var names = Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture).AsMemory()).ToArray();
        var keyValues = new DataViewSchema.Annotations.Builder();
        keyValues.AddKeyValues(10, TextDataViewType.Instance,
            (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(names.Length, names).CopyTo(ref dst));
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, dimension));
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), 10), keyValues.ToAnnotations());
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _labels.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : CursorBase
    {
        private readonly DigitDataView _parent;

        public Cursor(DigitDataView parent, IEnumerable<DataViewSchema.Column> columnsNeeded) : base(parent.Schema, columnsNeeded)
        {
            _parent = parent;
        }

        protected override bool MoveNextCore() => PositionCore + 1 < _parent._labels.Length;

        protected override Delegate GetGetterCore(DataViewSchema.Column column)
        {
            if (column.Index == 0)
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    EnsurePositioned();
                    int d = _parent._dimension;
                    VBuffer<float>.Copy(_parent._pixels, (int)(PositionCore * d), ref dst, d);
                });
            return (ValueGetter<uint>)((ref uint dst) =>
            {
                EnsurePositioned();
                dst = (uint)_parent._labels[PositionCore] + 1;
            });
        }
    }
}
