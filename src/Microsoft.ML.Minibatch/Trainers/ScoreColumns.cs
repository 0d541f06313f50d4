using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// What <see cref="MinibatchTransformer"/> does to one input schema: checks its feature column and appends
/// <c>Score</c> (<c>Vector&lt;Single, K&gt;</c>) and <c>PredictedLabel</c> (<c>Key&lt;UInt32, K&gt;</c>) with the
/// annotations ML.NET's multiclass trainers attach, so that ML.NET's evaluator, <c>MapKeyToValue</c> and
/// prediction classes treat our output as theirs. Input columns keep their indices; a same-named input column
/// becomes hidden.
/// </summary>
internal sealed class ScoreColumns
{
    public ScoreColumns(MinibatchTransformer model, DataViewSchema inputSchema)
    {
        Model = model;
        InputSchema = inputSchema;
        string name = model.FeatureColumnName;
        var features = inputSchema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Could not find feature column '{name}'");
        // The message shows the actual type, since a vector of the wrong length is the usual mistake here.
        if (features.Type is not VectorDataViewType v || !v.ItemType.Equals(NumberDataViewType.Single) || v.Size != model.InputSize)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Schema mismatch for feature column '{name}': expected Vector<Single, {model.InputSize}>, got {features.Type}");
        Features = features;

        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(AnnotationNames.Score, new VectorDataViewType(NumberDataViewType.Single, model.ClassCount), ScoreAnnotations(model, inputSchema));
        builder.AddColumn(AnnotationNames.PredictedLabel, new KeyDataViewType(typeof(uint), model.ClassCount), PredictedLabelAnnotations(model, inputSchema));
        OutputSchema = builder.ToSchema();
    }

    public MinibatchTransformer Model { get; }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public DataViewSchema.Column Features { get; }

    public int ScoreIndex => InputSchema.Count;

    public int PredictedLabelIndex => InputSchema.Count + 1;

    /// <summary>Whether any of the scoring columns is among <paramref name="active"/> (flags over the output schema).</summary>
    public bool Scores(bool[] active) => active[ScoreIndex] || active[PredictedLabelIndex];

    /// <summary>The input columns needed to serve the <paramref name="active"/> output columns.</summary>
    public DataViewSchema.Column[] InputDependencies(bool[] active)
    {
        var needed = InputSchema.Where(c => active[c.Index]).ToList();
        if (Scores(active) && !active[Features.Index]) needed.Add(Features);
        return needed.ToArray();
    }

    private static DataViewSchema.Annotations ScoreAnnotations(MinibatchTransformer model, DataViewSchema inputSchema)
    {
        var score = new DataViewSchema.Annotations.Builder();
        AddKind(score, AnnotationNames.Score, NextScoreColumnSetId(inputSchema));
        if (model.LabelKeyValues.SlotNames is { } names && names.Length == model.ClassCount)
        {
            var slots = names.Select(n => n.AsMemory()).ToArray();
            score.Add(AnnotationNames.SlotNames, new VectorDataViewType(TextDataViewType.Instance, slots.Length),
                (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(slots.Length, slots).CopyTo(ref dst));
        }
        model.LabelKeyValues.AddTo(score, AnnotationNames.TrainingLabelValues);
        return score.ToAnnotations();
    }

    private static DataViewSchema.Annotations PredictedLabelAnnotations(MinibatchTransformer model, DataViewSchema inputSchema)
    {
        var predicted = new DataViewSchema.Annotations.Builder();
        model.LabelKeyValues.AddTo(predicted, AnnotationNames.KeyValues);
        AddKind(predicted, AnnotationNames.PredictedLabel, NextScoreColumnSetId(inputSchema));
        return predicted.ToAnnotations();
    }

    private static void AddKind(DataViewSchema.Annotations.Builder builder, string valueKind, uint setId)
    {
        builder.AddPrimitiveValue(AnnotationNames.ScoreColumnKind, TextDataViewType.Instance, AnnotationNames.MulticlassClassification.AsMemory());
        builder.AddPrimitiveValue(AnnotationNames.ScoreValueKind, TextDataViewType.Instance, valueKind.AsMemory());
        builder.AddPrimitiveValue(AnnotationNames.ScoreColumnSetId, ScoreColumnSetIdType, setId);
    }

    private static readonly KeyDataViewType ScoreColumnSetIdType = new(typeof(uint), int.MaxValue);

    /// <summary>One more than the largest score column set id already in the schema, as ML.NET's scorers number
    /// the outputs of successive trainers in one pipeline.</summary>
    private static uint NextScoreColumnSetId(DataViewSchema schema)
    {
        uint next = 1;
        foreach (var c in schema)
        {
            if (c.Annotations.Schema.GetColumnOrNull(AnnotationNames.ScoreColumnSetId) is not { Type: KeyDataViewType { RawType: var raw } } || raw != typeof(uint))
                continue;
            uint value = 0;
            c.Annotations.GetValue(AnnotationNames.ScoreColumnSetId, ref value);
            next = Math.Max(next, value + 1);
        }
        return next;
    }
}
