using System.Runtime.Intrinsics.X86;
using Microsoft.ML.Minibatch.Optim;

namespace Microsoft.ML.Minibatch.Tests.OptimTests;

/// <summary>
/// The optimizers' fused multiply-add: the double-precision emulation (used where .NET has no hardware FMA), with AVX's
/// 256-bit doubles where the CPU has them and with 128-bit vectors, against <see cref="MathF.FusedMultiplyAdd"/>, bit for
/// bit, including the cases a plain double computation rounds wrongly.
/// </summary>
[TestClass]
public sealed class FusedMultiplyAddKernelTests
{
    // Whether the emulation may use AVX: both ways where the CPU has it.
    private static readonly bool[] _useAvx = Avx.IsSupported ? [true, false] : [false];

    [TestMethod]
    public void Emulation_rounds_once_where_a_plain_double_sum_rounds_twice()
    {
        foreach (bool useAvx in _useAvx) RoundsOnce(useAvx);
    }

    private static void RoundsOnce(bool useAvx)
    {
        // x·y = 2⁻²⁴ − 2⁻⁶⁰ exactly; + (1 + 2⁻²³) lies just below the float midpoint 1 + 3·2⁻²⁴. A double sum rounds
        // onto that midpoint, and rounding the midpoint to float goes to the even neighbour 1 + 2⁻²², one unit too far.
        float x = MathF.ScaleB(1f + MathF.ScaleB(1f, -18), -12);
        float y = MathF.ScaleB(1f - MathF.ScaleB(1f, -18), -12);
        float z = 1f + MathF.ScaleB(1f, -23);
        Assert.AreEqual(1f + MathF.ScaleB(1f, -22), (float)(((double)x * y) + z), "the case is not hard: the plain double sum already rounds correctly");

        float[] d = new float[5];
        FusedMultiplyAddKernel.Emulate([x, x, x, x, x], [y, y, y, y, y], [z, z, z, z, z], d, useAvx);
        foreach (float value in d)
        {
            Assert.AreEqual(BitConverter.SingleToInt32Bits(z), BitConverter.SingleToInt32Bits(value), $"vector lanes and the scalar tail (AVX: {useAvx})");
        }

        // The mirror case with the opposite signs rounds towards zero by the same argument.
        FusedMultiplyAddKernel.Emulate([-x], [y], [-z], d, useAvx);
        Assert.AreEqual(-z, d[0]);

        // Below the smallest normal float the grid is 2⁻¹⁴⁹ and its midpoints sit elsewhere in a double's bits:
        // 8392705 · 16769026 = 2⁴⁷ + 2, so x·y = 2⁻¹⁵⁰ + 2⁻¹⁹⁶, and + 2⁻¹⁴⁰ lies just above the midpoint 512.5 · 2⁻¹⁴⁹.
        // The double sum drops the 2⁻¹⁹⁶ and lands on it; the even neighbour 512 · 2⁻¹⁴⁹ is one unit too low.
        float tx = MathF.ScaleB(8392705f, -100), ty = MathF.ScaleB(16769026f, -97), tz = MathF.ScaleB(1f, -140);
        float right = MathF.ScaleB(513f, -149);
        Assert.AreEqual(MathF.ScaleB(512f, -149), (float)(((double)tx * ty) + tz), "the subnormal case is not hard");
        Assert.AreEqual(right, MathF.FusedMultiplyAdd(tx, ty, tz));
        FusedMultiplyAddKernel.Emulate([tx, tx, tx, tx, tx], [ty, ty, ty, ty, ty], [tz, tz, tz, tz, tz], d, useAvx);
        foreach (float value in d)
        {
            Assert.AreEqual(right, value, $"subnormal result, vector lanes and the scalar tail (AVX: {useAvx})");
        }
    }

    [TestMethod]
    public void Emulation_matches_MathF_FusedMultiplyAdd_bit_for_bit()
    {
        var rng = new Random(7);
        const int N = 200_003; // not a multiple of the vector width: the tail runs too
        float[] x = new float[N], y = new float[N], z = new float[N], d = new float[N];
        for (int i = 0; i < N; i++)
        {
            x[i] = RandomFloat(rng);
            y[i] = RandomFloat(rng);
            z[i] = (i % 4) switch
            {
                // Cancellation: z is −x·y rounded, so the fused result is the (tiny) rounding error of the product.
                0 => -(x[i] * y[i]),
                // Midpoints: z with few significant bits near x·y, where ties and near-ties are common.
                1 => MathF.ScaleB(MathF.Round(RandomFloat(rng) * 64f), rng.Next(-30, 10)),
                // Results below the smallest normal float (2⁻¹²⁶), where the float grid is coarser: subnormal z.
                2 when i % 8 == 2 => Tiny(rng, x[i] = MathF.ScaleB(x[i], -50), y[i] = MathF.ScaleB(y[i], -50)),
                _ => RandomFloat(rng),
            };
        }

        foreach (bool useAvx in _useAvx)
        {
            FusedMultiplyAddKernel.Emulate(x, y, z, d, useAvx);
            int wrong = 0;
            for (int i = 0; i < N; i++)
            {
                float expected = MathF.FusedMultiplyAdd(x[i], y[i], z[i]);
                if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(d[i]) && !(float.IsNaN(expected) && float.IsNaN(d[i])))
                {
                    wrong++;
                }
            }

            Assert.AreEqual(0, wrong, $"elements differing from MathF.FusedMultiplyAdd (AVX: {useAvx})");
        }
    }

    [TestMethod]
    public void Emulation_keeps_signed_zeros_infinities_and_NaN()
    {
        float inf = float.PositiveInfinity;
        float[] x = [0f, -0f, 1f, inf, inf, 1f, float.NaN, 3e38f, 1e-30f];
        float[] y = [-1f, 1f, 1f, 0f, 1f, 1f, 1f, 3e38f, 1e-30f];
        float[] z = [0f, -0f, -1f, 1f, -inf, float.NaN, 1f, 0f, -0f];
        float[] d = new float[x.Length];
        foreach (bool useAvx in _useAvx)
        {
            FusedMultiplyAddKernel.Emulate(x, y, z, d, useAvx);
            for (int i = 0; i < x.Length; i++)
            {
                float expected = MathF.FusedMultiplyAdd(x[i], y[i], z[i]);
                Assert.IsTrue(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(d[i]) || (float.IsNaN(expected) && float.IsNaN(d[i])),
                    $"fma({x[i]}, {y[i]}, {z[i]}) = {expected}, got {d[i]} (AVX: {useAvx})");
            }
        }
    }

    [TestMethod]
    public void Run_with_a_scalar_factor_is_the_fused_result_on_this_machine()
    {
        var rng = new Random(3);
        float[] x = Enumerable.Range(0, 1001).Select(_ => RandomFloat(rng)).ToArray();
        float[] z = Enumerable.Range(0, 1001).Select(_ => RandomFloat(rng)).ToArray();
        const float Y = -0.1f;
        float[] d = new float[x.Length];
        FusedMultiplyAddKernel.Run(x, Y, z, d);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.AreEqual(MathF.FusedMultiplyAdd(x[i], Y, z[i]), d[i], $"element {i} (emulated: {FusedMultiplyAddKernel.Emulated})");
        }
    }

    // A float near x·y (itself 2⁻¹⁶⁰…2⁻⁴⁰ here) with few bits, often subnormal.
    private static float Tiny(Random rng, float x, float y) =>
        MathF.ScaleB(MathF.Round(RandomFloat(rng) * 4f), (int)Math.Round(Math.Log2(Math.Abs((double)x * y))) - rng.Next(0, 3));

    // Sign, a mantissa of full precision and an exponent over a wide range (products from 2⁻⁶⁰ to 2⁶⁰).
    private static float RandomFloat(Random rng) =>
        MathF.ScaleB((float)(rng.NextDouble() + 0.5) * (rng.Next(2) == 0 ? 1 : -1), rng.Next(-30, 30));
}
