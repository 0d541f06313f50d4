using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// Scores one row at a time, for ML.NET's <c>PredictionEngine</c> and for chains that map rows rather than views.
/// Both scoring columns of a row come from one forward pass, recomputed only when the input row changes.
/// </summary>
internal sealed class ScoringRowMapper : IRowToRowMapper
{
    private readonly ScoreColumns _columns;

    public ScoringRowMapper(ScoreColumns columns)
    {
        _columns = columns;
    }

    public DataViewSchema InputSchema => _columns.InputSchema;

    public DataViewSchema OutputSchema => _columns.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        => _columns.InputDependencies(ActiveColumns.Of(OutputSchema, dependingColumns));

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ScoredRow(_columns, input, ActiveColumns.Of(OutputSchema, activeColumns));
    }

    private sealed class ScoredRow : DataViewRow
    {
        private readonly DataViewRow _input;
        private readonly bool[] _active;
        private readonly ScoreColumns _columns;
        private readonly float[] _features;
        private readonly float[] _scores;
        private readonly MlpScorer.Scratch _scratch = new();
        private ValueGetter<VBuffer<float>>? _getFeatures;
        private VBuffer<float> _vector;
        private long _scoredPosition = -1;

        public ScoredRow(ScoreColumns columns, DataViewRow input, bool[] active)
        {
            _columns = columns;
            _input = input;
            _active = active;
            _features = new float[columns.Model.InputSize];
            _scores = new float[columns.Model.ClassCount];
        }

        public override DataViewSchema Schema => _columns.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => ActiveColumns.IsActive(_active, column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            ActiveColumns.CheckGetter<TValue>(Schema, _active, column);
            if (column.Index < _columns.InputSchema.Count)
                return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            Delegate getter = column.Index == _columns.ScoreIndex
                ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    Compute();
                    VBuffer<float>.Copy(_scores, 0, ref dst, _scores.Length);
                })
                : (ValueGetter<uint>)((ref uint dst) =>
                {
                    Compute();
                    dst = MlpScorer.PredictedKey(_scores);
                });
            return (ValueGetter<TValue>)getter;
        }

        /// <summary>One forward pass per input row, however many scoring getters read it.</summary>
        private void Compute()
        {
            // A PredictionEngine reuses one row object at position -1 for every prediction, so only a real cursor
            // position can tell two rows apart; elsewhere every call scores afresh.
            if (_input.Position >= 0 && _input.Position == _scoredPosition) return;
            _getFeatures ??= _input.GetGetter<VBuffer<float>>(_columns.Features);
            _getFeatures(ref _vector);
            FeatureRow.CopyDense(_vector, _features, _columns.Features.Name, _input.Position);
            _columns.Model.Scorer.Score(_features, 1, _scores, _scratch);
            _scoredPosition = _input.Position;
        }
    }
}
