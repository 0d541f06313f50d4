using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Minibatch.Tests.MLNet;

[TestClass]
public sealed class TransformTests
{
    public sealed class FloatRow
    {
        public float Value { get; set; }
    }

    public sealed class TextRow
    {
        public string Value { get; set; } = "";
    }

    public sealed class VecRow
    {
        public float A { get; set; }
        [VectorType(2)] public float[] V { get; set; } = new float[2];
    }

    public sealed class KeyOut
    {
        public uint Key { get; set; }
    }

    public sealed class BackOut
    {
        public float Back { get; set; }
    }

    private static IDataView Floats(MLContext ml, params float[] values)
        => ml.Data.LoadFromEnumerable(values.Select(v => new FloatRow { Value = v }).ToList());

    private static IDataView Texts(MLContext ml, params string[] values)
        => ml.Data.LoadFromEnumerable(values.Select(v => new TextRow { Value = v }).ToList());

    private static uint[] Keys(MLContext ml, IDataView data)
        => ml.Data.CreateEnumerable<KeyOut>(data, false).Select(k => k.Key).ToArray();

    private static T[] KeyValues<T>(DataViewSchema.Column column)
    {
        VBuffer<T> values = default;
        column.GetKeyValues(ref values);
        return values.DenseValues().ToArray();
    }

    [TestMethod]
    public void MapValueToKey_ByOccurrence_NumbersKeysInOrderOfFirstAppearance()
    {
        var ml = new MLContext(1);
        var data = Floats(ml, 3, 1, 3, 2, float.NaN);
        var noValue = ml.Data.LoadFromEnumerable(new[] { new VecRow() });
        var model = EstimatorChecks.Run(ml.Transforms.Conversion.MapValueToKey("Key", "Value"), data,
            noValue, "Could not find input column 'Value'");
        var output = model.Transform(data);
        CollectionAssert.AreEqual(new uint[] { 1, 2, 1, 3, 0 }, Keys(ml, output));
        Assert.AreEqual("Key<UInt32, 0-2>", output.Schema["Key"].Type.ToString());
        CollectionAssert.AreEqual(new[] { 3f, 1f, 2f }, KeyValues<float>(output.Schema["Key"]));
    }

    [TestMethod]
    public void MapValueToKey_ByValue_SortsValues_AndUnseenValuesMapToZero()
    {
        var ml = new MLContext(1);
        var est = ml.Transforms.Conversion.MapValueToKey("Key", "Value", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
        var model = est.Fit(Floats(ml, 3, 1, 3, 2));
        CollectionAssert.AreEqual(new uint[] { 3, 1, 3, 2 }, Keys(ml, model.Transform(Floats(ml, 3, 1, 3, 2))));
        CollectionAssert.AreEqual(new uint[] { 0, 2, 0 }, Keys(ml, model.Transform(Floats(ml, 7, 2, float.NaN))));
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f }, KeyValues<float>(model.GetOutputSchema(Floats(ml, 1).Schema)["Key"]));
    }

    [TestMethod]
    public void MapValueToKey_Text_ByValueIsOrdinal_AndAsTextAnnotations()
    {
        var ml = new MLContext(1);
        var data = Texts(ml, "b", "B", "", "a", "b");
        var model = EstimatorChecks.Run(ml.Transforms.Conversion.MapValueToKey("Key", "Value", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue), data);
        // Ordinal order: 'B' (66) < 'a' (97) < 'b' (98); empty text is missing and maps to key 0.
        CollectionAssert.AreEqual(new uint[] { 3, 1, 0, 2, 3 }, Keys(ml, model.Transform(data)));
        var numbers = ml.Transforms.Conversion.MapValueToKey("Key", "Value", addKeyValueAnnotationsAsText: true).Fit(Floats(ml, 0.5f, 2));
        var column = numbers.GetOutputSchema(Floats(ml, 1).Schema)["Key"];
        Assert.IsTrue(column.HasKeyValues(TextDataViewType.Instance));
        CollectionAssert.AreEqual(new[] { "0.5", "2" }, KeyValues<ReadOnlyMemory<char>>(column).Select(m => m.ToString()).ToArray());
    }

    [TestMethod]
    public void MapValueToKey_MaximumNumberOfKeys_AndKeyData()
    {
        var ml = new MLContext(1);
        var capped = ml.Transforms.Conversion.MapValueToKey("Key", "Value", maximumNumberOfKeys: 2).Fit(Floats(ml, 5, 6, 7, 5));
        CollectionAssert.AreEqual(new uint[] { 1, 2, 0, 1 }, Keys(ml, capped.Transform(Floats(ml, 5, 6, 7, 5))));
        var fromKeyData = ml.Transforms.Conversion.MapValueToKey("Key", "Value", keyData: Floats(ml, 9, 8)).Fit(Floats(ml, 8, 1));
        CollectionAssert.AreEqual(new uint[] { 2, 0 }, Keys(ml, fromKeyData.Transform(Floats(ml, 8, 1))));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.Conversion.MapValueToKey("Key", "Value", maximumNumberOfKeys: 0));
    }

    public sealed class KeyVecOut
    {
        public uint[] Key { get; set; } = Array.Empty<uint>();
    }

    [TestMethod]
    public void MapValueToKey_OnVectors_MapsEachSlot()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new VecRow { V = new[] { 4f, 5f } }, new VecRow { V = new[] { 5f, 6f } } });
        var model = ml.Transforms.Conversion.MapValueToKey("Key", "V").Fit(data);
        var output = model.Transform(data);
        Assert.AreEqual("Vector<Key<UInt32, 0-2>, 2>", output.Schema["Key"].Type.ToString());
        var keys = ml.Data.CreateEnumerable<KeyVecOut>(output, false).Select(k => string.Join(",", k.Key)).ToArray();
        CollectionAssert.AreEqual(new[] { "1,2", "2,3" }, keys);
    }

    [TestMethod]
    public void MapKeyToValue_InvertsMapValueToKey_AndKeyZeroGivesNaN()
    {
        var ml = new MLContext(1);
        var data = Floats(ml, 3, 1, 3, 2);
        var keyModel = ml.Transforms.Conversion.MapValueToKey("Key", "Value", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(data);
        var keyed = keyModel.Transform(data);
        var back = EstimatorChecks.Run(ml.Transforms.Conversion.MapKeyToValue("Back", "Key"), keyed, data,
            "Could not find input column 'Key'");
        CollectionAssert.AreEqual(new[] { 3f, 1f, 3f, 2f }, ml.Data.CreateEnumerable<BackOut>(back.Transform(keyed), false).Select(b => b.Back).ToArray());
        var unseen = back.Transform(keyModel.Transform(Floats(ml, 9)));
        Assert.IsTrue(float.IsNaN(ml.Data.CreateEnumerable<BackOut>(unseen, false).Single().Back));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.Conversion.MapKeyToValue("Back", "Value").Fit(data));
        StringAssert.StartsWith(e.Message, "Schema mismatch for input column 'Value': expected key type, got Single");
    }

    public sealed class ConcatOut
    {
        public float[] All { get; set; } = Array.Empty<float>();
    }

    [TestMethod]
    public void Concatenate_JoinsScalarsAndVectorsInOrder()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new VecRow { A = 1, V = new[] { 2f, 3f } }, new VecRow { A = 4, V = new[] { 5f, 6f } } });
        var model = EstimatorChecks.Run(ml.Transforms.Concatenate("All", "V", "A", "V"), data, Texts(ml, "x"), "Could not find input column 'V'");
        var output = model.Transform(data);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 5), output.Schema["All"].Type);
        var all = ml.Data.CreateEnumerable<ConcatOut>(output, false).Select(c => string.Join(",", c.All)).ToArray();
        CollectionAssert.AreEqual(new[] { "2,3,1,2,3", "5,6,4,5,6" }, all);
        var mixed = ml.Data.LoadFromEnumerable(new[] { new DataOperationsTests.Row() });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.Concatenate("All", "Label", "Name").Fit(mixed));
        StringAssert.StartsWith(e.Message, "Schema mismatch for input column 'Name': expected Single, got String");
    }

    public sealed class NormOut
    {
        public float N { get; set; }
    }

    public sealed class NormVecOut
    {
        public float[] N { get; set; } = Array.Empty<float>();
    }

    private static float[] Normalized(MLContext ml, IDataView data, bool fixZero, long max = 1000000000)
    {
        var model = ml.Transforms.NormalizeMinMax("N", "Value", max, fixZero).Fit(data);
        return ml.Data.CreateEnumerable<NormOut>(model.Transform(data), false).Select(n => n.N).ToArray();
    }

    [TestMethod]
    public void NormalizeMinMax_FixZero_DividesByLargestMagnitude()
    {
        var ml = new MLContext(1);
        var data = Floats(ml, -2, 1, 4);
        CollectionAssert.AreEqual(new[] { -0.5f, 0.25f, 1f }, Normalized(ml, data, fixZero: true));
        var model = EstimatorChecks.Run(ml.Transforms.NormalizeMinMax("N", "Value"), data, Texts(ml, "x"),
            "Schema mismatch for input column 'Value': expected known-size vector or scalar of Single or Double, got String");
        Assert.IsTrue(model.GetOutputSchema(data.Schema)["N"].IsNormalized());
    }

    [TestMethod]
    public void NormalizeMinMax_WithoutFixZero_MapsTheRangeOntoZeroOne()
    {
        var ml = new MLContext(1);
        CollectionAssert.AreEqual(new[] { 0f, 0.5f, 1f }, Normalized(ml, Floats(ml, -2, 1, 4), fixZero: false));
        // A constant column carries no information and maps to 0; NaN stays NaN and does not widen the range.
        CollectionAssert.AreEqual(new[] { 0f, 0f }, Normalized(ml, Floats(ml, 5, 5), fixZero: true));
        var withNaN = Normalized(ml, Floats(ml, 2, float.NaN, -1), fixZero: true);
        Assert.AreEqual(1f, withNaN[0]);
        Assert.IsTrue(float.IsNaN(withNaN[1]));
        Assert.AreEqual(-0.5f, withNaN[2]);
        // Only the first two rows are used to learn the range: max |x| = 2, so 8 becomes 4.
        CollectionAssert.AreEqual(new[] { 1f, 0.5f, 4f }, Normalized(ml, Floats(ml, 2, 1, 8), fixZero: true, max: 2));
    }

    [TestMethod]
    public void NormalizeMinMax_OnVectors_WorksPerSlot()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new VecRow { V = new[] { 1f, -10f } }, new VecRow { V = new[] { 3f, 5f } } });
        var model = EstimatorChecks.Run(ml.Transforms.NormalizeMinMax("N", "V", fixZero: false), data);
        var rows = ml.Data.CreateEnumerable<NormVecOut>(model.Transform(data), false).Select(r => string.Join(",", r.N)).ToArray();
        CollectionAssert.AreEqual(new[] { "0,0", "1,1" }, rows);
    }

    [TestMethod]
    public void Chain_OfTransforms_FitsAndAppliesInOrder()
    {
        var ml = new MLContext(1);
        var data = Floats(ml, 3, 1, 2);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Key", "Value")
            .Append(ml.Transforms.Conversion.MapKeyToValue("Back", "Key"))
            .Append(ml.Transforms.NormalizeMinMax("N", "Back"));
        var model = EstimatorChecks.Run(pipeline, data, ml.Data.LoadFromEnumerable(new[] { new VecRow() }), "Could not find input column 'Value'");
        Assert.IsInstanceOfType<NormalizingTransformer>(model.LastTransformer);
        Assert.AreEqual(3, model.Count());
        var n = ml.Data.CreateEnumerable<NormOut>(model.Transform(data), false).Select(x => x.N).ToArray();
        CollectionAssert.AreEqual(new[] { 1f, 1f / 3, 2f / 3 }, n);
    }
}
