using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Tests.MLNet;

[TestClass]
public sealed class DataOperationsTests
{
    public sealed class Row
    {
        [VectorType(3)] public float[] Features { get; set; } = new float[3];
        public float Label { get; set; }
        public string Name { get; set; } = "";
        [KeyType(5)] public uint Category { get; set; }
        [ColumnName("Weight")] public double W;
        public bool Flag { get; set; }
        [NoColumn] public int Ignored { get; set; }
    }

    public sealed class Simple
    {
        public int Id { get; set; }
    }

    private static List<Row> MakeRows(int n) => Enumerable.Range(0, n).Select(i => new Row
    {
        Features = new[] { i, i + 0.5f, -i },
        Label = i % 3,
        Name = "row" + i,
        Category = (uint)(i % 5 + 1),
        W = i * 0.25,
        Flag = i % 2 == 0,
    }).ToList();

    private static int[] Ids(MLContext ml, IDataView view) => ml.Data.CreateEnumerable<Simple>(view, reuseRowObject: false).Select(s => s.Id).ToArray();

    private static IDataView Numbers(MLContext ml, int n) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, n).Select(i => new Simple { Id = i }).ToList());

    [TestMethod]
    public void LoadFromEnumerable_BuildsTheSchemaFromAttributes()
    {
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(MakeRows(4));
        var s = view.Schema;
        Assert.AreEqual(6, s.Count);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), s["Features"].Type);
        Assert.AreEqual(NumberDataViewType.Single, s["Label"].Type);
        Assert.AreEqual(TextDataViewType.Instance, s["Name"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 5), s["Category"].Type);
        Assert.AreEqual(NumberDataViewType.Double, s["Weight"].Type);
        Assert.AreEqual(BooleanDataViewType.Instance, s["Flag"].Type);
        Assert.IsNull(s.GetColumnOrNull("Ignored"));
        Assert.AreEqual(4L, view.GetRowCount());
        Assert.IsFalse(view.CanShuffle);
    }

    [TestMethod]
    public void CreateEnumerable_RoundTripsEveryColumnKind()
    {
        var ml = new MLContext(1);
        var rows = MakeRows(5);
        var back = ml.Data.CreateEnumerable<Row>(ml.Data.LoadFromEnumerable(rows), reuseRowObject: false).ToList();
        Assert.AreEqual(5, back.Count);
        for (int i = 0; i < 5; i++)
        {
            CollectionAssert.AreEqual(rows[i].Features, back[i].Features);
            Assert.AreNotSame(rows[i].Features, back[i].Features);
            Assert.AreEqual(rows[i].Label, back[i].Label);
            Assert.AreEqual(rows[i].Name, back[i].Name);
            Assert.AreEqual(rows[i].Category, back[i].Category);
            Assert.AreEqual(rows[i].W, back[i].W);
            Assert.AreEqual(rows[i].Flag, back[i].Flag);
        }
    }

    [TestMethod]
    public void CreateEnumerable_ReuseRowObject_ReturnsOneObject()
    {
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(MakeRows(3));
        var seen = new List<(Row Obj, float Label)>();
        foreach (var r in ml.Data.CreateEnumerable<Row>(view, reuseRowObject: true))
            seen.Add((r, r.Label));
        Assert.AreSame(seen[0].Obj, seen[2].Obj);
        CollectionAssert.AreEqual(new[] { 0f, 1f, 2f }, seen.Select(s => s.Label).ToArray());
    }

    public sealed class NeedsMissing
    {
        public float Label { get; set; }
        public float Missing { get; set; } = 42;
    }

    public sealed class WrongType
    {
        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void CreateEnumerable_MissingAndMismatchedColumns()
    {
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(MakeRows(2));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.CreateEnumerable<NeedsMissing>(view, false).ToList());
        StringAssert.StartsWith(e.Message, "Could not find  column 'Missing'");
        var ok = ml.Data.CreateEnumerable<NeedsMissing>(view, false, ignoreMissingColumns: true).ToList();
        Assert.AreEqual(42f, ok[1].Missing);
        Assert.AreEqual(1f, ok[1].Label);
        var e2 = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Data.CreateEnumerable<WrongType>(view, false).ToList());
        Assert.AreEqual("Can't bind the IDataView column 'Label' of type 'Single' to field or property 'Label' of type 'System.String'.", e2.Message);
    }

    public sealed class Unsupported
    {
        public DateTime When { get; set; }
    }

    [TestMethod]
    public void LoadFromEnumerable_RejectsMembersWithoutADataViewType()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext(1).Data.LoadFromEnumerable(new[] { new Unsupported() }));
        StringAssert.StartsWith(e.Message, "Could not determine an IDataView type for member When");
    }

    [TestMethod]
    public void LoadFromEnumerable_IsLazy_AndReEnumeratesPerCursor()
    {
        var ml = new MLContext(1);
        var list = new List<Simple> { new() { Id = 1 } };
        var view = ml.Data.LoadFromEnumerable(list);
        CollectionAssert.AreEqual(new[] { 1 }, Ids(ml, view));
        list.Add(new Simple { Id = 2 });
        CollectionAssert.AreEqual(new[] { 1, 2 }, Ids(ml, view));
    }

    [TestMethod]
    public void VectorOfWrongLength_IsRejectedWhenRead()
    {
        var ml = new MLContext(1);
        var rows = MakeRows(1);
        rows[0].Features = new float[2];
        var view = ml.Data.LoadFromEnumerable(rows);
        Assert.ThrowsExactly<InvalidOperationException>(() => ml.Data.CreateEnumerable<Row>(view, false).ToList());
    }

    [TestMethod]
    public void TakeRows_SkipRows_SelectTheExpectedRows()
    {
        var ml = new MLContext(1);
        var data = Numbers(ml, 10);
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, Ids(ml, ml.Data.TakeRows(data, 3)));
        CollectionAssert.AreEqual(new[] { 7, 8, 9 }, Ids(ml, ml.Data.SkipRows(data, 7)));
        CollectionAssert.AreEqual(new[] { 4, 5 }, Ids(ml, ml.Data.TakeRows(ml.Data.SkipRows(data, 4), 2)));
        Assert.AreEqual(0, Ids(ml, ml.Data.SkipRows(data, 20)).Length);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.TakeRows(data, 0));
        StringAssert.StartsWith(e.Message, "Must be greater than zero.");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.SkipRows(data, 0));
        Assert.AreEqual(10, Ids(ml, ml.Data.TakeRows(data, 20)).Length);
        Assert.AreEqual(3L, ml.Data.TakeRows(data, 3).GetRowCount());
        Assert.AreEqual(0L, ml.Data.SkipRows(data, 20).GetRowCount());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.TakeRows(data, -1));
    }

    [TestMethod]
    public void TrainTestSplit_IsDisjointCoveringDeterministicAndNearTheFraction()
    {
        var ml = new MLContext(1);
        var data = Numbers(ml, 2000);
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 7);
        var train = Ids(ml, split.TrainSet);
        var test = Ids(ml, split.TestSet);
        Assert.AreEqual(0, train.Intersect(test).Count());
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 2000).ToArray(), train.Concat(test).ToArray());
        // 400 expected; the binomial standard deviation is about 18, so ±80 is more than 4 sigma.
        Assert.IsTrue(Math.Abs(test.Length - 400) < 80, $"test rows: {test.Length}");
        var again = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 7);
        CollectionAssert.AreEqual(test, Ids(ml, again.TestSet));
        var other = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 8);
        CollectionAssert.AreNotEqual(test, Ids(ml, other.TestSet));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.TrainTestSplit(data, testFraction: 1.0));
    }

    public sealed class Grouped
    {
        public int Id { get; set; }
        public string Group { get; set; } = "";
    }

    [TestMethod]
    public void TrainTestSplit_WithSamplingKey_KeepsGroupsTogether()
    {
        var ml = new MLContext(1);
        var rows = Enumerable.Range(0, 600).Select(i => new Grouped { Id = i, Group = "g" + (i % 40) }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var split = ml.Data.TrainTestSplit(data, 0.3, samplingKeyColumnName: "Group", seed: 3);
        var trainGroups = ml.Data.CreateEnumerable<Grouped>(split.TrainSet, false).Select(g => g.Group).ToHashSet();
        var testGroups = ml.Data.CreateEnumerable<Grouped>(split.TestSet, false).Select(g => g.Group).ToHashSet();
        Assert.AreEqual(0, trainGroups.Intersect(testGroups).Count());
        Assert.AreEqual(40, trainGroups.Count + testGroups.Count);
        Assert.IsTrue(testGroups.Count > 0 && trainGroups.Count > 0);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.TrainTestSplit(data, 0.3, samplingKeyColumnName: "Nope"));
    }

    [TestMethod]
    public void ShuffleRows_IsAPermutation_DeterministicForASeed()
    {
        var ml = new MLContext(1);
        var data = Numbers(ml, 500);
        var a = Ids(ml, ml.Data.ShuffleRows(data, seed: 5));
        var b = Ids(ml, ml.Data.ShuffleRows(data, seed: 5));
        var c = Ids(ml, ml.Data.ShuffleRows(data, seed: 6));
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 500).ToArray(), a);
        CollectionAssert.AreEqual(a, b);
        CollectionAssert.AreNotEqual(a, c);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 500).ToArray(), a);
        // A pool of 10 can only delay or advance a row by a bounded amount: row i cannot appear before position i - 9.
        var small = Ids(ml, ml.Data.ShuffleRows(data, seed: 5, shufflePoolSize: 10));
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 500).ToArray(), small);
        for (int pos = 0; pos < small.Length; pos++)
            Assert.IsTrue(small[pos] <= pos + 9, $"row {small[pos]} at position {pos}");
    }

    [TestMethod]
    public void ShuffleRows_ShuffleSource_ReadsAShufflableSourceInRandomOrder()
    {
        var ml = new MLContext(1);
        var cached = ml.Data.Cache(Numbers(ml, 100));
        // A pool of one row cannot reorder anything: only reading the source in a random order can.
        var poolOnly = Ids(ml, ml.Data.ShuffleRows(cached, seed: 4, shufflePoolSize: 1, shuffleSource: false));
        CollectionAssert.AreEqual(Enumerable.Range(0, 100).ToArray(), poolOnly);
        var sourceShuffled = Ids(ml, ml.Data.ShuffleRows(cached, seed: 4, shufflePoolSize: 1));
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 100).ToArray(), sourceShuffled);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 100).ToArray(), sourceShuffled);
        CollectionAssert.AreEqual(sourceShuffled, Ids(ml, ml.Data.ShuffleRows(cached, seed: 4, shufflePoolSize: 1)));
    }

    [TestMethod]
    public void ShuffleRows_CopiesVectorValuesIntact()
    {
        var ml = new MLContext(1);
        var rows = MakeRows(50);
        var shuffled = ml.Data.CreateEnumerable<Row>(ml.Data.ShuffleRows(ml.Data.LoadFromEnumerable(rows), seed: 2, shufflePoolSize: 7), false).ToList();
        foreach (var r in shuffled)
        {
            int i = (int)r.Features[0];
            CollectionAssert.AreEqual(rows[i].Features, r.Features);
            Assert.AreEqual(rows[i].Name, r.Name);
        }
    }

    private sealed class CountingEnumerable : IEnumerable<Simple>
    {
        public int Enumerations;

        public IEnumerator<Simple> GetEnumerator()
        {
            Interlocked.Increment(ref Enumerations);
            for (int i = 0; i < 100; i++) yield return new Simple { Id = i };
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [TestMethod]
    public void Cache_ReadsTheSourceOnce_AndServesConcurrentCursors()
    {
        var ml = new MLContext(1);
        var source = new CountingEnumerable();
        var cached = ml.Data.Cache(ml.Data.LoadFromEnumerable(source));
        Assert.AreEqual(0, source.Enumerations);
        var results = new int[8][];
        Parallel.For(0, 8, i => results[i] = Ids(ml, cached));
        Assert.AreEqual(1, source.Enumerations);
        foreach (var r in results)
            CollectionAssert.AreEqual(Enumerable.Range(0, 100).ToArray(), r);
        Assert.AreEqual(100L, cached.GetRowCount());
        Assert.IsTrue(cached.CanShuffle);
        using var cursor = cached.GetRowCursor(cached.Schema, new Random(3));
        var getter = cursor.GetGetter<int>(cached.Schema["Id"]);
        var order = new List<int>();
        while (cursor.MoveNext()) { int v = 0; getter(ref v); order.Add(v); }
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 100).ToArray(), order);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 100).ToArray(), order);
        var prefetched = ml.Data.Cache(ml.Data.LoadFromEnumerable(source), "Id");
        Assert.AreEqual(1, source.Enumerations);
        CollectionAssert.AreEqual(Enumerable.Range(0, 100).ToArray(), Ids(ml, prefetched));
        Assert.AreEqual(2, source.Enumerations);
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.Cache(cached, "Nope"));
        StringAssert.StartsWith(missing.Message, "Could not find prefetch column 'Nope'");
    }

    [TestMethod]
    public void Cache_ReadsEachColumnOnFirstUse()
    {
        var ml = new MLContext(1);
        var source = new CountingRows();
        var cached = ml.Data.Cache(ml.Data.LoadFromEnumerable(source));
        Assert.AreEqual(3, cached.GetColumn<float>("Label").Count());
        Assert.AreEqual(1, source.Enumerations);
        Assert.AreEqual(3, cached.GetColumn<float>("Label").Count());
        Assert.AreEqual(1, source.Enumerations);
        CollectionAssert.AreEqual(new[] { "row0", "row1", "row2" }, cached.GetColumn<string>("Name").ToArray());
        Assert.AreEqual(2, source.Enumerations);
        CollectionAssert.AreEqual(new[] { 2f, 2.5f, -2f }, cached.GetColumn<float[]>("Features").Last());
        Assert.AreEqual(3, source.Enumerations);
        Assert.AreEqual(3, ml.Data.CreateEnumerable<Row>(cached, false).Count());
        Assert.AreEqual(4, source.Enumerations);   // the remaining columns, once
        Assert.AreEqual(3, ml.Data.CreateEnumerable<Row>(cached, false).Count());
        Assert.AreEqual(4, source.Enumerations);
    }

    private sealed class CountingRows : IEnumerable<Row>
    {
        public int Enumerations;

        public IEnumerator<Row> GetEnumerator()
        {
            Interlocked.Increment(ref Enumerations);
            foreach (var r in MakeRows(3)) yield return r;
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [TestMethod]
    public void Cursor_RejectsWrongGetterTypesAndInactiveColumns()
    {
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(MakeRows(2));
        using var cursor = view.GetRowCursor(new[] { view.Schema["Label"] });
        Assert.IsTrue(cursor.IsColumnActive(view.Schema["Label"]));
        Assert.IsFalse(cursor.IsColumnActive(view.Schema["Name"]));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<double>(view.Schema["Label"]));
        StringAssert.Contains(e.Message, "Invalid TValue in GetGetter");
        Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["Name"]));
        Assert.AreEqual(-1L, cursor.Position);
        Assert.IsTrue(cursor.MoveNext());
        Assert.AreEqual(0L, cursor.Position);
        Assert.IsTrue(cursor.MoveNext());
        Assert.IsFalse(cursor.MoveNext());
    }

    public sealed class Mnistish
    {
        public float[] Features { get; set; } = Array.Empty<float>();
        public uint Label { get; set; }
    }

    [TestMethod]
    public void LoadFromEnumerable_WithASchema_KeepsTypesAndAnnotations()
    {
        var ml = new MLContext(1);
        var digits = Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture).AsMemory()).ToArray();
        var keyValues = new DataViewSchema.Annotations.Builder();
        keyValues.AddKeyValues(10, TextDataViewType.Instance, (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(10, digits).CopyTo(ref dst));
        var b = new DataViewSchema.Builder();
        b.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, 4));
        b.AddColumn("Label", new KeyDataViewType(typeof(uint), 10), keyValues.ToAnnotations());
        var rows = new[] { new Mnistish { Features = new[] { 0f, 0.5f, 1f, 0f }, Label = 8 }, new Mnistish { Features = new float[4], Label = 1 } };
        var view = ml.Data.LoadFromEnumerable(rows, b.ToSchema());
        Assert.AreEqual("Key<UInt32, 0-9>", view.Schema["Label"].Type.ToString());
        Assert.AreEqual("Vector<Single, 4>", view.Schema["Features"].Type.ToString());
        Assert.IsTrue(view.Schema["Label"].HasKeyValues(TextDataViewType.Instance));
        CollectionAssert.AreEqual(new uint[] { 8, 1 }, view.GetColumn<uint>("Label").ToArray());
        CollectionAssert.AreEqual(new[] { 0f, 0.5f, 1f, 0f }, view.GetColumn<float[]>("Features").First());
        var bad = new DataViewSchema.Builder();
        bad.AddColumn("Pixels", NumberDataViewType.Single);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.LoadFromEnumerable(rows, bad.ToSchema()));
    }

    [TestMethod]
    public void GetColumn_ReadsScalarsTextAndVectors()
    {
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(MakeRows(3));
        CollectionAssert.AreEqual(new[] { "row0", "row1", "row2" }, view.GetColumn<string>("Name").ToArray());
        CollectionAssert.AreEqual(new[] { 0.0, 0.25, 0.5 }, view.GetColumn<double>("Weight").ToArray());
        CollectionAssert.AreEqual(new[] { 2f, 2.5f, -2f }, view.GetColumn<float[]>("Features").Last());
        Assert.ThrowsExactly<InvalidOperationException>(() => view.GetColumn<int>("Name").ToList());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => view.GetColumn<int>("Nope").ToList());
    }

    public sealed class Measured
    {
        public float Value { get; set; }
        [KeyType(3)] public uint Key { get; set; }
        [VectorType(2)] public float[] V { get; set; } = new float[2];
        public string Text { get; set; } = "";
    }

    [TestMethod]
    public void FilterRowsByColumn_KeepsTheHalfOpenRange()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { 0.5f, 1f, 1.5f, 2f, float.NaN }.Select((v, i) => new Measured { Value = v, Key = (uint)(i % 4) }).ToList());
        CollectionAssert.AreEqual(new[] { 1f, 1.5f }, ml.Data.FilterRowsByColumn(data, "Value", 1, 2).GetColumn<float>("Value").ToArray());
        CollectionAssert.AreEqual(new[] { 0.5f, 1f, 1.5f, 2f }, ml.Data.FilterRowsByColumn(data, "Value").GetColumn<float>("Value").ToArray());
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.FilterRowsByColumn(data, "Text"));
        StringAssert.StartsWith(e.Message, "Schema mismatch for filter column 'Text': expected number, got String");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.FilterRowsByColumn(data, "Key"));
        StringAssert.StartsWith(e.Message, "Schema mismatch for filter column 'Key': expected number, got Key<UInt32, 0-2>");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.FilterRowsByColumn(data, "Value", 2, 1));
    }

    [TestMethod]
    public void FilterRowsByMissingValues_DropsNaNsAndMissingKeys()
    {
        var ml = new MLContext(1);
        var rows = new[]
        {
            new Measured { Value = 1, Key = 1, V = new[] { 0f, 0f } },
            new Measured { Value = float.NaN, Key = 1, V = new[] { 0f, 0f } },
            new Measured { Value = 3, Key = 0, V = new[] { 0f, 0f } },
            new Measured { Value = 4, Key = 2, V = new[] { 0f, float.NaN } },
            new Measured { Value = 5, Key = 3, V = new[] { 1f, 1f }, Text = "" },
        };
        var data = ml.Data.LoadFromEnumerable(rows);
        CollectionAssert.AreEqual(new[] { 1f, 5f }, ml.Data.FilterRowsByMissingValues(data, "Value", "Key", "V", "Text").GetColumn<float>("Value").ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 3f, 4f, 5f }, ml.Data.FilterRowsByMissingValues(data, "Value").GetColumn<float>("Value").ToArray());
    }

    private sealed class CountingFloats : IEnumerable<FloatsRow>
    {
        public int Enumerations;

        public IEnumerator<FloatsRow> GetEnumerator()
        {
            Interlocked.Increment(ref Enumerations);
            for (int i = 0; i < 20; i++) yield return new FloatsRow { A = i, B = i % 3 };
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    public sealed class FloatsRow
    {
        public float A { get; set; }
        public float B { get; set; }
    }

    [TestMethod]
    public void AppendCacheCheckpoint_ReadsTheSourceOnceForTheLaterEstimators()
    {
        var ml = new MLContext(1);
        var plain = new CountingFloats();
        ml.Transforms.NormalizeMinMax("A1", "A")
            .Append(ml.Transforms.NormalizeMinMax("A2", "A1"))
            .Append(ml.Transforms.Conversion.MapValueToKey("K", "A1"))
            .Append(ml.Transforms.NormalizeMinMax("A3", "A1"))
            .Fit(ml.Data.LoadFromEnumerable(plain));
        Assert.AreEqual(4, plain.Enumerations);
        var counted = new CountingFloats();
        var model = ml.Transforms.NormalizeMinMax("A1", "A").AppendCacheCheckpoint(ml)
            .Append(ml.Transforms.NormalizeMinMax("A2", "A1"))
            .Append(ml.Transforms.Conversion.MapValueToKey("K", "A1"))
            .Append(ml.Transforms.NormalizeMinMax("A3", "A1"))
            .Fit(ml.Data.LoadFromEnumerable(counted));
        // One pass to fit the first estimator, one to cache A1 on first use; the others read memory.
        Assert.AreEqual(2, counted.Enumerations);
        Assert.AreEqual(4, model.Count());
        var a3 = model.Transform(ml.Data.LoadFromEnumerable(new CountingFloats())).GetColumn<float>("A3").ToArray();
        Assert.AreEqual(1f, a3[^1]);
    }
}
