namespace Microsoft.ML.Minibatch;

/// <summary>The annotation names and values ML.NET's multiclass trainers attach to their outputs. ML.NET keeps its
/// own constants (<c>AnnotationUtils.Kinds</c>) internal, so the literal names live here.</summary>
internal static class AnnotationNames
{
    public const string KeyValues = "KeyValues";
    public const string SlotNames = "SlotNames";
    public const string ScoreColumnKind = "ScoreColumnKind";
    public const string ScoreValueKind = "ScoreValueKind";
    public const string ScoreColumnSetId = "ScoreColumnSetId";
    public const string TrainingLabelValues = "TrainingLabelValues";
    public const string IsNormalized = "IsNormalized";

    public const string MulticlassClassification = "MulticlassClassification";
    public const string Score = "Score";
    public const string PredictedLabel = "PredictedLabel";
}
