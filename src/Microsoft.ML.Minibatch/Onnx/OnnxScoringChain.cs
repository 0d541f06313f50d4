using System.Reflection;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Minibatch.Onnx;

/// <summary>
/// Wraps a row-layout ONNX network (<see cref="OnnxMlp.Write"/> with <see cref="OnnxLayout.Row"/>) in a chain made only
/// of ML.NET's own transformers, so that <c>ml.Model.Save</c> stores it, and a program with just Microsoft.ML,
/// Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime loads and runs it.
/// </summary>
/// <remarks>
/// <para>
/// The chain: <c>ApplyOnnxModel</c> (features → <c>Score</c> [K] and <c>PredictedLabel.Index</c>, an int64 vector of
/// one slot) → <c>Hash(combine: true)</c> → <c>MapValue</c> → <c>DropColumns</c>. The hash is there because it is the only
/// public ML.NET transform that turns a vector into a scalar; <c>MapValue</c> then maps each class's hash to the class's
/// key (class + 1) through a K-row lookup whose value column carries the label's <c>KeyValues</c>, which
/// <c>MapValue</c> copies to <c>PredictedLabel</c>.
/// </para>
/// <para>
/// Why the hash is safe: the lookup's hashes are computed by ML.NET's own hash transformer with the very parameters
/// (seed, bits, combine) that the chain's hash transformer saves and reloads, on exactly the K values the arg-max can
/// produce, and a seed is only accepted when those K hashes are distinct. The mapping is therefore a bijection on every
/// value that can occur; there is no probabilistic argument involved.
/// </para>
/// <para>
/// A row without a prediction (a NaN or infinite feature) leaves the graph with Score all NaN and the index
/// <see cref="OnnxMlp.NoPrediction"/>. The seed is also required to hash that value apart from the K classes, so it has
/// no entry in the lookup, and <c>MapValue</c> gives a value it cannot find its column's missing value: for a key
/// column, key 0 — the missing key that ML.NET's own multiclass scorers predict for such a row.
/// </para>
/// <para>
/// Temporary file: <c>ApplyOnnxModel</c> copies the ONNX bytes to a file in <see cref="MLContext.TempFilePath"/> and
/// never deletes it; the chain needs that file for as long as it may be saved. The caller should create the
/// <see cref="MLContext"/> with a temporary folder of its own, dispose the chain when done and then delete the folder.
/// </para>
/// </remarks>
internal static class OnnxScoringChain
{
    /// <summary>The scalar key column the chain adds.</summary>
    public const string PredictedLabelName = "PredictedLabel";

    private const string HashName = "PredictedLabel.Hash";
    private const string KeyValuesKind = "KeyValues";

    // The hash transformer's widest output; the first seed is its default, later ones are only tried on a collision.
    private const int HashBits = 31;
    private const uint FirstSeed = 314489979;
    private const int MaxSeedAttempts = 64;

    /// <summary>Builds and fits the chain.</summary>
    /// <param name="ml">The context; its <see cref="MLContext.TempFilePath"/> receives a copy of the ONNX model.</param>
    /// <param name="rowOnnx">A <see cref="OnnxLayout.Row"/> model whose input is named <paramref name="featureColumnName"/>.</param>
    /// <param name="inputSchema">The schema of the data the chain will score.</param>
    /// <param name="featureColumnName">The feature column: a vector of F floats.</param>
    /// <param name="classCount">K, the model's number of classes.</param>
    /// <param name="keyValuesType">The type of the label's <c>KeyValues</c> annotation (a vector of K items), or null.</param>
    /// <param name="keyValues">The label's key values as a boxed <c>VBuffer&lt;T&gt;</c> of that item type, or null.</param>
    /// <returns>A fitted chain adding <c>Score</c> (<c>Vector&lt;Single, K&gt;</c>) and <c>PredictedLabel</c>
    /// (<c>Key&lt;UInt32, K&gt;</c>, with the key values when given); every input column passes through.</returns>
    public static ITransformer Build(MLContext ml, byte[] rowOnnx, DataViewSchema inputSchema, string featureColumnName,
        int classCount, VectorDataViewType? keyValuesType, object? keyValues)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(rowOnnx);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentException.ThrowIfNullOrEmpty(featureColumnName);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if ((keyValuesType is null) != (keyValues is null)) throw new ArgumentException("Give both the key values and their type, or neither.");
        if (keyValuesType is not null && (keyValuesType.Size != classCount
            || keyValues!.GetType() != typeof(VBuffer<>).MakeGenericType(keyValuesType.ItemType.RawType)))
        {
            throw new ArgumentException($"The key values must be a VBuffer of {classCount} {keyValuesType.ItemType.RawType.Name}.", nameof(keyValues));
        }
        var contents = OnnxMlp.Read(rowOnnx, "the row ONNX model");
        if (contents.Layout != OnnxLayout.Row || contents.InputName != featureColumnName)
        {
            throw new ArgumentException($"The ONNX model must have the row layout and the input '{featureColumnName}'.", nameof(rowOnnx));
        }
        var featureType = new VectorDataViewType(NumberDataViewType.Single, contents.FeatureCount);
        if (!featureType.Equals(inputSchema.GetColumnOrNull(featureColumnName)?.Type))
        {
            throw new ArgumentException($"Column '{featureColumnName}' must be a vector of {contents.FeatureCount} floats.", nameof(inputSchema));
        }

        var classes = LoadClasses(ml, classCount, keyValuesType, keyValues);
        var (hash, lookup) = HashClasses(ml, classes, classCount);
        var estimator = ml.Transforms.ApplyOnnxModel([OnnxMlp.ScoreName, OnnxMlp.PredictedLabelIndexName], [featureColumnName], new MemoryStream(rowOnnx))
            .Append(ml.Transforms.Conversion.Hash(hash))
            .Append(ml.Transforms.Conversion.MapValue(PredictedLabelName, lookup, lookup.Schema[HashName], lookup.Schema[PredictedLabelName], HashName))
            .Append(ml.Transforms.DropColumns(OnnxMlp.PredictedLabelIndexName, HashName));
        // The estimators only look at the schema, so an empty view holding just the feature column is enough to fit them.
        var definition = SchemaDefinition.Create(typeof(Features));
        definition[0].ColumnName = featureColumnName;
        definition[0].ColumnType = featureType;
        return estimator.Fit(ml.Data.LoadFromEnumerable(Array.Empty<Features>(), definition));
    }

    // K rows: the arg-max output c (as the ONNX output's type, Vector<Int64, 1>) beside its key c + 1 with the label's
    // key values.
    private static IDataView LoadClasses(MLContext ml, int classCount, VectorDataViewType? keyValuesType, object? keyValues)
    {
        var definition = SchemaDefinition.Create(typeof(ClassRow));
        var index = definition[nameof(ClassRow.Index)];
        index.ColumnName = OnnxMlp.PredictedLabelIndexName;
        index.ColumnType = new VectorDataViewType(NumberDataViewType.Int64, 1);
        var key = definition[nameof(ClassRow.Key)];
        key.ColumnName = PredictedLabelName;
        key.ColumnType = new KeyDataViewType(typeof(uint), classCount);
        if (keyValuesType is not null)
        {
            typeof(OnnxScoringChain).GetMethod(nameof(AddKeyValues), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(keyValuesType.ItemType.RawType).Invoke(null, [key, keyValuesType, keyValues]);
        }
        // LoadFromEnumerable reads a key field as the 0-based class and stores key c + 1 itself.
        var rows = Enumerable.Range(0, classCount).Select(c => new ClassRow { Index = [c], Key = (uint)c }).ToArray();
        return ml.Data.LoadFromEnumerable(rows, definition);
    }

    private static void AddKeyValues<T>(SchemaDefinition.Column column, VectorDataViewType type, object values) =>
        column.AddAnnotation(KeyValuesKind, (VBuffer<T>)values, type);

    // Hashes the K class rows with ML.NET's own transformer and keeps the first seed that gives K distinct hashes, none
    // of them the hash of the no-prediction index.
    private static (HashingEstimator.ColumnOptions Options, IDataView Lookup) HashClasses(MLContext ml, IDataView classes, int classCount)
    {
        var noPrediction = ml.Data.LoadFromEnumerable([new IndexRow { Index = [OnnxMlp.NoPrediction] }], IndexDefinition());
        for (uint seed = FirstSeed; seed < FirstSeed + MaxSeedAttempts; seed++)
        {
            var options = new HashingEstimator.ColumnOptions(HashName, OnnxMlp.PredictedLabelIndexName, HashBits, seed, useOrderedHashing: false, combine: true);
            var hash = ml.Transforms.Conversion.Hash(options).Fit(classes);
            // Cached so that MapValue reads exactly the values checked here.
            var lookup = ml.Data.Cache(hash.Transform(classes));
            var hashes = lookup.GetColumn<uint>(HashName).ToHashSet();
            if (hashes.Count == classCount && !hashes.Contains(hash.Transform(noPrediction).GetColumn<uint>(HashName).Single()))
                return (options, lookup);
        }
        throw new InvalidOperationException($"No hash seed separated the {classCount} classes.");
    }

    private static SchemaDefinition IndexDefinition()
    {
        var definition = SchemaDefinition.Create(typeof(IndexRow));
        definition[0].ColumnName = OnnxMlp.PredictedLabelIndexName;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Int64, 1);
        return definition;
    }

    /// <summary>The arg-max output alone, as the ONNX output's type.</summary>
    private sealed class IndexRow
    {
        public long[] Index = [];
    }

    /// <summary>One row of the empty view the chain is fitted on.</summary>
    private sealed class Features
    {
        public float[] Value = [];
    }

    /// <summary>One class: the arg-max value and its 0-based key.</summary>
    private sealed class ClassRow
    {
        public long[] Index = [];
        public uint Key;
    }
}
