using Microsoft.ML.Data;

namespace Microsoft.ML.Data;

/// <summary>ML.NET's annotation kinds and constants, and helpers to read the common ones.</summary>
public static class AnnotationUtils
{
    /// <summary>The names of the standard annotation kinds.</summary>
    public static class Kinds
    {
        /// <summary>Names of the slots of a vector column: <c>Vector&lt;String, size&gt;</c>.</summary>
        public const string SlotNames = "SlotNames";
        /// <summary>The values a key column stands for: <c>Vector&lt;T, count&gt;</c>.</summary>
        public const string KeyValues = "KeyValues";
        /// <summary>The kind of score column set a column belongs to (for example <c>MulticlassClassification</c>).</summary>
        public const string ScoreColumnKind = "ScoreColumnKind";
        /// <summary>The role of a column within a score column set (for example <c>Score</c>).</summary>
        public const string ScoreValueKind = "ScoreValueKind";
        /// <summary>An identifier tying the columns of one score set together: <c>Key&lt;UInt32&gt;</c>.</summary>
        public const string ScoreColumnSetId = "ScoreColumnSetId";
        /// <summary>Marks a column whose values have been normalized: <c>Boolean</c>.</summary>
        public const string IsNormalized = "IsNormalized";
        /// <summary>Marks a column whose values are user-facing labels.</summary>
        public const string IsUserVisible = "IsUserVisible";
        /// <summary>The ranges of categorical slots in a vector.</summary>
        public const string CategoricalSlotRanges = "CategoricalSlotRanges";
        /// <summary>The name of the training label column recorded on score columns.</summary>
        public const string TrainingLabelValues = "TrainingLabelValues";
    }

    /// <summary>Standard values of annotations.</summary>
    public static class Const
    {
        /// <summary>Values of <see cref="Kinds.ScoreColumnKind"/>.</summary>
        public static class ScoreColumnKind
        {
            /// <summary>Binary classification.</summary>
            public const string BinaryClassification = "BinaryClassification";
            /// <summary>Multiclass classification.</summary>
            public const string MulticlassClassification = "MulticlassClassification";
            /// <summary>Regression.</summary>
            public const string Regression = "Regression";
            /// <summary>Ranking.</summary>
            public const string Ranking = "Ranking";
            /// <summary>Clustering.</summary>
            public const string Clustering = "Clustering";
            /// <summary>Multi-output regression.</summary>
            public const string MultiOutputRegression = "MultiOutputRegression";
            /// <summary>Anomaly detection.</summary>
            public const string AnomalyDetection = "AnomalyDetection";
        }

        /// <summary>Values of <see cref="Kinds.ScoreValueKind"/>.</summary>
        public static class ScoreValueKind
        {
            /// <summary>The raw score column.</summary>
            public const string Score = "Score";
            /// <summary>The predicted label column.</summary>
            public const string PredictedLabel = "PredictedLabel";
            /// <summary>The probability column.</summary>
            public const string Probability = "Probability";
        }
    }

    /// <summary>Whether the column carries <see cref="Kinds.KeyValues"/> (of <paramref name="keyValueItemType"/> when given).</summary>
    /// <param name="column">The column.</param>
    /// <param name="keyValueItemType">The required item type of the values, or <see langword="null"/> for any.</param>
    /// <returns><see langword="true"/> if a key-values vector of the column's key count is present.</returns>
    public static bool HasKeyValues(this DataViewSchema.Column column, PrimitiveDataViewType? keyValueItemType = null)
    {
        if (column.Type.GetItemType() is not KeyDataViewType key) return false;
        var annotation = column.Annotations.Schema.GetColumnOrNull(Kinds.KeyValues);
        if (annotation?.Type is not VectorDataViewType vt || (ulong)vt.Size != key.Count) return false;
        return keyValueItemType == null || vt.ItemType.Equals(keyValueItemType);
    }

    /// <summary>Reads the <see cref="Kinds.KeyValues"/> annotation of the column.</summary>
    /// <typeparam name="TValue">The raw type of the values.</typeparam>
    /// <param name="column">The column.</param>
    /// <param name="keyValues">Receives the values.</param>
    public static void GetKeyValues<TValue>(this DataViewSchema.Column column, ref VBuffer<TValue> keyValues)
        => column.Annotations.GetValue(Kinds.KeyValues, ref keyValues);

    /// <summary>Whether the column carries text <see cref="Kinds.SlotNames"/> of <paramref name="vectorSize"/> items.</summary>
    /// <param name="column">The column.</param>
    /// <param name="vectorSize">The expected number of names.</param>
    /// <returns><see langword="true"/> when present with the right size.</returns>
    public static bool HasSlotNames(this DataViewSchema.Column column, int vectorSize)
    {
        if (vectorSize == 0) return false;
        var annotation = column.Annotations.Schema.GetColumnOrNull(Kinds.SlotNames);
        return annotation?.Type is VectorDataViewType vt && vt.Size == vectorSize && vt.ItemType is TextDataViewType;
    }

    /// <summary>Reads the <see cref="Kinds.SlotNames"/> annotation of the column.</summary>
    /// <param name="column">The column.</param>
    /// <param name="slotNames">Receives the names.</param>
    public static void GetSlotNames(this DataViewSchema.Column column, ref VBuffer<ReadOnlyMemory<char>> slotNames)
        => column.Annotations.GetValue(Kinds.SlotNames, ref slotNames);

    /// <summary>Whether the column carries <see cref="Kinds.IsNormalized"/> set to <see langword="true"/>.</summary>
    /// <param name="column">The column.</param>
    /// <returns><see langword="true"/> when marked normalized.</returns>
    public static bool IsNormalized(this DataViewSchema.Column column)
    {
        var annotation = column.Annotations.Schema.GetColumnOrNull(Kinds.IsNormalized);
        if (annotation?.Type is not BooleanDataViewType) return false;
        bool value = false;
        column.Annotations.GetValue(Kinds.IsNormalized, ref value);
        return value;
    }

    /// <summary>The item type of a vector type, or the type itself.</summary>
    /// <param name="type">A column type.</param>
    /// <returns>The item type.</returns>
    public static DataViewType GetItemType(this DataViewType type) => type is VectorDataViewType v ? v.ItemType : type;

    /// <summary>The key count of a key type (or of a key vector's items), 0 for other types.</summary>
    /// <param name="type">A column type.</param>
    /// <returns>The count or 0.</returns>
    public static ulong GetKeyCount(this DataViewType type) => type.GetItemType() is KeyDataViewType k ? k.Count : 0;

    /// <summary>The size of a vector type (0 when variable), or 0 for non-vectors.</summary>
    /// <param name="type">A column type.</param>
    /// <returns>The size or 0.</returns>
    public static int GetVectorSize(this DataViewType type) => type is VectorDataViewType v ? v.Size : 0;
}
