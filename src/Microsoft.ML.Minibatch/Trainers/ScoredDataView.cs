using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The lazy output of <see cref="MinibatchTransformer.Transform"/>. When Score or PredictedLabel is read, its cursor
/// reads the input a batch of rows ahead — the active input columns into per-slot stores, the features into one
/// contiguous [B × D] buffer — scores the batch with one GEMM per layer, and then serves the rows one by one.
/// Each cursor owns its buffers, so cursors on many threads never share mutable state.
/// </summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly IDataView _input;
    private readonly MinibatchTransformer.Mapper _mapper;

    public ScoredDataView(IDataView input, MinibatchTransformer.Mapper mapper)
    {
        _input = input;
        _mapper = mapper;
        Schema = MappedDataView.BuildSchema(mapper);
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = CursorBase.ActiveFlags(Schema, columnsNeeded);
        int inputCount = _mapper.InputSchema.Count;
        bool scoring = active[inputCount] || active[inputCount + 1];
        if (!scoring) return new MappedDataView(_input, _mapper).GetRowCursor(columnsNeeded, rand);
        var input = _input.GetRowCursor(MappedDataView.InputDependencies(_mapper, active), rand);
        return new Cursor(this, input, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly DataViewSchema _schema;
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

        public Cursor(ScoredDataView parent, DataViewRowCursor input, bool[] active)
        {
            _schema = parent.Schema;
            _input = input;
            _active = active;
            _model = parent._mapper.Parent;
            _featureName = parent._mapper.Features.Name;
            int b = MinibatchTransformer.ScoringBatchSize;
            int k = _model.ClassCount;
            _features = new float[b * _model.InputSize];
            _scores = new float[b * k];
            _ids = new DataViewRowId[b];
            _getFeatures = input.GetGetter<VBuffer<float>>(parent._mapper.Features);
            _getId = input.GetIdGetter();
            int inputCount = parent._mapper.InputSchema.Count;
            _getters = new Delegate?[active.Length];
            var loaders = new List<Action<int>>();
            for (int i = 0; i < inputCount; i++)
            {
                if (!active[i]) continue;
                var column = parent._mapper.InputSchema[i];
                var store = ColumnStore.Create(column.Type, b);
                loaders.Add(store.MakeLoader(input, column));
                _getters[i] = store.MakeGetter(() => _slot);
            }
            _loaders = loaders.ToArray();
            if (active[inputCount])
                _getters[inputCount] = (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    CheckRow();
                    VBuffer<float>.Copy(_scores, _slot * k, ref dst, k);
                });
            if (active[inputCount + 1])
                _getters[inputCount + 1] = (ValueGetter<uint>)((ref uint dst) =>
                {
                    CheckRow();
                    dst = (uint)MlpScorer.ArgMax(_scores.AsSpan(_slot * k, k)) + 1;
                });
        }

        public override long Position => _position;

        public override long Batch => 0;

        public override DataViewSchema Schema => _schema;

        private void CheckRow()
        {
            if (_slot < 0 || _slot >= _count) throw new InvalidOperationException("The cursor is not on a row.");
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) =>
        {
            CheckRow();
            id = _ids[_slot];
        };

        public override bool IsColumnActive(DataViewSchema.Column column) => (uint)column.Index < (uint)_active.Length && _active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            => MappedRow.CastGetter<TValue>(_schema, _getters, _active, column);

        public override bool MoveNext()
        {
            if (_done) return false;
            if (_slot + 1 < _count)
            {
                _slot++;
                _position++;
                return true;
            }
            Fill();
            if (_count == 0)
            {
                _done = true;
                _slot = -1;
                return false;
            }
            _slot = 0;
            _position++;
            return true;
        }

        private void Fill()
        {
            int d = _model.InputSize;
            int b = MinibatchTransformer.ScoringBatchSize;
            _count = 0;
            while (_count < b && _input.MoveNext())
            {
                _inputRow++;
                foreach (var load in _loaders) load(_count);
                _getId(ref _ids[_count]);
                _getFeatures(ref _vector);
                if (_vector.Length != d)
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"Row {_inputRow}: feature column '{_featureName}' holds {_vector.Length} values, expected {d}."));
                _vector.GetValues().CopyTo(_features.AsSpan(_count * d, d));
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
