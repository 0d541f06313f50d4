namespace Microsoft.ML.Data;

/// <summary>
/// The two columns a multiclass trainer's transformer appends, with the annotations ML.NET's multiclass scorer puts on
/// them, so that <see cref="MulticlassClassificationCatalog.Evaluate"/>, <c>MapKeyToValue</c> and prediction classes
/// work on its output: <c>Score</c> (<c>Vector&lt;Single, K&gt;</c>, slot names = the label's key values as text) and
/// <c>PredictedLabel</c> (<c>Key&lt;UInt32, K&gt;</c>, key values = the label's key values).
/// </summary>
public static class MulticlassOutputColumns
{
    /// <summary>The name of the score column.</summary>
    public const string Score = "Score";

    /// <summary>The name of the predicted label column.</summary>
    public const string PredictedLabel = "PredictedLabel";

    /// <summary>
    /// The promised output shape for an estimator's <see cref="IEstimator{TTransformer}.GetOutputSchema"/>: the input
    /// shape plus Score and PredictedLabel (the latter promising <c>KeyValues</c> when the label has them).
    /// </summary>
    /// <param name="inputSchema">The input shape.</param>
    /// <param name="label">The label column of the input shape.</param>
    /// <returns>The output shape.</returns>
    public static SchemaShape GetOutputShape(SchemaShape inputSchema, SchemaShape.Column label)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        bool hasKeyValues = label.IsValid && label.Annotations.TryFindColumn(AnnotationUtils.Kinds.KeyValues, out _);
        var kinds = new[]
        {
            new SchemaShape.Column(AnnotationUtils.Kinds.ScoreColumnKind, SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false),
            new SchemaShape.Column(AnnotationUtils.Kinds.ScoreValueKind, SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false),
        };
        var scoreAnnotations = kinds.ToList();
        var predictedAnnotations = kinds.ToList();
        if (hasKeyValues)
        {
            label.Annotations.TryFindColumn(AnnotationUtils.Kinds.KeyValues, out var kv);
            scoreAnnotations.Add(new SchemaShape.Column(AnnotationUtils.Kinds.SlotNames, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false));
            predictedAnnotations.Add(kv);
        }
        var columns = inputSchema.ToList();
        columns.Add(new SchemaShape.Column(Score, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false, new SchemaShape(scoreAnnotations)));
        columns.Add(new SchemaShape.Column(PredictedLabel, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true, new SchemaShape(predictedAnnotations)));
        return new SchemaShape(columns);
    }

    /// <summary>
    /// The Score and PredictedLabel columns for <paramref name="classCount"/> classes, taking key values from
    /// <paramref name="label"/> when it has them (pass the training label column, or a column saved with the model).
    /// </summary>
    /// <param name="label">The training label column, or <see langword="null"/>.</param>
    /// <param name="classCount">The number of classes K (at least 2).</param>
    /// <returns>Score then PredictedLabel.</returns>
    public static DataViewSchema.DetachedColumn[] Create(DataViewSchema.Column? label, int classCount)
    {
        if (classCount < 2)
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "A multiclass output needs at least 2 classes.");
        var score = new DataViewSchema.Annotations.Builder();
        score.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreColumnKind, TextDataViewType.Instance, AnnotationUtils.Const.ScoreColumnKind.MulticlassClassification.AsMemory());
        score.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreValueKind, TextDataViewType.Instance, AnnotationUtils.Const.ScoreValueKind.Score.AsMemory());
        var predicted = new DataViewSchema.Annotations.Builder();
        predicted.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreColumnKind, TextDataViewType.Instance, AnnotationUtils.Const.ScoreColumnKind.MulticlassClassification.AsMemory());
        predicted.AddPrimitiveValue(AnnotationUtils.Kinds.ScoreValueKind, TextDataViewType.Instance, AnnotationUtils.Const.ScoreValueKind.PredictedLabel.AsMemory());
        if (label is { } l && l.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues) is { Type: VectorDataViewType { Size: var size } } kv
            && size == classCount)
        {
            predicted.Add(l.Annotations, kind => kind == AnnotationUtils.Kinds.KeyValues);
            var names = KeyValuesAsText(l.Annotations, kv);
            score.AddSlotNames(classCount, (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(names.Length, names).CopyTo(ref dst));
        }
        return new[]
        {
            new DataViewSchema.DetachedColumn(Score, new VectorDataViewType(NumberDataViewType.Single, classCount), score.ToAnnotations()),
            new DataViewSchema.DetachedColumn(PredictedLabel, new KeyDataViewType(typeof(uint), classCount), predicted.ToAnnotations()),
        };
    }

    private static ReadOnlyMemory<char>[] KeyValuesAsText(DataViewSchema.Annotations annotations, DataViewSchema.Column kv)
    {
        var method = typeof(MulticlassOutputColumns).GetMethod(nameof(Texts), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(((VectorDataViewType)kv.Type).ItemType.RawType);
        return (ReadOnlyMemory<char>[])method.Invoke(null, new object[] { annotations, kv })!;
    }

    private static ReadOnlyMemory<char>[] Texts<T>(DataViewSchema.Annotations annotations, DataViewSchema.Column kv)
    {
        VBuffer<T> values = default;
        annotations.GetGetter<VBuffer<T>>(kv)(ref values);
        return values.DenseValues().Select(v => Transforms.TermMap.ToText(v).AsMemory()).ToArray();
    }
}
