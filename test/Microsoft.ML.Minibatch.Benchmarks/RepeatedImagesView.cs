using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>
/// A generated data view of any number of rows, made while its cursor moves: row i is image i mod n of a set of n
/// labelled images, as features in [0, 1] (IsNormalized) and a key label of the set's classes. No file behind it: a
/// trainer that needs the rows again must keep them itself.
/// </summary>
internal sealed class RepeatedImagesView : IDataView
{
    private readonly Minibatch.Data.IdxImages _images;
    private readonly byte[] _labels;
    private readonly long _rows;

    public RepeatedImagesView(Minibatch.Data.IdxImages images, byte[] labels, int classes, long rows)
    {
        _images = images;
        _labels = labels;
        _rows = rows;
        var normalized = new DataViewSchema.Annotations.Builder();
        normalized.Add("IsNormalized", BooleanDataViewType.Instance, (ref bool value) => value = true);
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, images.PixelsPerImage), normalized.ToAnnotations());
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), classes));
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this)];

    private sealed class Cursor(RepeatedImagesView view) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        private int Image => (int)(_position % view._images.Count);

        public override bool MoveNext() => ++_position < view._rows;

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            ValueGetter<VBuffer<float>> features = (ref VBuffer<float> value) =>
            {
                var pixels = view._images.GetImage(Image);
                var editor = VBufferEditor.Create(ref value, pixels.Length);
                for (int i = 0; i < pixels.Length; i++) editor.Values[i] = pixels[i] / 255f;
                value = editor.Commit();
            };
            ValueGetter<uint> label = (ref uint value) => value = view._labels[Image] + 1u;
            return (ValueGetter<TValue>)(Delegate)(column.Index == 0 ? features : label);
        }
    }
}
