using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.Tensors;

/// <summary>
/// Gemm.Multiply against a naive double-precision reference, on every kernel path this machine supports.
/// </summary>
/// <remarks>
/// Error bound: each output is a float sum of k products (plus C when accumulating). Whatever the order of the
/// additions, and whether or not multiply-adds are fused, the classical bound for a float dot product is
/// |computed − exact| ≤ γ·(|c₀| + Σₚ |aᵢₚ·bₚⱼ|) with γ = n·u/(1 − n·u), u = 2⁻²⁴, n = k + 1 roundings along the
/// longest chain (k products/adds plus the final add to C). We use γ = (k + 2)·2⁻²⁴, which is that bound with a
/// little slack. The values are in [−1, 1], so every missing, doubled or misplaced product changes an output by
/// about one |a·b|, far above the bound: the check is tight enough to catch any indexing bug.
/// </remarks>
[TestClass]
public sealed class GemmTests
{
    private static readonly GemmPath[] _paths =
        new[] { GemmPath.Vector512, GemmPath.Vector256, GemmPath.Vector128, GemmPath.Scalar }.Where(Gemm.IsSupported).ToArray();

    private static readonly (int M, int N, int K)[] _oddShapes =
    [
        (1, 1, 1), (1, 7, 3), (3, 1, 17), (7, 3, 1), (3, 7, 17), (17, 33, 65), (33, 17, 7), (65, 130, 33),
        (130, 65, 17), (1, 130, 65), (130, 1, 33), (13, 37, 300), (251, 70, 530), (5, 1100, 9), (29, 100, 64),
    ];

    // The seeds' training step (batch 64, 784-50-10): forward x·W1ᵀ, h·W2ᵀ; backward dX = dY·W, dW = dYᵀ·X.
    private static readonly (int M, int N, int K, bool Ta, bool Tb, bool Acc)[] _seedShapes =
    [
        (64, 50, 784, false, true, false),
        (64, 10, 50, false, true, false),
        (64, 50, 10, false, false, false),
        (50, 784, 64, true, false, true),
        (10, 50, 64, true, false, true),
    ];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Small_hand_computed_product_is_exact()
    {
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]: small integers, so every path is exact.
        float[] a = [1, 2, 3, 4, 5, 6];
        float[] b = [7, 8, 9, 10, 11, 12];
        foreach (GemmPath path in _paths)
        {
            float[] c = new float[4];
            Run(path, () => Gemm.Multiply(a, false, b, false, c, 2, 2, 3));
            CollectionAssert.AreEqual(new float[] { 58, 64, 139, 154 }, c, $"path {path}");

            // Same product with both operands stored transposed.
            float[] at = [1, 4, 2, 5, 3, 6];
            float[] bt = [7, 9, 11, 8, 10, 12];
            Array.Fill(c, 1f);
            Run(path, () => Gemm.Multiply(at, true, bt, true, c, 2, 2, 3, accumulate: true));
            CollectionAssert.AreEqual(new float[] { 59, 65, 140, 155 }, c, $"path {path}, transposed, accumulate");
        }
    }

    [TestMethod]
    public void Every_transpose_and_accumulate_combination_matches_reference_on_odd_sizes()
    {
        var rng = new Random(17);
        foreach (GemmPath path in _paths)
        {
            foreach ((int m, int n, int k) in _oddShapes)
            {
                foreach (bool ta in new[] { false, true })
                {
                    foreach (bool tb in new[] { false, true })
                    {
                        foreach (bool acc in new[] { false, true })
                        {
                            CheckAgainstReference(rng, path, m, n, k, ta, tb, acc);
                        }
                    }
                }
            }
        }
    }

    [TestMethod]
    public void Shapes_crossing_cache_blocks_and_the_dot_kernel_limit_match_reference()
    {
        // k = 600 spans several k-slices; m = 251 several row blocks; n·k beyond the unpacked A·Bᵀ kernel's limit
        // sends a transposed-B product through packing instead.
        var rng = new Random(5);
        foreach (GemmPath path in _paths)
        {
            CheckAgainstReference(rng, path, 251, 37, 600, false, false, true);
            CheckAgainstReference(rng, path, 9, 300, 500, false, true, false);
            CheckAgainstReference(rng, path, 9, 200, 500, false, true, true);
            CheckAgainstReference(rng, path, 40, 1030, 20, true, true, false);
        }
    }

    [TestMethod]
    public void Seed_training_step_shapes_match_reference()
    {
        var rng = new Random(64);
        foreach (GemmPath path in _paths)
        {
            foreach ((int m, int n, int k, bool ta, bool tb, bool acc) in _seedShapes)
            {
                CheckAgainstReference(rng, path, m, n, k, ta, tb, acc);
            }
        }
    }

    [TestMethod]
    public void Zero_steps_of_A_in_the_dot_kernel_leave_the_result_exact()
    {
        // The A·Bᵀ kernel skips vector steps where a tile's rows of A are all zero (either sign). k = 16·70 + 5 puts
        // 70 steps in two mask words and leaves a tail; the zero patterns cover a run across the words' boundary
        // (steps 60…69), whole zero rows and tiles, single zero steps, −0 and scattered zeros.
        const int m = 13, n = 37, k = (16 * 70) + 5;
        var rng = new Random(11);
        foreach (GemmPath path in _paths)
        {
            float[] a = RandomMatrix(rng, m * k);
            for (int i = 0; i < m; i++)
            {
                for (int p = 0; p < k; p++)
                {
                    bool zero = (p >= 16 * 60 && p < 16 * 70) || i is 3 or 4 || (i < 5 && p / 16 % 3 == 0) || rng.Next(4) == 0;
                    if (zero) a[(i * k) + p] = p % 2 == 0 ? 0f : -0f;
                }
            }

            float[] b = RandomMatrix(rng, n * k);
            float[] c0 = RandomMatrix(rng, (m * n) + 1);
            foreach (bool acc in new[] { false, true })
            {
                float[] c = (float[])c0.Clone();
                Run(path, () => Gemm.Multiply(a, false, b, true, c, m, n, k, acc));
                for (int i = 0; i < m; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        double exact = acc ? c0[(i * n) + j] : 0, magnitude = Math.Abs(exact);
                        for (int p = 0; p < k; p++)
                        {
                            exact += (double)a[(i * k) + p] * b[(j * k) + p];
                            magnitude += Math.Abs((double)a[(i * k) + p] * b[(j * k) + p]);
                        }

                        double err = Math.Abs(c[(i * n) + j] - exact);
                        Assert.IsTrue(err <= (k + 2) * Math.Pow(2, -24) * magnitude, $"path {path}, acc={acc}: C[{i},{j}] = {c[(i * n) + j]}, exact {exact}");
                    }
                }

                Assert.AreEqual(c0[m * n], c[m * n], "value past C changed");
            }

            // A of zeros only (−0 among them): every output is exactly +0, or exactly C when accumulating.
            float[] zeros = new float[m * k];
            for (int p = 1; p < zeros.Length; p += 3) zeros[p] = -0f;
            float[] z = RandomMatrix(rng, m * n);
            Run(path, () => Gemm.Multiply(zeros, false, b, true, z, m, n, k));
            Assert.IsTrue(z.All(v => BitConverter.SingleToInt32Bits(v) == 0), $"path {path}: a product of zeros is +0");
            float[] kept = RandomMatrix(rng, m * n);
            float[] sum = (float[])kept.Clone();
            Run(path, () => Gemm.Multiply(zeros, false, b, true, sum, m, n, k, accumulate: true));
            CollectionAssert.AreEqual(kept, sum, $"path {path}: accumulating zeros leaves C as it was");
        }
    }

    [TestMethod]
    public void Zero_rows_of_B_in_a_weight_gradient_leave_the_result_exact()
    {
        // A weight gradient, dW += Aᵀ·B with k ≤ 128 (a batch) and B stored along n, skips the rows of each B sliver
        // that are all zero (either sign) on the AVX2, 128-bit and scalar paths. The zero patterns: whole rows (blank images), runs
        // of 16 and 8 values aligned and not (blank pixel blocks), −0 and scattered zeros; n = 793 leaves a partial
        // sliver. The same product with B stored transposed is packed and runs every step: same bits required, and
        // both within the error bound of the double reference.
        const int m = 50, n = 793;
        var rng = new Random(29);
        foreach (GemmPath path in _paths)
        foreach (int k in new[] { 64, 128 })
        {
            float[] a = RandomMatrix(rng, k * m); // stored [k×m], used transposed
            float[] b = RandomMatrix(rng, k * n);
            for (int p = 0; p < k; p++)
            {
                for (int j = 0; j < n; j++)
                {
                    bool zero = p % 5 == 0 || (p % 3 == 0 && j / 16 % 2 == 0) || (p % 7 == 1 && (j + 5) / 8 % 3 == 0) || rng.Next(3) == 0;
                    if (zero) b[(p * n) + j] = j % 2 == 0 ? 0f : -0f;
                }
            }

            float[] bt = new float[n * k];
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++) bt[(j * k) + p] = b[(p * n) + j];

            float[] c0 = RandomMatrix(rng, m * n);
            float[] skipping = (float[])c0.Clone(), dense = (float[])c0.Clone();
            Run(path, () => Gemm.Multiply(a, true, b, false, skipping, m, n, k, accumulate: true));
            Run(path, () => Gemm.Multiply(a, true, bt, true, dense, m, n, k, accumulate: true));
            for (int i = 0; i < m * n; i++)
            {
                if (BitConverter.SingleToInt32Bits(skipping[i]) != BitConverter.SingleToInt32Bits(dense[i]))
                {
                    Assert.Fail($"path {path}, k {k}: C[{i / n},{i % n}] = {skipping[i]} skipping zero rows, {dense[i]} dense");
                }

                double exact = c0[i], magnitude = Math.Abs(c0[i]);
                for (int p = 0; p < k; p++)
                {
                    double product = (double)a[(p * m) + (i / n)] * b[(p * n) + (i % n)];
                    exact += product;
                    magnitude += Math.Abs(product);
                }

                Assert.IsTrue(Math.Abs(skipping[i] - exact) <= (k + 2) * Math.Pow(2, -24) * magnitude, $"path {path}, k {k}: C[{i / n},{i % n}]");
            }
        }
    }

    [TestMethod]
    public void Zero_k_writes_zeros_or_leaves_C_when_accumulating()
    {
        foreach (GemmPath path in _paths)
        {
            float[] c = [1, 2, 3, 4, 5, 6, 99];
            Run(path, () => Gemm.Multiply([], false, [], true, c, 2, 3, 0, accumulate: true));
            CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6, 99 }, c);
            Run(path, () => Gemm.Multiply([], true, [], false, c, 2, 3, 0));
            CollectionAssert.AreEqual(new float[] { 0, 0, 0, 0, 0, 0, 99 }, c, "only the m×n block is written");
        }
    }

    [TestMethod]
    public void Zero_m_or_n_touches_nothing()
    {
        float[] a = [1, 2, 3];
        float[] b = [4, 5, 6, 7, 8, 9];
        float[] c = [7, 8];
        Gemm.Multiply(a, false, b, false, c, 0, 2, 3);
        Gemm.Multiply(a, false, b, false, c, 1, 0, 3);
        CollectionAssert.AreEqual(new float[] { 7, 8 }, c);
    }

    [TestMethod]
    public void Negative_dimensions_are_rejected_naming_the_argument()
    {
        float[] x = new float[16];
        var em = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Gemm.Multiply(x, false, x, false, x, -1, 2, 2));
        Assert.AreEqual("m", em.ParamName);
        var en = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Gemm.Multiply(x, false, x, false, x, 2, -3, 2));
        Assert.AreEqual("n", en.ParamName);
        StringAssert.Contains(en.Message, "-3");
        var ek = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Gemm.Multiply(x, false, x, false, x, 2, 2, -1));
        Assert.AreEqual("k", ek.ParamName);
    }

    [TestMethod]
    public void Short_spans_are_rejected_naming_the_argument()
    {
        float[] big = new float[12];
        float[] small = new float[5];
        Assert.AreEqual("a", Assert.ThrowsExactly<ArgumentException>(() => Gemm.Multiply(small, false, big, false, big, 2, 2, 3)).ParamName);
        Assert.AreEqual("b", Assert.ThrowsExactly<ArgumentException>(() => Gemm.Multiply(big, false, small, true, big, 2, 2, 3)).ParamName);
        var ec = Assert.ThrowsExactly<ArgumentException>(() => Gemm.Multiply(big, false, big, false, small, 3, 2, 2));
        Assert.AreEqual("c", ec.ParamName);
        StringAssert.Contains(ec.Message, "5");
    }

    [TestMethod]
    public void Forcing_an_unsupported_path_is_refused_and_auto_resolves()
    {
        Assert.AreNotEqual(GemmPath.Auto, Gemm.BestPath);
        Assert.IsTrue(Gemm.IsSupported(GemmPath.Scalar));
        if (!Gemm.IsSupported(GemmPath.Vector512))
        {
            Assert.ThrowsExactly<PlatformNotSupportedException>(() => Gemm.ForcedPath = GemmPath.Vector512);
        }
    }

    internal static void Run(GemmPath path, Action action)
    {
        Gemm.ForcedPath = path;
        try
        {
            action();
        }
        finally
        {
            Gemm.ForcedPath = GemmPath.Auto;
        }
    }

    internal static float[] RandomMatrix(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return x;
    }

    private static void CheckAgainstReference(Random rng, GemmPath path, int m, int n, int k, bool ta, bool tb, bool acc)
    {
        float[] a = RandomMatrix(rng, m * k);
        float[] b = RandomMatrix(rng, k * n);

        // One spare value past C catches writes beyond the m×n block.
        float[] c0 = RandomMatrix(rng, (m * n) + 1);
        float[] c = (float[])c0.Clone();
        Run(path, () => Gemm.Multiply(a, ta, b, tb, c, m, n, k, acc));

        double gamma = (k + 2) * Math.Pow(2, -24);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double exact = acc ? c0[(i * n) + j] : 0;
                double magnitude = acc ? Math.Abs(c0[(i * n) + j]) : 0;
                for (int p = 0; p < k; p++)
                {
                    double av = ta ? a[(p * m) + i] : a[(i * k) + p];
                    double bv = tb ? b[(j * k) + p] : b[(p * n) + j];
                    exact += av * bv;
                    magnitude += Math.Abs(av * bv);
                }

                double err = Math.Abs(c[(i * n) + j] - exact);
                if (err > gamma * magnitude)
                {
                    Assert.Fail($"path {path}, {m}×{n}×{k}, ta={ta}, tb={tb}, acc={acc}: C[{i},{j}] = {c[(i * n) + j]}, exact {exact}, error {err} > bound {gamma * magnitude}");
                }
            }
        }

        Assert.AreEqual(c0[m * n], c[m * n], "value past C changed");
    }
}
