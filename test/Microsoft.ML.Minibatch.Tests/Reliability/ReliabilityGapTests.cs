using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.NN;
using static Microsoft.ML.Minibatch.Tests.Reliability.ModelZipSupport;
using static Microsoft.ML.Minibatch.Tests.Trainers.TrainerTestData;

namespace Microsoft.ML.Minibatch.Tests.Reliability;

/// <summary>The ISSUE7 cases the room tests did not cover: found by auditing each item against the code.</summary>
[TestClass]
public sealed class ReliabilityGapTests
{
    public sealed class LyingRow
    {
        [VectorType(4)] public float[] Features { get; set; } = new float[4];
        [KeyType(3)] public uint Label { get; set; }
    }

    [TestMethod]
    public void RowWhoseVectorDisagreesWithTheSchemaSize_AtFit_FailsNamingTheRow()
    {
        // The schema promises 4 slots; row 2 holds 6. Training must refuse it, not read past or pad.
        var ml = new MLContext(seed: 1);
        var rows = KeyRows(6, 1).Select(r => new LyingRow { Features = r.Features, Label = r.Label }).ToList();
        rows[2].Features = new float[6];
        // From plain objects: real ML.NET's LoadFromEnumerable passes the 6 values through unchecked, so the trainer's
        // own check names the row.
        var fromObjects = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.Minibatch(Small()).Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(fromObjects.Message, "Row 2 of the training data");
        StringAssert.Contains(fromObjects.Message, "holds 6 values, expected 4");
        // A custom IDataView that does not check: the trainer's own check names the row.
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.Minibatch(Small())
            .Fit(new WrongSizeRowView(ml.Data.LoadFromEnumerable(KeyRows(6, 1)), row: 2, size: 6)));
        StringAssert.Contains(e.Message, "Row 2 of the training data");
        StringAssert.Contains(e.Message, "holds 6 values, expected 4");
    }

    /// <summary>Passes rows through, except that the features of one row come back with another length.</summary>
    private sealed class WrongSizeRowView(IDataView inner, long row, int size) : IDataView
    {
        public bool CanShuffle => false;
        public DataViewSchema Schema => inner.Schema;
        public long? GetRowCount() => inner.GetRowCount();
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
            => new Cursor(inner.GetRowCursor(columnsNeeded), row, size);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
            => [GetRowCursor(columnsNeeded, rand)];

        private sealed class Cursor(DataViewRowCursor inner, long row, int size) : DataViewRowCursor
        {
            public override DataViewSchema Schema => inner.Schema;
            public override long Position => inner.Position;
            public override long Batch => inner.Batch;
            public override bool MoveNext() => inner.MoveNext();
            public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
            public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                var getter = inner.GetGetter<TValue>(column);
                if (column.Name != "Features") return getter;
                return (ref TValue value) =>
                {
                    getter(ref value);
                    if (inner.Position == row) value = (TValue)(object)new VBuffer<float>(size, new float[size]);
                };
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }

    [TestMethod]
    public void NaNFeature_FailsNamingTheRow_AndAValidationSetRowToo()
    {
        var ml = new MLContext(seed: 1);
        var rows = KeyRows(12, 5);
        rows[3].Features[0] = float.NaN;
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.Minibatch(Small()).Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(e.Message, "Row 3 of the training data");
        StringAssert.Contains(e.Message, "NaN");

        var o = Small();
        var valid = KeyRows(6, 2);
        valid[5].Features[1] = float.NegativeInfinity;
        o.ValidationSet = ml.Data.LoadFromEnumerable(valid);
        var v = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(KeyRows(12, 5))));
        StringAssert.Contains(v.Message, "Row 5 of the validation set");
    }

    [TestMethod]
    public void ValidationSetOfAnotherWidth_IsRefusedAtFit_BeforeTraining()
    {
        var ml = new MLContext(seed: 1);
        var o = Small();
        o.ValidationSet = ml.Transforms.Concatenate("Features", "Features", "Features").Fit(ml.Data.LoadFromEnumerable(KeyRows(3, 1)))
            .Transform(ml.Data.LoadFromEnumerable(KeyRows(3, 1)));
        int epochs = 0;
        o.EpochCompleted = _ => epochs++;
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(KeyRows(9, 1))));
        Assert.AreEqual("ValidationSet", e.ParamName);
        StringAssert.Contains(e.Message, "8 slots, the training set's 4");
        Assert.AreEqual(0, epochs);
    }

    [TestMethod]
    public void NoRowsAtAll_FailsWithMLNetsMessage()
    {
        var ml = new MLContext(seed: 1);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.Minibatch(Small()).Fit(ml.Data.LoadFromEnumerable(new List<KeyRow>())));
        StringAssert.Contains(e.Message, "0 instances");
    }

    [TestMethod]
    public void CancelledOnceTheDataIsRead_ThrowsBeforeAnyEpochEnds_AndReturnsNoModel()
    {
        // Cancelled right after Fit has materialised the rows (the read itself polls the token every 1,024 rows), so
        // what stops training is the loop's per-batch check: no epoch may complete and no model is returned.
        var ml = new MLContext(seed: 1);
        using var cts = new CancellationTokenSource();
        var o = Small(3);
        o.CancellationToken = cts.Token;
        int epochs = 0;
        o.EpochCompleted = _ => epochs++;
        var data = new CountingBatches(ml.Data.LoadFromEnumerable(KeyRows(40, 1))) { AfterRead = cts.Cancel };
        MinibatchTransformer? model = null;
        Assert.Throws<OperationCanceledException>(() => model = ml.MulticlassClassification.Trainers.Minibatch(o).Fit(data));
        Assert.IsNull(model);
        Assert.AreEqual(0, epochs);
    }

    /// <summary>Calls <see cref="AfterRead"/> once the trainer's cursor has been disposed (the data is materialised).</summary>
    private sealed class CountingBatches(IDataView inner) : IDataView
    {
        public Action? AfterRead { get; set; }
        public bool CanShuffle => inner.CanShuffle;
        public DataViewSchema Schema => inner.Schema;
        public long? GetRowCount() => inner.GetRowCount();
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
            => new NotifyingCursor(inner.GetRowCursor(columnsNeeded, rand), () => AfterRead?.Invoke());
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
            => [GetRowCursor(columnsNeeded, rand)];
    }

    private sealed class NotifyingCursor(DataViewRowCursor inner, Action onDispose) : DataViewRowCursor
    {
        public override DataViewSchema Schema => inner.Schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override bool MoveNext() => inner.MoveNext();
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(column);
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                onDispose();
            }
            base.Dispose(disposing);
        }
    }

    [TestMethod]
    public void ModelSaveFailingHalfway_LeavesThePreviousFileIntact_AndNoTemporaries()
    {
        var ml = new MLContext(seed: 1);
        var data = WithKeyValues(ml, 12, 1);
        var first = ml.MulticlassClassification.Trainers.Minibatch(Small(1)).Fit(data);
        var second = ml.MulticlassClassification.Trainers.Minibatch(Small(3)).Fit(data);
        string dir = Directory.CreateTempSubdirectory("minibatch-save-").FullName;
        try
        {
            string path = Path.Combine(dir, "model.zip");
            ml.Model.SaveAtomically(first, data.Schema, path);
            byte[] before = File.ReadAllBytes(path);
            // SaveAtomically is AtomicFile.Write around ml.Model.Save; the failure is injected through AtomicFile's seam.
            foreach (int failAfter in new[] { 0, 100, 1000 })
            {
                var e = Assert.ThrowsExactly<IOException>(() => AtomicFile.Write(path, s => ml.Model.Save(second, data.Schema, s), s => new FailingStream(s, failAfter)));
                StringAssert.Contains(e.Message, "disk full");
                CollectionAssert.AreEqual(before, File.ReadAllBytes(path), $"after failing at byte {failAfter}");
                CollectionAssert.AreEqual(new[] { "model.zip" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray());
            }
            // The intact file still loads as the first model.
            AssertSameWeights(first, MinibatchTransformer.Load(path));
            // And a save that completes replaces it.
            ml.Model.SaveAtomically(second, data.Schema, path);
            AssertSameWeights(second, MinibatchTransformer.Load(path));
            CollectionAssert.AreEqual(new[] { "model.zip" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Writes through to <paramref name="inner"/> until <paramref name="failAfter"/> bytes, then fails as a full disk would.</summary>
    private sealed class FailingStream(Stream inner, long failAfter) : Stream
    {
        private long _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > failAfter)
            {
                int room = (int)Math.Max(0, failAfter - _written);
                inner.Write(buffer[..room]);
                _written += room;
                throw new IOException("No space left on device (disk full, injected).");
            }
            inner.Write(buffer);
            _written += buffer.Length;
        }
    }

    [TestMethod]
    public void ModelWhoseWeightsClaimATerabyte_IsRefusedNamingTheFile_WithoutAllocatingIt()
    {
        var ml = new MLContext(seed: 1);
        var data = WithKeyValues(ml, 12, 1);
        var model = ml.MulticlassClassification.Trainers.Minibatch(Small(1)).Fit(data);
        using var saved = new MemoryStream();
        ml.Model.Save(model, data.Schema, saved);
        // Rewrite the first initializer's dims [5, 4] as [2^20, 2^20] floats (4 TiB) inside the ONNX model, every
        // protobuf length and the zip's CRC-32s kept right, so that only the ONNX reader can refuse it.
        var entries = ReadEntries(saved.ToArray());
        int index = entries.FindIndex(e => e.Name.EndsWith("/" + OnnxEntryName, StringComparison.Ordinal));
        var onnx = ParseOnnx(Unprefix(entries[index].Bytes));
        var weight = Initializers(onnx)[0];
        Assert.AreEqual("0.weight", NameOf(weight));
        var dims = weight.Children!.Where(f => f.Number == 1).ToList();
        CollectionAssert.AreEqual(new ulong[] { 5, 4 }, dims.Select(d => d.Value).ToArray());
        dims.ForEach(d => d.Value = 1 << 20);
        entries[index] = (entries[index].Name, Prefix(Serialize(onnx)));
        string dir = Directory.CreateTempSubdirectory("minibatch-huge-").FullName;
        try
        {
            string path = Path.Combine(dir, "huge.zip");
            File.WriteAllBytes(path, WriteZip(entries));
            InvalidDataException? e = null;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                MinibatchTransformer.Load(path);
            }
            catch (InvalidDataException caught)
            {
                e = caught;
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.IsNotNull(e);
            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, "initializer '0.weight' is too large");
            Assert.IsLessThan(16L << 20, allocated);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void PredictionEnginePerThread_From16Threads_EqualsOneThread()
    {
        // The documented guidance: a PredictionEngine is not thread-safe, so each thread creates its own from the
        // shared (thread-safe) transformer; all sixteen must agree with a single-threaded run, row by row.
        var ml = new MLContext(seed: 1);
        var model = ml.MulticlassClassification.Trainers.Minibatch(Small(3)).Fit(ml.Data.LoadFromEnumerable(KeyRows(30, 1)));
        var rows = KeyRows(64, 4);
        var single = ml.Model.CreatePredictionEngine<KeyRow, Prediction>(model);
        var expected = rows.Select(r => single.Predict(r)).Select(p => (p.PredictedLabel, p.Score.ToArray())).ToArray();
        var results = new (uint, float[])[16][];
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, t =>
        {
            var engine = ml.Model.CreatePredictionEngine<KeyRow, Prediction>(model);
            results[t] = rows.Select(r => engine.Predict(r)).Select(p => (p.PredictedLabel, p.Score.ToArray())).ToArray();
        });
        foreach (var result in results)
            for (int i = 0; i < rows.Count; i++)
            {
                Assert.AreEqual(expected[i].PredictedLabel, result[i].Item1);
                CollectionAssert.AreEqual(expected[i].Item2, result[i].Item2);
            }
    }

    public sealed class Prediction
    {
        public uint PredictedLabel { get; set; }
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
