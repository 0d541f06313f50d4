using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Tests.MLNet;

[TestClass]
public sealed class DataViewTypeTests
{
    [TestMethod]
    public void ToString_MatchesMlNetForms()
    {
        Assert.AreEqual("Single", NumberDataViewType.Single.ToString());
        Assert.AreEqual("UInt32", NumberDataViewType.UInt32.ToString());
        Assert.AreEqual("String", TextDataViewType.Instance.ToString());
        Assert.AreEqual("Boolean", BooleanDataViewType.Instance.ToString());
        Assert.AreEqual("Key<UInt32, 0-9>", new KeyDataViewType(typeof(uint), 10).ToString());
        Assert.AreEqual("Vector<Single, 784>", new VectorDataViewType(NumberDataViewType.Single, 784).ToString());
        Assert.AreEqual("Vector<Single>", new VectorDataViewType(NumberDataViewType.Single).ToString());
        Assert.AreEqual("Vector<Single, 28, 28>", new VectorDataViewType(NumberDataViewType.Single, 28, 28).ToString());
        Assert.AreEqual("Vector<Single, *, 3>", new VectorDataViewType(NumberDataViewType.Single, 0, 3).ToString());
        Assert.AreEqual("Vector<Key<UInt32, 0-2>, 4>", new VectorDataViewType(new KeyDataViewType(typeof(uint), 3), 4).ToString());
    }

    [TestMethod]
    public void Equality_ComparesStructure()
    {
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), new KeyDataViewType(typeof(uint), 10));
        Assert.AreNotEqual(new KeyDataViewType(typeof(uint), 10), new KeyDataViewType(typeof(uint), 9));
        Assert.AreNotEqual(new KeyDataViewType(typeof(uint), 10), new KeyDataViewType(typeof(ulong), 10));
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 784), new VectorDataViewType(NumberDataViewType.Single, 784));
        Assert.AreNotEqual(new VectorDataViewType(NumberDataViewType.Single, 784), new VectorDataViewType(NumberDataViewType.Single));
        Assert.AreNotEqual(new VectorDataViewType(NumberDataViewType.Single, 4), new VectorDataViewType(NumberDataViewType.Double, 4));
        Assert.AreNotEqual(new VectorDataViewType(NumberDataViewType.Single, 2, 2), new VectorDataViewType(NumberDataViewType.Single, 4));
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 5).GetHashCode(), new KeyDataViewType(typeof(uint), 5).GetHashCode());
        Assert.AreEqual(784, new VectorDataViewType(NumberDataViewType.Single, 28, 28).Size);
        Assert.IsFalse(new VectorDataViewType(NumberDataViewType.Single).IsKnownSize);
    }

    [TestMethod]
    public void KeyType_RejectsInvalidArguments()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new KeyDataViewType(typeof(int), 3));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new KeyDataViewType(typeof(uint), 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new KeyDataViewType(typeof(byte), 256UL));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new VectorDataViewType(NumberDataViewType.Single, -1));
    }

    [TestMethod]
    public void Schema_HidesEarlierColumnsOfTheSameName_AndIndexerThrowsForUnknownNames()
    {
        var b = new DataViewSchema.Builder();
        b.AddColumn("A", NumberDataViewType.Single);
        b.AddColumn("B", TextDataViewType.Instance);
        b.AddColumn("A", NumberDataViewType.Double);
        var schema = b.ToSchema();
        Assert.AreEqual(3, schema.Count);
        Assert.IsTrue(schema[0].IsHidden);
        Assert.IsFalse(schema[2].IsHidden);
        Assert.AreEqual(2, schema["A"].Index);
        Assert.AreEqual(NumberDataViewType.Double, schema["A"].Type);
        Assert.IsNull(schema.GetColumnOrNull("C"));
        Assert.AreEqual("3 columns", schema.ToString());
        Assert.ThrowsExactly<ArgumentNullException>(() => schema.GetColumnOrNull(""));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => schema["C"]);
        StringAssert.Contains(e.Message, "Column 'C' not found");
    }

    [TestMethod]
    public void Annotations_KeyValuesAndSlotNames_RoundTrip()
    {
        var ab = new DataViewSchema.Annotations.Builder();
        var names = new[] { "a".AsMemory(), "b".AsMemory(), "c".AsMemory() };
        ab.AddKeyValues(3, TextDataViewType.Instance, (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(3, names).CopyTo(ref dst));
        var b = new DataViewSchema.Builder();
        b.AddColumn("Label", new KeyDataViewType(typeof(uint), 3), ab.ToAnnotations());
        var column = b.ToSchema()["Label"];
        Assert.IsTrue(column.HasKeyValues());
        Assert.IsTrue(column.HasKeyValues(TextDataViewType.Instance));
        Assert.IsFalse(column.HasKeyValues(NumberDataViewType.Single));
        VBuffer<ReadOnlyMemory<char>> values = default;
        column.GetKeyValues(ref values);
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, values.DenseValues().Select(v => v.ToString()).ToArray());
        Assert.AreEqual("KeyValues", AnnotationUtils.Kinds.KeyValues);
        Assert.AreEqual("SlotNames", AnnotationUtils.Kinds.SlotNames);
        Assert.AreEqual("ScoreColumnKind", AnnotationUtils.Kinds.ScoreColumnKind);
        Assert.AreEqual("ScoreValueKind", AnnotationUtils.Kinds.ScoreValueKind);
        Assert.AreEqual("ScoreColumnSetId", AnnotationUtils.Kinds.ScoreColumnSetId);
        Assert.AreEqual("IsNormalized", AnnotationUtils.Kinds.IsNormalized);
        float wrong = 0;
        Assert.ThrowsExactly<InvalidOperationException>(() => column.Annotations.GetValue(AnnotationUtils.Kinds.KeyValues, ref wrong));
        Assert.ThrowsExactly<InvalidOperationException>(() => column.Annotations.GetValue(AnnotationUtils.Kinds.SlotNames, ref values));
        Assert.AreEqual("Label: Key<UInt32, 0-2> {KeyValues}", column.ToString());
    }

    [TestMethod]
    public void SchemaShape_TypeStrings_MatchMlNetMessages()
    {
        var b = new DataViewSchema.Builder();
        b.AddColumn("Label", new KeyDataViewType(typeof(uint), 10));
        b.AddColumn("Text", TextDataViewType.Instance);
        b.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, 784));
        b.AddColumn("Var", new VectorDataViewType(NumberDataViewType.Single));
        var shape = SchemaShape.Create(b.ToSchema());
        Assert.AreEqual("Key<UInt32>", shape[0].GetTypeString());
        Assert.AreEqual("String", shape[1].GetTypeString());
        Assert.AreEqual("Vector<Single>", shape[2].GetTypeString());
        Assert.AreEqual("VarVector<Single>", shape[3].GetTypeString());
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            SchemaErrors.CheckColumn(shape, "label", "Text", "Key<UInt32>", c => c.IsKey));
        StringAssert.StartsWith(e.Message, "Schema mismatch for label column 'Text': expected Key<UInt32>, got String");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            SchemaErrors.CheckColumn(shape, "feature", "Pixels", "Vector<Single>", c => true));
        StringAssert.StartsWith(e.Message, "Could not find feature column 'Pixels'");
    }

    [TestMethod]
    public void VBuffer_CopiesAndReusesStorage()
    {
        var a = new VBuffer<float>(3, new[] { 1f, 2f, 3f, 99f });
        Assert.AreEqual(3, a.Length);
        Assert.IsTrue(a.IsDense);
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f }, a.DenseValues().ToArray());
        var dst = new VBuffer<float>(5, new float[5]);
        a.CopyTo(ref dst);
        Assert.AreEqual(3, dst.Length);
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f }, dst.GetValues().ToArray());
        var sparse = new VBuffer<float>(5, 2, new[] { 7f, 8f }, new[] { 1, 3 });
        CollectionAssert.AreEqual(new[] { 0f, 7f, 0f, 8f, 0f }, sparse.DenseValues().ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => new VBuffer<float>(4, new[] { 1f }));
    }
}
