using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Tests.MLNet;

/// <summary>Properties of the row operations checked over many random sizes, seeds and parameters.</summary>
[TestClass]
public sealed class DataViewPropertyTests
{
    public sealed class Item
    {
        public int Id { get; set; }
        [VectorType(2)] public float[] V { get; set; } = new float[2];
    }

    private static IDataView Items(MLContext ml, int n)
        => ml.Data.LoadFromEnumerable(Enumerable.Range(0, n).Select(i => new Item { Id = i, V = new float[] { i, -i } }).ToList());

    [TestMethod]
    public void ShuffleRows_IsAlwaysAPermutationCarryingWholeRows()
    {
        var rand = new Random(11);
        var ml = new MLContext(1);
        for (int trial = 0; trial < 60; trial++)
        {
            int n = rand.Next(0, 200);
            int pool = rand.Next(1, 300);
            int seed = rand.Next();
            var view = ml.Data.ShuffleRows(Items(ml, n), seed, pool);
            var ids = view.GetColumn<int>("Id").ToArray();
            var vectors = view.GetColumn<float[]>("V").ToArray();
            CollectionAssert.AreEquivalent(Enumerable.Range(0, n).ToArray(), ids, $"n={n} pool={pool}");
            for (int i = 0; i < n; i++)
                CollectionAssert.AreEqual(new float[] { ids[i], -ids[i] }, vectors[i]);
            CollectionAssert.AreEqual(ids, view.GetColumn<int>("Id").ToArray(), "same seed, same order");
        }
    }

    [TestMethod]
    public void TrainTestSplit_IsAlwaysDisjointAndCovering()
    {
        var rand = new Random(12);
        var ml = new MLContext(1);
        for (int trial = 0; trial < 60; trial++)
        {
            int n = rand.Next(0, 300);
            double fraction = 0.01 + rand.NextDouble() * 0.98;
            var split = ml.Data.TrainTestSplit(Items(ml, n), fraction, seed: rand.Next());
            var train = split.TrainSet.GetColumn<int>("Id").ToArray();
            var test = split.TestSet.GetColumn<int>("Id").ToArray();
            Assert.AreEqual(0, train.Intersect(test).Count());
            CollectionAssert.AreEquivalent(Enumerable.Range(0, n).ToArray(), train.Concat(test).ToArray());
            // Both sides keep the source order.
            CollectionAssert.AreEqual(train.OrderBy(i => i).ToArray(), train);
        }
    }

    [TestMethod]
    public void SkipThenTake_EqualsASlice()
    {
        var rand = new Random(13);
        var ml = new MLContext(1);
        for (int trial = 0; trial < 60; trial++)
        {
            int n = rand.Next(0, 50), skip = rand.Next(1, 60), take = rand.Next(1, 60);
            var view = ml.Data.TakeRows(ml.Data.SkipRows(Items(ml, n), skip), take);
            var expected = Enumerable.Range(0, n).Skip(skip).Take(take).ToArray();
            CollectionAssert.AreEqual(expected, view.GetColumn<int>("Id").ToArray());
            Assert.AreEqual((long)expected.Length, view.GetRowCount());
        }
    }

    [TestMethod]
    public void NormalizeMinMax_MapsIntoTheUnitRange()
    {
        var rand = new Random(14);
        var ml = new MLContext(1);
        for (int trial = 0; trial < 40; trial++)
        {
            int n = rand.Next(2, 40);
            var values = Enumerable.Range(0, n).Select(_ => (float)(rand.NextDouble() * 200 - 100)).ToArray();
            var data = ml.Data.LoadFromEnumerable(values.Select(v => new TransformTests.FloatRow { Value = v }).ToList());
            var fixedZero = ml.Transforms.NormalizeMinMax("N", "Value").Fit(data).Transform(data).GetColumn<float>("N").ToArray();
            var free = ml.Transforms.NormalizeMinMax("N", "Value", fixZero: false).Fit(data).Transform(data).GetColumn<float>("N").ToArray();
            Assert.AreEqual(1f, fixedZero.Max(Math.Abs), 1e-6f);
            Assert.IsTrue(fixedZero.All(v => v >= -1 - 1e-6f && v <= 1 + 1e-6f));
            Assert.AreEqual(0f, free.Min(), 1e-6f);
            Assert.AreEqual(1f, free.Max(), 1e-6f);
            // Order is preserved.
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    if (values[i] < values[j]) Assert.IsTrue(free[i] <= free[j]);
        }
    }
}
