using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// The handful of vector operations the GEMM kernels need. The kernels are generic over this interface with
/// struct implementations, so the JIT compiles one specialised, fully inlined copy per instruction set and the
/// four paths share one source.
/// </summary>
/// <typeparam name="TVec">The register type: <see cref="Vector512{T}"/>, <see cref="Vector256{T}"/>, <see cref="Vector128{T}"/> or <see cref="float"/>.</typeparam>
internal interface IGemmOps<TVec> where TVec : unmanaged
{
    /// <summary>Floats per register.</summary>
    static abstract int Count { get; }

    /// <summary>A register of zeros.</summary>
    static abstract TVec Zero { get; }

    /// <summary>Loads <see cref="Count"/> floats (unaligned).</summary>
    static abstract unsafe TVec Load(float* p);

    /// <summary>Stores <see cref="Count"/> floats (unaligned).</summary>
    static abstract unsafe void Store(float* p, TVec v);

    /// <summary>Broadcasts one float to every lane.</summary>
    static abstract unsafe TVec Broadcast(float* p);

    /// <summary>
    /// How many times packing writes each value of A: 1 where <see cref="Broadcast"/> from memory is one load, or
    /// <see cref="Count"/> where a broadcast costs a shuffle after the load (x64 without AVX2, whose JIT loads the
    /// float and then spreads it), so that the micro-kernel reads each value already spread with a plain load.
    /// </summary>
    static abstract int PackedACopies { get; }

    /// <summary>The register of one packed A value: a broadcast, or a load of its <see cref="PackedACopies"/> copies.</summary>
    static abstract unsafe TVec LoadPackedA(float* p);

    /// <summary>a·b + c, fused (one rounding) where the path has FMA.</summary>
    static abstract TVec MultiplyAdd(TVec a, TVec b, TVec c);

    /// <summary>a + b.</summary>
    static abstract TVec Add(TVec a, TVec b);

    /// <summary>The bitwise or of two registers: or-ing a tile's rows gives ±0 in a lane exactly where every row holds ±0.</summary>
    static abstract TVec Or(TVec a, TVec b);

    /// <summary>Whether every lane is zero (either sign; NaN is not zero).</summary>
    static abstract bool IsZero(TVec v);

    /// <summary>Sum of the lanes, in a fixed order.</summary>
    static abstract float Sum(TVec v);

    /// <summary>The last <paramref name="count"/> lanes of <paramref name="v"/>, the others zero (0 &lt; count &lt; <see cref="Count"/>).</summary>
    static abstract TVec KeepLast(TVec v, int count);

    /// <summary>The lane sums of four registers, in a fixed order (a shared reduction tree: cheaper than four <see cref="Sum"/>s).</summary>
    static abstract Vector128<float> Sum4(TVec a, TVec b, TVec c, TVec d);
}

/// <summary>AVX-512F operations on 16 floats.</summary>
internal readonly struct Vector512Ops : IGemmOps<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Load(float* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(float* p, Vector512<float> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Broadcast(float* p) => Vector512.Create(*p);

    public static int PackedACopies => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> LoadPackedA(float* p) => Broadcast(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Or(Vector512<float> a, Vector512<float> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsZero(Vector512<float> v) => Vector512.EqualsAll(v, Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> v) => Vector256Ops.Sum(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> KeepLast(Vector512<float> v, int count) =>
        v & Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(Count - count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d) =>
        Vector256Ops.Sum4(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());
}

/// <summary>AVX2 + FMA operations on 8 floats.</summary>
internal readonly struct Vector256Ops : IGemmOps<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> Load(float* p) => Vector256.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(float* p, Vector256<float> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> Broadcast(float* p) => Vector256.Create(*p);

    public static int PackedACopies => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> LoadPackedA(float* p) => Broadcast(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Or(Vector256<float> a, Vector256<float> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsZero(Vector256<float> v) => Vector256.EqualsAll(v, Vector256<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> v)
    {
        // Pairwise tree: (lower half + upper half), then pairs within the 128-bit remainder.
        Vector128<float> s = v.GetLower() + v.GetUpper();
        s += Vector128.Shuffle(s, Vector128.Create(2, 3, 0, 1));
        s += Vector128.Shuffle(s, Vector128.Create(1, 0, 3, 2));
        return s.ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> KeepLast(Vector256<float> v, int count) =>
        v & Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(Count - count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        // Horizontal adds pair neighbouring lanes of two registers at a time; after two rounds each 128-bit half
        // holds one partial sum per register, and adding the halves finishes all four.
        Vector256<float> s = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
        return s.GetLower() + s.GetUpper();
    }
}

/// <summary>
/// 128-bit operations on 4 floats through the portable <see cref="Vector128"/> API only, which .NET maps to AdvSimd
/// (NEON) on Arm64 and to SSE/AVX on x64: no instruction-set-specific intrinsics, so the path tuned on x64 with
/// AVX2 switched off is the code Arm64 runs.
/// </summary>
internal readonly struct Vector128Ops : IGemmOps<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector128<float> Load(float* p) => Vector128.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(float* p, Vector128<float> v) => v.Store(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector128<float> Broadcast(float* p) => Vector128.Create(*p);

    public static int PackedACopies => Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector128<float> LoadPackedA(float* p) => Load(p);

    /// <summary>
    /// Fused (one rounding) where the hardware has a fused multiply-add — always on Arm64, on x64 with FMA — else a
    /// multiply and an add; a software-emulated fused multiply-add would be many times slower. The choice is fixed
    /// per machine, so every thread count and split still gives the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Or(Vector128<float> a, Vector128<float> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsZero(Vector128<float> v) => Vector128.EqualsAll(v, Vector128<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> v)
    {
        // Pairwise tree, the same as the lower half of Vector256Ops.Sum: (0+2, 1+3), then their sum.
        v += Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        v += Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2));
        return v.ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> KeepLast(Vector128<float> v, int count) =>
        v & Vector128.GreaterThanOrEqual(Vector128<int>.Indices, Vector128.Create(Count - count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d) =>
        Vector128.Create(Sum(a), Sum(b), Sum(c), Sum(d));
}

/// <summary>Portable scalar operations (one float per "register"); separate multiply and add.</summary>
internal readonly struct ScalarOps : IGemmOps<float>
{
    public static int Count => 1;

    public static float Zero => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Load(float* p) => *p;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(float* p, float v) => *p = v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Broadcast(float* p) => *p;

    public static int PackedACopies => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float LoadPackedA(float* p) => Broadcast(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c) => (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Or(float a, float b) => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(a) | BitConverter.SingleToInt32Bits(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsZero(float v) => v == 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float KeepLast(float v, int count) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(float a, float b, float c, float d) => Vector128.Create(a, b, c, d);
}
