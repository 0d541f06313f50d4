using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.DataTests;

[TestClass]
public sealed class SamplerTests
{
    [TestMethod]
    public void SequentialSampler_YieldsIndicesInOrder()
    {
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4 }, new SequentialSampler(5).ToArray());
        Assert.AreEqual(0, new SequentialSampler(0).Count());
    }

    [TestMethod]
    public void RandomEpoch_IsAPermutation_AndConsecutiveEpochsDiffer()
    {
        var sampler = new RandomSampler(1000, generator: new Generator(7));
        var first = sampler.ToArray();
        var second = sampler.ToArray();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 1000).ToArray(), first);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 1000).ToArray(), second);
        CollectionAssert.AreNotEqual(first, second);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 1000).ToArray(), first);
    }

    [TestMethod]
    public void SameSeed_GivesTheSameSequenceOfEpochs()
    {
        var a = new RandomSampler(500, generator: new Generator(3));
        var b = new RandomSampler(500, generator: new Generator(3));
        for (int epoch = 0; epoch < 3; epoch++) CollectionAssert.AreEqual(a.ToArray(), b.ToArray(), $"epoch {epoch}");
        var c = new RandomSampler(500, generator: new Generator(4));
        CollectionAssert.AreNotEqual(new RandomSampler(500, generator: new Generator(3)).ToArray(), c.ToArray());
    }

    [TestMethod]
    public void Replacement_MatchesPyTorch()
    {
        // torch.manual_seed(3); RandomSampler(range(10), replacement=True, num_samples=40): two epochs.
        var golden = PipelineGolden.Root.GetProperty("replacement");
        var sampler = new RandomSampler(10, replacement: true, numSamples: 40, generator: new Generator(3));
        Assert.AreEqual(40, sampler.Count);
        CollectionAssert.AreEqual(PipelineGolden.Ints(golden[0]), sampler.ToArray());
        CollectionAssert.AreEqual(PipelineGolden.Ints(golden[1]), sampler.ToArray());
    }

    [TestMethod]
    public void Replacement_RepeatsIndices_AndStaysInRange()
    {
        var draws = new RandomSampler(10, replacement: true, numSamples: 200, generator: new Generator(1)).ToArray();
        Assert.AreEqual(200, draws.Length);
        Assert.IsTrue(draws.All(i => i is >= 0 and < 10));
        Assert.AreEqual(10, draws.Distinct().Count());
    }

    [TestMethod]
    public void NumSamplesAboveCount_ConcatenatesPermutations_AsPyTorch()
    {
        // torch.manual_seed(4); RandomSampler(range(7), num_samples=17): two full permutations and three of a third.
        var golden = PipelineGolden.Root.GetProperty("num_samples");
        var sampler = new RandomSampler(7, numSamples: 17, generator: new Generator(4));
        var epoch = sampler.ToArray();
        CollectionAssert.AreEqual(PipelineGolden.Ints(golden[0]), epoch);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 7).ToArray(), epoch[..7]);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 7).ToArray(), epoch[7..14]);
        CollectionAssert.AreEqual(PipelineGolden.Ints(golden[1]), sampler.ToArray());
    }

    [TestMethod]
    public void NumSamplesBelowCount_TakesAPrefixOfAPermutation()
    {
        var epoch = new RandomSampler(100, numSamples: 10, generator: new Generator(9)).ToArray();
        Assert.AreEqual(10, epoch.Length);
        Assert.AreEqual(10, epoch.Distinct().Count());
    }

    [TestMethod]
    public void BatchCounts_FollowPyTorchsRule()
    {
        // len = n // bs with drop_last, else ceil(n / bs).
        Assert.AreEqual(4, new BatchSampler(new SequentialSampler(10), 3, dropLast: false).Count);
        Assert.AreEqual(3, new BatchSampler(new SequentialSampler(10), 3, dropLast: true).Count);
        Assert.AreEqual(782, new BatchSampler(new SequentialSampler(50000), 64, dropLast: false).Count);
        Assert.AreEqual(781, new BatchSampler(new SequentialSampler(50000), 64, dropLast: true).Count);
        Assert.AreEqual(79, new BatchSampler(new SequentialSampler(10000), 128, dropLast: false).Count);
        Assert.AreEqual(2, new BatchSampler(new SequentialSampler(10), 5, dropLast: true).Count);
    }

    [TestMethod]
    public void BatchSampler_YieldsPyTorchsDocumentedBatches()
    {
        var kept = new BatchSampler(new SequentialSampler(10), 3, dropLast: false).ToList();
        Assert.AreEqual(4, kept.Count);
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, kept[0]);
        CollectionAssert.AreEqual(new[] { 6, 7, 8 }, kept[2]);
        CollectionAssert.AreEqual(new[] { 9 }, kept[3]);
        var dropped = new BatchSampler(new SequentialSampler(10), 3, dropLast: true).ToList();
        Assert.AreEqual(3, dropped.Count);
        CollectionAssert.AreEqual(new[] { 6, 7, 8 }, dropped[2]);
    }

    [TestMethod]
    public void BadArguments_NameTheArgument()
    {
        Assert.AreEqual("count", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RandomSampler(0)).ParamName);
        Assert.AreEqual("numSamples", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RandomSampler(5, numSamples: 0)).ParamName);
        Assert.AreEqual("batchSize", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BatchSampler(new SequentialSampler(5), 0, false)).ParamName);
        Assert.AreEqual("destination", Assert.ThrowsExactly<ArgumentException>(() => new SequentialSampler(5).SampleEpoch(new int[4])).ParamName);
    }
}
