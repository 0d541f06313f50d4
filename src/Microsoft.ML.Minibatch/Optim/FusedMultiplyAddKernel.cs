using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Minibatch.Optim;

/// <summary>
/// d = x·y + z with one rounding (a fused multiply-add) on float spans, on every instruction-set path.
/// </summary>
/// <remarks>
/// The optimizers need the fused result, PyTorch's bits. Where the hardware has a fused multiply-add that .NET uses
/// (x64 with FMA, every Arm64) this is <c>TensorPrimitives.FusedMultiplyAdd</c>.
/// Where it has not but 128-bit vectors are accelerated (an x64 CPU without FMA, or .NET told not to use AVX2),
/// <c>TensorPrimitives</c> falls back to one library call per element (the lesson's SGD step took 690 µs instead of
/// 11); here the same correctly rounded result comes from 128-bit vectors of doubles instead: x·y is exact in a
/// double (24 + 24 significant bits ≤ 53), the sum with z is rounded to a double <em>to odd</em> (where rounding to
/// nearest could differ: see <c>Fused</c>), and rounding that to float gives exactly the correctly rounded x·y + z (Boldo and Melquiond, "Emulation of FMA and correctly rounded
/// sums: proved algorithms using rounding to odd", IEEE Trans. Computers 2008: double has ≥ 24 + 2 bits).
/// Rounding to odd: s = x·y + z rounded to nearest and e its exact error (two-sum); when e ≠ 0 and s's last bit
/// is even, s moves one unit in the last place towards e. Where the CPU has AVX (Intel's Sandy and Ivy Bridge, or .NET
/// told not to use AVX2), four doubles a step instead of two: the lesson's SGD step on Zen 3 with AVX2 switched off
/// takes 16 µs this way against 35 µs with 128-bit vectors.
/// </remarks>
internal static class FusedMultiplyAddKernel
{
    /// <summary>Whether the emulation runs instead of <c>TensorPrimitives</c> on this machine.</summary>
    internal static bool Emulated { get; } =
        !Fma.IsSupported && !AdvSimd.IsSupported && Vector128.IsHardwareAccelerated;

    /// <summary>Whether <c>Vector.FusedMultiplyAdd</c> is one instruction on <c>Vector&lt;float&gt;</c> here.</summary>
    internal static bool InHardware { get; } =
        Vector.IsHardwareAccelerated && (Fma.IsSupported || AdvSimd.IsSupported);

    /// <summary>d[i] = x[i]·y + z[i], fused. <paramref name="destination"/> may be <paramref name="z"/> or <paramref name="x"/>.</summary>
    internal static void Run(ReadOnlySpan<float> x, float y, ReadOnlySpan<float> z, Span<float> destination)
    {
        if (!Emulated)
        {
            TensorPrimitives.FusedMultiplyAdd(x, y, z, destination);
            return;
        }

        Check(x.Length, z.Length, destination.Length);
        Emulate(ref MemoryMarshal.GetReference(x), 0, ref y, ref MemoryMarshal.GetReference(z), ref MemoryMarshal.GetReference(destination), x.Length);
    }

    /// <summary>d[i] = x[i]·y[i] + z[i], fused. <paramref name="destination"/> may be any of the inputs.</summary>
    internal static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> destination)
    {
        if (!Emulated)
        {
            TensorPrimitives.FusedMultiplyAdd(x, y, z, destination);
            return;
        }

        Check(x.Length, z.Length, destination.Length);
        if (y.Length != x.Length) throw new ArgumentException($"y holds {y.Length} values, x {x.Length}.", nameof(y));
        Emulate(ref MemoryMarshal.GetReference(x), 1, ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(z), ref MemoryMarshal.GetReference(destination), x.Length);
    }

    /// <summary>
    /// The emulation itself, whatever the machine, with AVX's four doubles a step where <paramref name="useAvx"/> and the
    /// CPU has it, else 128-bit vectors (tests compare both with <see cref="MathF.FusedMultiplyAdd"/>).
    /// </summary>
    internal static void Emulate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> destination, bool useAvx = true)
    {
        Check(x.Length, z.Length, destination.Length);
        if (y.Length != x.Length) throw new ArgumentException($"y holds {y.Length} values, x {x.Length}.", nameof(y));
        Emulate(ref MemoryMarshal.GetReference(x), 1, ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(z), ref MemoryMarshal.GetReference(destination), x.Length, useAvx);
    }

    private static void Check(int x, int z, int destination)
    {
        if (z != x) throw new ArgumentException($"z holds {z} values, x {x}.", "z");
        if (destination < x) throw new ArgumentException($"The destination holds {destination} values, fewer than {x}.", nameof(destination));
    }

    // yStride 0: y is one value; 1: a span as long as x.
    private static void Emulate(ref float x, int yStride, ref float y, ref float z, ref float d, int length, bool useAvx = true)
    {
        int i = useAvx && Avx.IsSupported ? EmulateAvx(ref x, yStride, ref y, ref z, ref d, length) : 0;
        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> yScalar = Vector128.Create(y);
            for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> xv = Vector128.LoadUnsafe(ref x, (nuint)i);
                Vector128<float> yv = yStride == 0 ? yScalar : Vector128.LoadUnsafe(ref y, (nuint)i);
                Vector128<float> zv = Vector128.LoadUnsafe(ref z, (nuint)i);
                Vector128<double> lower = Fused(Vector128.WidenLower(xv), Vector128.WidenLower(yv), Vector128.WidenLower(zv));
                Vector128<double> upper = Fused(Vector128.WidenUpper(xv), Vector128.WidenUpper(yv), Vector128.WidenUpper(zv));
                Vector128.Narrow(lower, upper).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            double s = Fused(Vector128.CreateScalar((double)Unsafe.Add(ref x, i)),
                Vector128.CreateScalar((double)Unsafe.Add(ref y, i * yStride)),
                Vector128.CreateScalar((double)Unsafe.Add(ref z, i))).ToScalar();
            Unsafe.Add(ref d, i) = (float)s;
        }
    }

    /// <summary>
    /// The emulation four elements at a time with AVX's 256-bit doubles (explicit <see cref="Avx"/> operations: without
    /// AVX2, .NET does not accelerate <see cref="Vector256"/>); returns how many elements it computed. The same test
    /// as <c>Fused</c>, on the bit patterns compared as doubles: the masked low bits form a subnormal double, and
    /// distinct subnormals compare unequal.
    /// </summary>
    private static int EmulateAvx(ref float x, int yStride, ref float y, ref float z, ref float d, int length)
    {
        Vector256<double> yScalar = Avx.ConvertToVector256Double(Vector128.Create(y));
        Vector256<double> lowBits = Vector256.Create(0x1FFF_FFFFL).AsDouble();
        Vector256<double> midpoint = Vector256.Create(0x1000_0000L).AsDouble();
        Vector256<double> magnitudeBits = Vector256.Create(long.MaxValue).AsDouble();
        Vector256<double> smallestNormal = Vector256.Create(0x3810_0000_0000_0000L).AsDouble();
        int i = 0;
        for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
        {
            Vector256<double> xv = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref x, (nuint)i));
            Vector256<double> yv = yStride == 0 ? yScalar : Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref y, (nuint)i));
            Vector256<double> zv = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref z, (nuint)i));
            Vector256<double> p = Avx.Multiply(xv, yv); // exact
            Vector256<double> s = Avx.Add(p, zv);

            // On a float midpoint, or below the smallest normal float but not zero: round to odd (rare).
            Vector256<double> magnitude = Avx.And(s, magnitudeBits);
            Vector256<double> suspect = Avx.Or(
                Avx.CompareEqual(Avx.And(s, lowBits), midpoint),
                Avx.AndNot(Avx.CompareEqual(magnitude, Vector256<double>.Zero), Avx.CompareLessThan(magnitude, smallestNormal)));
            if (!Avx.TestZ(suspect, suspect))
            {
                s = Vector256.Create(
                    Fused(xv.GetLower(), yv.GetLower(), zv.GetLower()),
                    Fused(xv.GetUpper(), yv.GetUpper(), zv.GetUpper()));
            }

            Avx.ConvertToVector128Single(s).StoreUnsafe(ref d, (nuint)i);
        }

        return i;
    }

    /// <summary>
    /// x·y + z, for x, y, z widened from floats, as a double that rounds to the correctly rounded float: the sum
    /// rounded to nearest where that is already right, else rounded to odd.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Fused(Vector128<double> x, Vector128<double> y, Vector128<double> z)
    {
        Vector128<double> p = x * y; // exact
        Vector128<double> s = p + z;

        // Rounding the nearest double s to float gives the right float unless s landed exactly on a midpoint between
        // two floats (then the exact sum may lie on either side of it): a midpoint of normal floats has its 29 bits
        // below float precision equal to 1000…0. Below the smallest normal float the midpoints sit elsewhere, so
        // those take the exact route too. Both are rare: one test per pair of lanes.
        Vector128<long> bits = s.AsInt64();
        Vector128<long> midpoint = Vector128.Equals(bits & Vector128.Create(0x1FFF_FFFFL), Vector128.Create(0x1000_0000L));
        Vector128<long> tiny = Vector128.LessThan(bits & Vector128.Create(long.MaxValue), Vector128.Create(0x3810_0000_0000_0000L));
        if (((midpoint | tiny) & ~Vector128.Equals(s, Vector128<double>.Zero).AsInt64()) == Vector128<long>.Zero)
        {
            return s;
        }

        // Round to odd. Two-sum: e = (p + z) − s exactly, whatever the magnitudes of p and z.
        Vector128<double> zVirtual = s - p;
        Vector128<double> e = (p - (s - zVirtual)) + (z - zVirtual);

        // Inexact (e ≠ 0; NaN, from infinite inputs, is left alone) with an even last bit: one unit towards e,
        // which is +1 on the bits when e has s's sign and −1 otherwise. s ≠ 0 here (a sum that rounds to zero is exact).
        Vector128<long> inexact = ~Vector128.Equals(e, Vector128<double>.Zero).AsInt64() & Vector128.Equals(e, e).AsInt64();
        Vector128<long> even = Vector128.Equals(bits & Vector128<long>.One, Vector128<long>.Zero);
        Vector128<long> towards = Vector128.ConditionalSelect(
            Vector128.LessThan(bits ^ e.AsInt64(), Vector128<long>.Zero), Vector128.Create(-1L), Vector128<long>.One);
        return (bits + (towards & inexact & even)).AsDouble();
    }
}
