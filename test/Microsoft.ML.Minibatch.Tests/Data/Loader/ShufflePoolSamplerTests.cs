using Microsoft.ML;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.DataTests;

/// <summary>The shuffle pool's order: a permutation a forward pass can serve, and ML.NET's <c>ShuffleRows</c> in distribution.</summary>
[TestClass]
public sealed class ShufflePoolSamplerTests
{
    [TestMethod]
    [DataRow(1000, 50)]
    [DataRow(1000, 1000)]
    [DataRow(37, 100)]
    public void EveryEpoch_IsAPermutation_ThatNeverYieldsARowBeforeThePoolCouldHoldIt(int rows, int pool)
    {
        var sampler = new ShufflePoolSampler(rows, pool, new Generator(5));
        var first = sampler.ToArray();
        var second = sampler.ToArray();
        foreach (var epoch in new[] { first, second })
        {
            CollectionAssert.AreEquivalent(Enumerable.Range(0, rows).ToArray(), epoch);
            // At step t the pool has read rows 0 … t + pool − 1 and no further.
            for (int t = 0; t < epoch.Length; t++) Assert.IsLessThan(t + pool, epoch[t], $"step {t}");
        }
        CollectionAssert.AreNotEqual(first, second);
    }

    [TestMethod]
    public void APoolOfOne_KeepsTheSourceOrder()
    {
        CollectionAssert.AreEqual(Enumerable.Range(0, 300).ToArray(), new ShufflePoolSampler(300, 1, new Generator(1)).ToArray());
    }

    [TestMethod]
    public void TheSameSeed_GivesTheSameEpochs()
    {
        var a = new ShufflePoolSampler(500, 20, new Generator(3));
        var b = new ShufflePoolSampler(500, 20, new Generator(3));
        for (int epoch = 0; epoch < 3; epoch++) CollectionAssert.AreEqual(a.ToArray(), b.ToArray(), $"epoch {epoch}");
        CollectionAssert.AreNotEqual(new ShufflePoolSampler(500, 20, new Generator(3)).ToArray(), new ShufflePoolSampler(500, 20, new Generator(4)).ToArray());
    }

    [TestMethod]
    public void APoolAsLargeAsTheData_PlacesRowZeroUniformly()
    {
        // Drawn uniformly from all that remain: every position is equally likely for every row.
        const int rows = 10, epochs = 20_000;
        var sampler = new ShufflePoolSampler(rows, rows, new Generator(11));
        var positions = new int[rows];
        for (int e = 0; e < epochs; e++) positions[Array.IndexOf(sampler.ToArray(), 0)]++;
        double expected = (double)epochs / rows, sigma = Math.Sqrt(expected * (1 - 1.0 / rows));
        foreach (int count in positions) Assert.IsLessThan(5 * sigma, Math.Abs(count - expected), string.Join(", ", positions));
    }

    [TestMethod]
    [DataRow(10)]
    [DataRow(100)]
    public void HowFarRowsMove_IsWhatMlNetsShuffleRowsGives(int pool)
    {
        const int rows = 2000, runs = 100;
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => new IdRow { Id = i }));
        double mlNet = 0, ours = 0;
        for (int run = 0; run < runs; run++)
        {
            var shuffled = ml.Data.ShuffleRows(data, seed: run, shufflePoolSize: pool, shuffleSource: false);
            var order = ml.Data.CreateEnumerable<IdRow>(shuffled, reuseRowObject: false).Select(r => r.Id).ToArray();
            CollectionAssert.AreEquivalent(Enumerable.Range(0, rows).ToArray(), order);
            mlNet += MeanDisplacement(order) / runs;
        }
        var sampler = new ShufflePoolSampler(rows, pool, new Generator(1));
        for (int run = 0; run < runs; run++) ours += MeanDisplacement(sampler.ToArray()) / runs;
        // A full permutation moves rows about rows / 3 = 667 places; the pool keeps them near `pool` places.
        // Measured: 0.4 % apart with a pool of 10 (7.0 places), 0.002 % with 100 (71 places).
        Assert.IsLessThan(0.02 * mlNet, Math.Abs(ours - mlNet), $"mean |position − row|: ours {ours:F2}, ML.NET {mlNet:F2}");
        Assert.IsLessThan(rows / 6.0, mlNet);
    }

    private static double MeanDisplacement(int[] order) => order.Select((row, position) => Math.Abs(position - row)).Average();

    private sealed class IdRow
    {
        public int Id { get; set; }
    }
}
