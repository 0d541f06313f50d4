using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.DataTests;

[TestClass]
public sealed class DataLoaderTests
{
    /// <summary>Row r holds r·1000 + j in column j and label r mod 10, so every gathered value names its source.</summary>
    private static TensorDataset Numbered(int rows, int features)
    {
        var x = new float[rows * features];
        var y = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < features; j++) x[r * features + j] = r * 1000 + j;
            y[r] = r % 10;
        }
        return new TensorDataset(Tensor.FromArray(x, rows, features), new IntTensor(y));
    }

    private static List<(float[] X, int[] Y)> Epoch(DataLoader loader) =>
        loader.Select(b => (b.Features.ToArray(), b.Labels.ToArray())).ToList();

    [TestMethod]
    public void Batches_HaveTheSeedsShapes_AndAShortLastBatch()
    {
        var loader = new DataLoader(Numbered(150, 784), batchSize: 64, shuffle: true, generator: new Generator(1));
        Assert.AreEqual(3, loader.Count);
        var shapes = loader.Select(b => (b.Features.GetShape(), b.Labels.Shape.ToArray())).ToList();
        Assert.AreEqual(3, shapes.Count);
        CollectionAssert.AreEqual(new[] { 64, 784 }, shapes[0].Item1);
        CollectionAssert.AreEqual(new[] { 64 }, shapes[0].Item2);
        CollectionAssert.AreEqual(new[] { 64, 784 }, shapes[1].Item1);
        CollectionAssert.AreEqual(new[] { 22, 784 }, shapes[2].Item1);
        CollectionAssert.AreEqual(new[] { 22 }, shapes[2].Item2);
    }

    [TestMethod]
    public void EachBatch_NamesTheNextBatchsRowsToTheDataset_BeforeItIsRequested()
    {
        var dataset = new RecordingDataset(Numbered(150, 3));
        var loader = new DataLoader(dataset, batchSize: 64, shuffle: true, generator: new Generator(2));
        int seen = 0;
        foreach (var _ in loader)
        {
            // When a batch is handed out, the dataset has already been told which rows come next.
            if (++seen < loader.Count) Assert.AreEqual("prefetch", dataset.Events[^1].Kind, $"batch {seen - 1}");
        }

        // gather b0, prefetch b1, gather b1, prefetch b2, gather b2 (the short last one): nothing after the last batch.
        CollectionAssert.AreEqual(new[] { "gather", "prefetch", "gather", "prefetch", "gather" }, dataset.Events.Select(e => e.Kind).ToArray());
        for (int i = 1; i < dataset.Events.Count; i += 2)
        {
            CollectionAssert.AreEqual(dataset.Events[i + 1].Indices, dataset.Events[i].Indices, $"event {i} names the rows of the next gather");
        }
        Assert.AreEqual(150, dataset.Events.Where(e => e.Kind == "gather").Sum(e => e.Indices.Length));
    }

    /// <summary>A dataset that records every gather and prefetch, in order, with its indices.</summary>
    private sealed class RecordingDataset(Dataset rows) : Dataset
    {
        public List<(string Kind, int[] Indices)> Events { get; } = [];

        public override int Count => rows.Count;

        public override int FeatureCount => rows.FeatureCount;

        public override void Prefetch(ReadOnlySpan<int> indices) => Events.Add(("prefetch", indices.ToArray()));

        protected override void GatherCore(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
        {
            Events.Add(("gather", indices.ToArray()));
            rows.Gather(indices, features, labels);
        }
    }

    [TestMethod]
    public void DropLast_DropsTheShortBatch()
    {
        var loader = new DataLoader(Numbered(150, 4), batchSize: 64, dropLast: true);
        Assert.AreEqual(2, loader.Count);
        Assert.IsTrue(loader.All(b => b.Count == 64));
        Assert.AreEqual(2, loader.Count());
    }

    [TestMethod]
    public void GatheredValues_AreTheDatasetRows_AndAnEpochCoversEveryRowOnce()
    {
        const int features = 5;
        var loader = new DataLoader(Numbered(103, features), batchSize: 10, shuffle: true, generator: new Generator(11));
        var seen = new List<int>();
        foreach (var (x, y) in loader)
        {
            var values = x.AsSpan();
            var labels = y.AsSpan();
            for (int i = 0; i < y.ElementCount; i++)
            {
                int row = (int)(values[i * features] / 1000);
                for (int j = 0; j < features; j++) Assert.AreEqual(row * 1000f + j, values[i * features + j]);
                Assert.AreEqual(row % 10, labels[i]);
                seen.Add(row);
            }
        }
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 103).ToArray(), seen);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 103).ToArray(), seen);
    }

    [TestMethod]
    public void SequentialLoader_GoesInOrder_AsTheSeedsValidationLoader()
    {
        var batches = Epoch(new DataLoader(Numbered(25, 2), batchSize: 10));
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, batches[0].Y);
        CollectionAssert.AreEqual(new[] { 0f, 1f, 1000f, 1001f }, batches[0].X[..4]);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4 }, batches[2].Y);
        Assert.AreEqual(24000f, batches[2].X[8]);
    }

    [TestMethod]
    public void Shuffle_AfterTheSeedsModelInit_GivesPyTorchsPermutations()
    {
        // torch.manual_seed(1); the 784-50-10 model; DataLoader(TensorDataset(arange(50000)), 64, shuffle=True) and a
        // validation DataLoader(bs 128) iterated as fit does, two epochs (Fixtures/make_pipeline_golden.py).
        var golden = PipelineGolden.Root.GetProperty("loader");
        var generator = new Generator(1);
        _ = new Sequential(new Linear(784, 50, generator: generator), new ReLU(), new Linear(50, 10, generator: generator));
        const int n = 50000;
        var ids = new float[n];
        for (int i = 0; i < n; i++) ids[i] = i;
        var train = new DataLoader(new TensorDataset(Tensor.FromArray(ids, n, 1), new IntTensor(new int[n])), 64, shuffle: true, generator: generator);
        var valid = new DataLoader(new TensorDataset(Tensor.Zeros(1000, 1), new IntTensor(new int[1000])), 128, generator: generator);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var permutation = new List<int>(n);
            foreach (var batch in train)
            {
                foreach (float v in batch.Features.AsSpan()) permutation.Add((int)v);
            }
            foreach (var _ in valid)
            {
            }
            var expected = golden[epoch];
            CollectionAssert.AreEqual(PipelineGolden.Ints(expected.GetProperty("first")), permutation.Take(64).ToArray(), $"epoch {epoch}");
            long checksum = 0;
            for (int i = 0; i < n; i++) checksum += (long)i * permutation[i];
            Assert.AreEqual(expected.GetProperty("checksum").GetInt64(), checksum, $"epoch {epoch} checksum");
        }
    }

    [TestMethod]
    public void TwoEnumerationsAtOnce_DoNotShareBuffers()
    {
        var loader = new DataLoader(Numbered(30, 2), batchSize: 10);
        using var a = loader.GetEnumerator();
        using var b = loader.GetEnumerator();
        Assert.IsTrue(a.MoveNext());
        Assert.IsTrue(b.MoveNext());
        Assert.IsTrue(b.MoveNext());
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, a.Current.Labels.ToArray());
        Assert.AreEqual(10000f, b.Current.Features.AsSpan()[0]);
        Assert.AreEqual(0f, a.Current.Features.AsSpan()[0]);
    }

    [TestMethod]
    public void BatchBuffers_AreReused_SoTheSteadyStateAllocatesAlmostNothing()
    {
        var loader = new DataLoader(Numbered(6400, 784), batchSize: 64, shuffle: true, generator: new Generator(1));
        foreach (var _ in loader)
        {
        }
        int batches = 0;
        long allocated = ThreadAllocations.During(() =>
        {
            batches = 0;
            foreach (var _ in loader) batches++;
        });
        Assert.AreEqual(100, batches);
        // One enumerator per epoch; a per-batch allocation of even the smallest object would exceed this.
        Assert.IsLessThan(1024, allocated, $"{allocated} bytes allocated over an epoch of 100 batches");
    }

    [TestMethod]
    public void Collate_BuildsFreshBatches()
    {
        var dataset = Numbered(30, 2);
        var loader = new DataLoader(dataset, batchSize: 10, collate: (ds, idx) => ds.GetBatch(idx));
        var batches = loader.ToList();
        Assert.AreEqual(3, batches.Count);
        Assert.AreNotSame(batches[0].Features, batches[1].Features);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, batches[0].Labels.ToArray());
        Assert.AreEqual(20000f, batches[2].Features.AsSpan()[0]);
    }

    [TestMethod]
    public void BatchSamplerArgument_DrivesTheBatches()
    {
        var dataset = Numbered(10, 1);
        var loader = new DataLoader(dataset, batchSampler: new BatchSampler(new SequentialSampler(10), 4, dropLast: true));
        Assert.AreEqual(2, loader.Count);
        var labels = loader.Select(b => b.Labels.ToArray()).ToList();
        CollectionAssert.AreEqual(new[] { 4, 5, 6, 7 }, labels[1]);
    }

    [TestMethod]
    public void ArgumentRules_FollowPyTorch_AndNameTheArgument()
    {
        var dataset = Numbered(10, 1);
        var sampler = new SequentialSampler(10);
        var batchSampler = new BatchSampler(sampler, 2, false);
        Assert.AreEqual("sampler", Assert.ThrowsExactly<ArgumentException>(() => new DataLoader(dataset, 2, shuffle: true, sampler: sampler)).ParamName);
        Assert.AreEqual("batchSampler", Assert.ThrowsExactly<ArgumentException>(() => new DataLoader(dataset, 2, batchSampler: batchSampler)).ParamName);
        Assert.AreEqual("batchSampler", Assert.ThrowsExactly<ArgumentException>(() => new DataLoader(dataset, shuffle: true, batchSampler: batchSampler)).ParamName);
        Assert.AreEqual("batchSampler", Assert.ThrowsExactly<ArgumentException>(() => new DataLoader(dataset, sampler: sampler, batchSampler: batchSampler)).ParamName);
        Assert.AreEqual("batchSampler", Assert.ThrowsExactly<ArgumentException>(() => new DataLoader(dataset, dropLast: true, batchSampler: batchSampler)).ParamName);
        Assert.AreEqual("batchSize", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DataLoader(dataset, 0)).ParamName);
        Assert.AreEqual("dataset", Assert.ThrowsExactly<ArgumentNullException>(() => new DataLoader(null!)).ParamName);
    }

    [TestMethod]
    public void ASamplerOutsideTheDataset_FailsNamingTheIndex()
    {
        var loader = new DataLoader(Numbered(5, 1), batchSize: 2, sampler: new SequentialSampler(8));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => loader.ToList());
        StringAssert.Contains(e.Message, "Index 5");
    }

    [TestMethod]
    public void DataLoaders_PairsAShufflingTrainLoaderWithASequentialValidLoaderOfTwiceTheBatchSize()
    {
        var loaders = DataLoaders.Create(Numbered(200, 1), Numbered(100, 1), 64, new Generator(1));
        Assert.AreEqual(64, loaders.Train.BatchSize);
        Assert.IsInstanceOfType<RandomSampler>(loaders.Train.Sampler);
        Assert.AreEqual(128, loaders.Valid.BatchSize);
        Assert.IsInstanceOfType<SequentialSampler>(loaders.Valid.Sampler);
        Assert.AreEqual(1, loaders.Valid.Count);
    }
}
