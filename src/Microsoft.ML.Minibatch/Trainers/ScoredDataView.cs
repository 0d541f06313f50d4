using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The lazy output of <see cref="MinibatchTransformer.Transform"/>. When Score or PredictedLabel is read, its cursor
/// reads the input a batch of rows ahead — the active input columns into per-slot stores, the features into one
/// contiguous [B × D] buffer — scores the batch with one GEMM per layer, and then serves the rows one by one.
/// When neither is read, the input rows pass through untouched. Each cursor owns its buffers, so cursors on many
/// threads never share mutable state.
/// </summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly IDataView _input;
    private readonly ScoreColumns _columns;

    public ScoredDataView(IDataView input, ScoreColumns columns)
    {
        _input = input;
        _columns = columns;
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema => _columns.OutputSchema;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = ActiveColumns.Of(Schema, columnsNeeded);
        var input = _input.GetRowCursor(_columns.InputDependencies(active), rand);
        return _columns.Scores(active) ? new BatchCursor(_columns, input, active) : new PassThroughCursor(Schema, input, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    /// <summary>The input cursor seen through the output schema (whose input columns keep their indices).</summary>
    private sealed class PassThroughCursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _input;
        private readonly bool[] _active;

        public PassThroughCursor(DataViewSchema schema, DataViewRowCursor input, bool[] active)
        {
            Schema = schema;
            _input = input;
            _active = active;
        }

        public override DataViewSchema Schema { get; }

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override bool MoveNext() => _input.MoveNext();

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => ActiveColumns.IsActive(_active, column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            ActiveColumns.CheckGetter<TValue>(Schema, _active, column);
            return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class BatchCursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _input;
        private readonly bool[] _active;
        private readonly Delegate?[] _getters;
        private readonly Action<int>[] _loaders;
        private readonly ValueGetter<VBuffer<float>> _getFeatures;
        private readonly ValueGetter<DataViewRowId> _getId;
        private readonly MinibatchTransformer _model;
        private readonly string _featureName;
        private readonly float[] _features;
        private readonly float[] _scores;
        private readonly DataViewRowId[] _ids;
        private readonly MlpScorer.Scratch _scratch = new();
        private VBuffer<float> _vector;
        private int _count;
        private int _slot = -1;
        private long _position = -1;
        private long _inputRow = -1;
        private bool _done;

        public BatchCursor(ScoreColumns columns, DataViewRowCursor input, bool[] active)
        {
            Schema = columns.OutputSchema;
            _input = input;
            _active = active;
            _model = columns.Model;
            _featureName = columns.Features.Name;
            int b = MinibatchTransformer.ScoringBatchSize;
            int k = _model.ClassCount;
            _features = new float[b * _model.InputSize];
            _scores = new float[b * k];
            _ids = new DataViewRowId[b];
            _getFeatures = input.GetGetter<VBuffer<float>>(columns.Features);
            _getId = input.GetIdGetter();
            _getters = new Delegate?[active.Length];
            var loaders = new List<Action<int>>();
            foreach (var column in columns.InputSchema)
            {
                if (!active[column.Index]) continue;
                var store = ColumnStore.Create(column.Type, b);
                loaders.Add(store.MakeLoader(input, column));
                _getters[column.Index] = store.MakeGetter(() => _slot);
            }
            _loaders = loaders.ToArray();
            _getters[columns.ScoreIndex] = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
            {
                CheckRow();
                VBuffer<float>.Copy(_scores, _slot * k, ref dst, k);
            });
            _getters[columns.PredictedLabelIndex] = (ValueGetter<uint>)((ref uint dst) =>
            {
                CheckRow();
                dst = MlpScorer.PredictedKey(_scores.AsSpan(_slot * k, k));
            });
        }

        public override DataViewSchema Schema { get; }

        public override long Position => _position;

        public override long Batch => 0;

        private void CheckRow()
        {
            if (_slot < 0 || _slot >= _count) throw new InvalidOperationException("The cursor is not on a row.");
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) =>
        {
            CheckRow();
            id = _ids[_slot];
        };

        public override bool IsColumnActive(DataViewSchema.Column column) => ActiveColumns.IsActive(_active, column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            ActiveColumns.CheckGetter<TValue>(Schema, _active, column);
            return (ValueGetter<TValue>)_getters[column.Index]!;
        }

        public override bool MoveNext()
        {
            if (_done) return false;
            if (_slot + 1 >= _count)
            {
                Fill();
                _slot = -1;
                if (_count == 0)
                {
                    _done = true;
                    return false;
                }
            }
            _slot++;
            _position++;
            return true;
        }

        private void Fill()
        {
            int d = _model.InputSize;
            _count = 0;
            while (_count < MinibatchTransformer.ScoringBatchSize && _input.MoveNext())
            {
                _inputRow++;
                foreach (var load in _loaders) load(_count);
                _getId(ref _ids[_count]);
                _getFeatures(ref _vector);
                FeatureRow.CopyDense(_vector, _features.AsSpan(_count * d, d), _featureName, _inputRow);
                _count++;
            }
            if (_count > 0)
                _model.Scorer.Score(_features.AsSpan(0, _count * d), _count, _scores, _scratch);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
