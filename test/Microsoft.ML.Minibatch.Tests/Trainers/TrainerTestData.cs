using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Minibatch.Tests.Trainers;

/// <summary>Small separable problems for the trainer tests: class c has a 1 in slot c plus noise.</summary>
internal static class TrainerTestData
{
    public sealed class FloatRow
    {
        [VectorType(4)] public float[] Features { get; set; } = new float[4];
        public float Label { get; set; }
    }

    /// <summary>A row with a key label. As in ML.NET, the property holds the zero-based class (key = value + 1);
    /// <see cref="Missing"/> (or any value ≥ 3) reads as key 0, a missing label.</summary>
    public sealed class KeyRow
    {
        public const uint Missing = uint.MaxValue;

        [VectorType(4)] public float[] Features { get; set; } = new float[4];
        [KeyType(3)] public uint Label { get; set; }
    }

    public sealed class TextRow
    {
        [VectorType(4)] public float[] Features { get; set; } = new float[4];
        public string Label { get; set; } = "";
    }

    public static float[] Features(int c, Random rand)
    {
        var f = new float[4];
        for (int j = 0; j < 4; j++) f[j] = (float)(rand.NextDouble() * 0.3);
        f[c] += 1;
        return f;
    }

    public static List<KeyRow> KeyRows(int n, int seed, bool flip = false)
    {
        var rand = new Random(seed);
        return Enumerable.Range(0, n).Select(i =>
        {
            int c = i % 3;
            return new KeyRow { Features = Features(c, rand), Label = (uint)(flip ? (c + 1) % 3 : c) };
        }).ToList();
    }

    public static List<FloatRow> FloatRows(int n, int seed)
    {
        var rand = new Random(seed);
        var labels = new[] { 2f, 5f, 7f };
        return Enumerable.Range(0, n).Select(i => new FloatRow { Features = Features(i % 3, rand), Label = labels[i % 3] }).ToList();
    }

    /// <summary>Key labels with key values "2", "5", "7" (through MapValueToKey, as users build them).</summary>
    public static IDataView WithKeyValues(MLContext ml, int n, int seed)
    {
        var raw = ml.Data.LoadFromEnumerable(FloatRows(n, seed));
        return ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(raw).Transform(raw);
    }

    public static MinibatchTrainer.Options Small(int epochs = 3) => new()
    {
        HiddenLayers = new[] { 5 }, BatchSize = 8, NumberOfEpochs = epochs, LearningRate = 0.2f, Seed = 7,
        Sampler = SamplerKind.Sequential,
    };

    /// <summary>Real MNIST through <c>LoadIdx</c>: the first <paramref name="trainRows"/> training images, and 2,000 of
    /// the last 10,000 for validation.</summary>
    public static (MLContext Ml, IDataView Train, IDataView Valid) MnistRows(int trainRows)
    {
        var files = Minibatch.Data.Mnist.EnsureFiles();
        var ml = new MLContext(seed: 1);
        var all = ml.Data.LoadIdx(files.TrainImages, files.TrainLabels);
        return (ml, ml.Data.TakeRows(all, trainRows), ml.Data.TakeRows(ml.Data.SkipRows(all, 50000), 2000));
    }

    /// <summary>The lesson's network and rate (784-50-10, batch 64, lr 0.5, seed 1) for a few epochs, validated on
    /// <paramref name="valid"/>.</summary>
    public static MinibatchTrainer.Options Lesson(IDataView valid, int epochs = 2) => new()
    {
        HiddenLayers = [50], BatchSize = 64, NumberOfEpochs = epochs, LearningRate = 0.5f, ValidationSet = valid, Seed = 1,
    };

    public static float[][] Weights(MinibatchTransformer model)
        => model.Model.Parameters().Select(p => p.AsSpan().ToArray()).ToArray();

    public static void AssertSameWeights(MinibatchTransformer expected, MinibatchTransformer actual)
    {
        var a = Weights(expected);
        var b = Weights(actual);
        Assert.HasCount(a.Length, b);
        for (int i = 0; i < a.Length; i++) CollectionAssert.AreEqual(a[i], b[i], $"parameter {i}");
    }
}
