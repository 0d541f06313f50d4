using System.Runtime.InteropServices;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.Tensors;

/// <summary>
/// Gemm results do not depend on the thread count or on how the output is split, and steady-state calls
/// allocate nothing.
/// </summary>
[TestClass]
public sealed class GemmDeterminismTests
{
    private static readonly GemmPath[] _paths =
        new[] { GemmPath.Vector512, GemmPath.Vector256, GemmPath.Vector128, GemmPath.Scalar }.Where(Gemm.IsSupported).ToArray();

    // Large enough to run multi-threaded; covering the packed path (several k-slices, edge tiles) and the
    // unpacked A·Bᵀ path, each split along rows and along columns.
    private static readonly (int M, int N, int K, bool Ta, bool Tb)[] _shapes =
    [
        (200, 333, 517, false, false),
        (37, 1030, 300, true, true),
        (301, 50, 784, false, true),
        (9, 200, 650, false, true),
        (50, 784, 64, true, false),
    ];

    [TestMethod]
    public void Results_are_bitwise_identical_for_one_and_two_threads()
    {
        int saved = ComputeOptions.MaxThreads;
        try
        {
            var rng = new Random(3);
            foreach ((int m, int n, int k, bool ta, bool tb) in _shapes)
            {
                float[] a = GemmTests.RandomMatrix(rng, m * k);
                float[] b = GemmTests.RandomMatrix(rng, k * n);
                float[] c0 = GemmTests.RandomMatrix(rng, m * n);
                float[] one = (float[])c0.Clone();
                float[] two = (float[])c0.Clone();
                ComputeOptions.MaxThreads = 1;
                Gemm.Multiply(a, ta, b, tb, one, m, n, k, accumulate: true);
                ComputeOptions.MaxThreads = 2;
                Gemm.Multiply(a, ta, b, tb, two, m, n, k, accumulate: true);
                AssertBitwiseEqual(one, two, $"{m}×{n}×{k}");
                Assert.IsFalse(one.AsSpan().SequenceEqual(c0), "the product changed C");
            }
        }
        finally
        {
            ComputeOptions.MaxThreads = saved;
        }
    }

    [TestMethod]
    public void Every_split_of_the_output_gives_the_same_bits_on_every_path()
    {
        var rng = new Random(11);
        foreach (GemmPath path in _paths)
        {
            foreach ((int m, int n, int k, bool ta, bool tb) in _shapes)
            {
                float[] a = GemmTests.RandomMatrix(rng, m * k);
                float[] b = GemmTests.RandomMatrix(rng, k * n);
                float[] whole = new float[m * n];
                GemmTests.Run(path, () => Gemm.Multiply(a, ta, b, tb, whole, m, n, k));
                foreach (int chunks in new[] { 2, 3, 7 })
                {
                    float[] split = new float[m * n];
                    Gemm.ForcedChunks = chunks;
                    try
                    {
                        GemmTests.Run(path, () => Gemm.Multiply(a, ta, b, tb, split, m, n, k));
                    }
                    finally
                    {
                        Gemm.ForcedChunks = 0;
                    }

                    AssertBitwiseEqual(whole, split, $"path {path}, {m}×{n}×{k}, {chunks} chunks");
                }
            }
        }
    }

    [TestMethod]
    public void Six_ten_and_twelve_row_tiles_give_the_same_bits()
    {
        // On the AVX-512 path 40 and 50 rows take 10-row register tiles, 54 rows 6-row ones; their first 36 or 48 rows
        // alone take 12-row tiles.
        var rng = new Random(5);
        foreach (int m in new[] { 40, 50, 54 })
            foreach (bool transposeA in new[] { true, false })
            {
                const int N = 100, K = 64;
                int rows = m / 12 * 12;
                float[] a = GemmTests.RandomMatrix(rng, m * K);
                float[] b = GemmTests.RandomMatrix(rng, K * N);
                float[] c0 = GemmTests.RandomMatrix(rng, m * N);
                float[] whole = (float[])c0.Clone();
                Gemm.Multiply(a, transposeA, b, false, whole, m, N, K, accumulate: true);
                // The first rows of C by themselves: A's first rows (columns, when stored transposed).
                float[] top = new float[rows * K];
                for (int i = 0; i < rows; i++)
                    for (int p = 0; p < K; p++) top[transposeA ? p * rows + i : i * K + p] = transposeA ? a[p * m + i] : a[i * K + p];
                float[] part = c0[..(rows * N)];
                Gemm.Multiply(top, transposeA, b, false, part, rows, N, K, accumulate: true);
                AssertBitwiseEqual(whole[..(rows * N)], part, $"{m} rows, transposeA {transposeA}");
            }
        CollectionAssert.AreEqual(new[] { 12, 10, 10, 6, 12, 6, 10 },
            new[] { 48, 50, 40, 54, 36, 64, 10 }.Select(m => GemmJob.RowTileFor(GemmPath.Vector512, m)).ToArray());
    }

    [TestMethod]
    public void Concurrent_callers_sharing_the_workers_get_the_same_bits()
    {
        // Several threads issue large products at once: one holds the workers, the others run alone, and workers
        // that wake late must never mix up jobs. Every result must equal its one-chunk computation bit for bit.
        const int M = 150, N = 200, K = 300;
        const int Callers = 4;
        var inputs = new (float[] A, float[] B, float[] Expected)[Callers];
        var rng = new Random(21);
        for (int t = 0; t < Callers; t++)
        {
            float[] a = GemmTests.RandomMatrix(rng, M * K);
            float[] b = GemmTests.RandomMatrix(rng, K * N);
            float[] expected = new float[M * N];
            Gemm.ForcedChunks = 1;
            try
            {
                Gemm.Multiply(a, t % 2 == 1, b, t >= 2, expected, M, N, K);
            }
            finally
            {
                Gemm.ForcedChunks = 0;
            }

            inputs[t] = (a, b, expected);
        }

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, Callers, new ParallelOptions { MaxDegreeOfParallelism = Callers }, t =>
        {
            float[] c = new float[M * N];
            for (int round = 0; round < 20; round++)
            {
                Gemm.Multiply(inputs[t].A, t % 2 == 1, inputs[t].B, t >= 2, c, M, N, K);
                if (!MemoryMarshal.Cast<float, int>(c).SequenceEqual(MemoryMarshal.Cast<float, int>(inputs[t].Expected)))
                {
                    failures.Add($"caller {t}, round {round}");
                }
            }
        });
        Assert.IsEmpty(failures, string.Join("; ", failures));
    }

    [TestMethod]
    public void Repeated_calls_give_the_same_bits()
    {
        var rng = new Random(8);
        float[] a = GemmTests.RandomMatrix(rng, 128 * 784);
        float[] b = GemmTests.RandomMatrix(rng, 784 * 800);
        float[] first = new float[128 * 800];
        float[] again = new float[128 * 800];
        Gemm.Multiply(a, false, b, false, first, 128, 800, 784);
        for (int run = 0; run < 3; run++)
        {
            Gemm.Multiply(a, false, b, false, again, 128, 800, 784);
            AssertBitwiseEqual(first, again, $"run {run}");
        }
    }

    [TestMethod]
    public void Steady_state_calls_allocate_nothing()
    {
        var rng = new Random(1);
        (int M, int N, int K, bool Ta, bool Tb, bool Acc)[] shapes =
        [
            (64, 50, 784, false, true, false),
            (64, 10, 50, false, true, false),
            (64, 50, 10, false, false, false),
            (50, 784, 64, true, false, true),
            (10, 50, 64, true, false, true),
            (128, 800, 784, false, false, false),
        ];
        foreach (GemmPath path in _paths)
        {
            foreach ((int m, int n, int k, bool ta, bool tb, bool acc) in shapes)
            {
                float[] a = GemmTests.RandomMatrix(rng, m * k);
                float[] b = GemmTests.RandomMatrix(rng, k * n);
                float[] c = new float[m * n];
                Gemm.ForcedPath = path;
                try
                {
                    // Warm-up: the first call on a thread sizes its packing buffers (forced whole onto this thread,
                    // since a split call may leave all chunks to the workers), the next may start the workers.
                    Gemm.ForcedChunks = 1;
                    Gemm.Multiply(a, ta, b, tb, c, m, n, k, acc);
                    Gemm.ForcedChunks = 0;
                    Gemm.Multiply(a, ta, b, tb, c, m, n, k, acc);
                    long allocated = ThreadAllocations.During(() =>
                    {
                        for (int i = 0; i < 5; i++)
                        {
                            Gemm.Multiply(a, ta, b, tb, c, m, n, k, acc);
                        }
                    });
                    Assert.AreEqual(0L, allocated, $"path {path}, {m}×{n}×{k}");
                }
                finally
                {
                    Gemm.ForcedPath = GemmPath.Auto;
                    Gemm.ForcedChunks = 0;
                }
            }
        }
    }

    [TestMethod]
    public void MaxThreads_below_one_is_rejected_naming_the_value()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ComputeOptions.MaxThreads = 0);
        Assert.AreEqual(0, ex.ActualValue);
        StringAssert.Contains(ex.Message, "got 0");
        var negative = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ComputeOptions.MaxThreads = -4);
        Assert.AreEqual(-4, negative.ActualValue);

        // Other test classes may set MaxThreads concurrently, so only check that no rejected value got stored.
        Assert.IsGreaterThanOrEqualTo(1, ComputeOptions.MaxThreads);
    }

    private static void AssertBitwiseEqual(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what}: element {i} differs: {expected[i]:R} vs {actual[i]:R}");
            }
        }
    }
}
