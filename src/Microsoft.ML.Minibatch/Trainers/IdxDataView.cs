using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// An in-memory view over contiguous pixels and label bytes, as <c>LoadIdx</c> returns it: <c>Features</c>
/// (Vector&lt;Single, rows·cols&gt;) and <c>Label</c> (Key&lt;UInt32, K&gt; with key values "0" … "K-1"; label byte b is
/// key b + 1). Rows are served in file order; ML.NET's <c>ShuffleRows</c> shuffles it like any other view.
/// </summary>
internal sealed class IdxDataView : IDataView
{
    private readonly float[] _pixels;
    private readonly byte[] _labels;
    private readonly int _dimension;

    public IdxDataView(float[] pixels, byte[] labels, int dimension, int classCount)
    {
        _pixels = pixels;
        _labels = labels;
        _dimension = dimension;
        var names = Enumerable.Range(0, classCount).Select(i => i.ToString(CultureInfo.InvariantCulture).AsMemory()).ToArray();
        var keyValues = new DataViewSchema.Annotations.Builder();
        keyValues.Add(AnnotationNames.KeyValues, new VectorDataViewType(TextDataViewType.Instance, classCount),
            (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(names.Length, names).CopyTo(ref dst));
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, dimension));
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), classCount), keyValues.ToAnnotations());
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _labels.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(this, ActiveColumns.Of(Schema, columnsNeeded));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly IdxDataView _parent;
        private readonly bool[] _active;
        private long _position = -1;

        public Cursor(IdxDataView parent, bool[] active)
        {
            _parent = parent;
            _active = active;
        }

        public override DataViewSchema Schema => _parent.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (_position + 1 >= _parent._labels.Length)
            {
                _position = _parent._labels.Length;
                return false;
            }
            _position++;
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => ActiveColumns.IsActive(_active, column);

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) =>
        {
            CheckRow();
            id = new DataViewRowId((ulong)_position, 0);
        };

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            ActiveColumns.CheckGetter<TValue>(Schema, _active, column);
            Delegate getter = column.Index == 0
                ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    CheckRow();
                    int d = _parent._dimension;
                    var editor = VBufferEditor.Create(ref dst, d);
                    _parent._pixels.AsSpan(checked((int)(_position * d)), d).CopyTo(editor.Values);
                    dst = editor.Commit();
                })
                : (ValueGetter<uint>)((ref uint dst) =>
                {
                    CheckRow();
                    dst = (uint)_parent._labels[_position] + 1;
                });
            return (ValueGetter<TValue>)getter;
        }

        private void CheckRow()
        {
            if (_position < 0 || _position >= _parent._labels.Length)
                throw new InvalidOperationException("The cursor is not on a row.");
        }
    }
}
