using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The view <c>LoadIdx</c> returns: <c>Features</c> (Vector&lt;Single, rows·cols&gt;, pixel / 255) and <c>Label</c>
/// (Key&lt;UInt32, K&gt; with key values "0" … "K-1"; label byte b is key b + 1). Rows are served in file order; ML.NET's
/// <c>ShuffleRows</c> shuffles it like any other view.
/// </summary>
/// <remarks>
/// ML.NET views have no Dispose, so the view itself holds no file: the labels are in memory, and each cursor that reads
/// <c>Features</c> maps the raw image file when it starts and unmaps it when it is disposed (ML.NET disposes its cursors;
/// one left undisposed keeps the mapping until the garbage collector finalizes it). Like ML.NET's text loader, the view
/// therefore reads the file as it is when a cursor starts; a file whose header no longer matches is an error. A gzip file
/// cannot be mapped, so its pixels are read once, as bytes, and held by the view.
/// </remarks>
internal sealed class IdxDataView : IDataView
{
    private readonly string? _imagesPath;
    private readonly Dataset? _resident;
    private readonly byte[] _labels;
    private readonly int _rows, _columns;

    /// <summary>A view over rows held in memory (a gzip file's pixels, or any dataset whose labels are
    /// <paramref name="labels"/>).</summary>
    public IdxDataView(Dataset rows, byte[] labels, int classCount)
        : this(null, rows, labels, 1, rows.FeatureCount, classCount)
    {
        if (rows.Count != labels.Length) throw new ArgumentException($"{rows.Count} rows need {rows.Count} labels, not {labels.Length}.", nameof(labels));
    }

    private IdxDataView(string? imagesPath, Dataset? resident, byte[] labels, int rows, int columns, int classCount)
    {
        _imagesPath = imagesPath;
        _resident = resident;
        _labels = labels;
        _rows = rows;
        _columns = columns;
        var names = Enumerable.Range(0, classCount).Select(i => i.ToString(CultureInfo.InvariantCulture).AsMemory()).ToArray();
        var keyValues = new DataViewSchema.Annotations.Builder();
        keyValues.Add(AnnotationNames.KeyValues, new VectorDataViewType(TextDataViewType.Instance, classCount),
            (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(names.Length, names).CopyTo(ref dst));
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, rows * columns));
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), classCount), keyValues.ToAnnotations());
        Schema = builder.ToSchema();
    }

    /// <summary>
    /// The view of an IDX image file and its labels. The image file is checked now (its header against its length and
    /// the label count) and mapped again by each cursor; a gzip file is read now and kept.
    /// </summary>
    public static IdxDataView Open(string imagesPath, byte[] labels, int classCount, string labelsPath)
    {
        using IdxImageFile images = OpenChecked(imagesPath, labels.Length, labelsPath, expected: null);
        return images.IsMapped
            ? new IdxDataView(imagesPath, null, labels, images.Rows, images.Columns, classCount)
            // The gzip file's bytes are already in memory: the dataset keeps them after the (no-op) dispose.
            : new IdxDataView(null, images.ToDataset(labels), labels, images.Rows, images.Columns, classCount);
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _labels.Length;

    /// <summary>The label bytes (class indices), one per row.</summary>
    internal ReadOnlyMemory<byte> Labels => _labels;

    /// <summary>
    /// The rows as a dataset of pixel bytes, for a trainer that gathers from the mapping instead of copying the rows:
    /// <paramref name="owner"/> holds the mapping (or is <see langword="null"/> when the rows are in memory) and must be
    /// disposed when the dataset is no longer read.
    /// </summary>
    internal Dataset OpenRows(out IDisposable? owner)
    {
        if (_resident != null)
        {
            owner = null;
            return _resident;
        }
        IdxImageFile images = OpenChecked(_imagesPath!, _labels.Length, null, (_rows, _columns));
        owner = images;
        return images.ToDataset(_labels);
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(this, ActiveColumns.Of(Schema, columnsNeeded));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    /// <summary>Opens the images, checking the count against the labels before mapping, and — when the view was made
    /// earlier — that the file still holds what the schema says.</summary>
    private static IdxImageFile OpenChecked(string imagesPath, int labelCount, string? labelsPath, (int Rows, int Columns)? expected) =>
        IdxReader.OpenImages(imagesPath, dims =>
        {
            if (expected is var (rows, columns) && (dims[0] != (uint)labelCount || dims[1] != (uint)rows || dims[2] != (uint)columns))
                throw new InvalidDataException(
                    $"{imagesPath}: changed since it was loaded: the header claims {dims[0]} images of {dims[1]}×{dims[2]}, the view holds {labelCount} of {rows}×{columns}.");
            if (dims[0] != (uint)labelCount)
                throw new InvalidDataException($"{imagesPath}: holds {dims[0]} images but {labelsPath} holds {labelCount} labels.");
        });

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly IdxDataView _parent;
        private readonly bool[] _active;
        // Only a cursor that reads Features maps the file; it unmaps it when disposed.
        private readonly Dataset? _rows;
        private readonly IDisposable? _owner;
        private readonly int[] _index = new int[1];
        private readonly int[] _label = new int[1];
        private long _position = -1;

        public Cursor(IdxDataView parent, bool[] active)
        {
            _parent = parent;
            _active = active;
            if (active[0]) _rows = parent.OpenRows(out _owner);
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
                    var editor = VBufferEditor.Create(ref dst, _rows!.FeatureCount);
                    // The dataset's own conversion (pixel / 255, correctly rounded), so training on this view and on
                    // the dataset see the same bits.
                    _index[0] = (int)_position;
                    _rows.Gather(_index, editor.Values, _label);
                    dst = editor.Commit();
                })
                : (ValueGetter<uint>)((ref uint dst) =>
                {
                    CheckRow();
                    dst = (uint)_parent._labels[_position] + 1;
                });
            return (ValueGetter<TValue>)getter;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _owner?.Dispose();
            base.Dispose(disposing);
        }

        private void CheckRow()
        {
            if (_position < 0 || _position >= _parent._labels.Length)
                throw new InvalidOperationException("The cursor is not on a row.");
        }
    }
}
