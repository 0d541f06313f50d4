using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// Micro-kernels and panel packing of <see cref="Gemm"/>. For a given path and k, every output element is
/// computed by one fixed sequence of operations (multiply-adds in order of p within each k-slice, or, in the dot
/// kernels, per-lane multiply-adds followed by a fixed reduction tree), whatever tile, block or thread the
/// element falls in: that is what makes the result independent of the thread count. The register tiles are
/// unrolled by hand so that every accumulator is a separate local the JIT keeps in a register.
/// </summary>
[SkipLocalsInit]
internal static class GemmKernels
{
    /// <summary>Register tile of 12 rows × 2 vectors: C tile (+)= packed A sliver [kc×12] · B sliver [kc×2V], whose rows are
    /// <paramref name="ldb"/> floats apart (2V when packed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Axpy12x2<TOps, TVec>(int kc, float* ap, float* bp, int ldb, float* c, int ldc, bool add, int mr, int nr)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        int w = TOps.Count;
        TVec c00 = TOps.Zero, c01 = TOps.Zero;
        TVec c10 = TOps.Zero, c11 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero;
        TVec c40 = TOps.Zero, c41 = TOps.Zero;
        TVec c50 = TOps.Zero, c51 = TOps.Zero;
        TVec c60 = TOps.Zero, c61 = TOps.Zero;
        TVec c70 = TOps.Zero, c71 = TOps.Zero;
        TVec c80 = TOps.Zero, c81 = TOps.Zero;
        TVec c90 = TOps.Zero, c91 = TOps.Zero;
        TVec c100 = TOps.Zero, c101 = TOps.Zero;
        TVec c110 = TOps.Zero, c111 = TOps.Zero;
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = TOps.Load(bp), b1 = TOps.Load(bp + w);
            TVec a;
            a = TOps.Broadcast(ap + 0); c00 = TOps.MultiplyAdd(a, b0, c00); c01 = TOps.MultiplyAdd(a, b1, c01);
            a = TOps.Broadcast(ap + 1); c10 = TOps.MultiplyAdd(a, b0, c10); c11 = TOps.MultiplyAdd(a, b1, c11);
            a = TOps.Broadcast(ap + 2); c20 = TOps.MultiplyAdd(a, b0, c20); c21 = TOps.MultiplyAdd(a, b1, c21);
            a = TOps.Broadcast(ap + 3); c30 = TOps.MultiplyAdd(a, b0, c30); c31 = TOps.MultiplyAdd(a, b1, c31);
            a = TOps.Broadcast(ap + 4); c40 = TOps.MultiplyAdd(a, b0, c40); c41 = TOps.MultiplyAdd(a, b1, c41);
            a = TOps.Broadcast(ap + 5); c50 = TOps.MultiplyAdd(a, b0, c50); c51 = TOps.MultiplyAdd(a, b1, c51);
            a = TOps.Broadcast(ap + 6); c60 = TOps.MultiplyAdd(a, b0, c60); c61 = TOps.MultiplyAdd(a, b1, c61);
            a = TOps.Broadcast(ap + 7); c70 = TOps.MultiplyAdd(a, b0, c70); c71 = TOps.MultiplyAdd(a, b1, c71);
            a = TOps.Broadcast(ap + 8); c80 = TOps.MultiplyAdd(a, b0, c80); c81 = TOps.MultiplyAdd(a, b1, c81);
            a = TOps.Broadcast(ap + 9); c90 = TOps.MultiplyAdd(a, b0, c90); c91 = TOps.MultiplyAdd(a, b1, c91);
            a = TOps.Broadcast(ap + 10); c100 = TOps.MultiplyAdd(a, b0, c100); c101 = TOps.MultiplyAdd(a, b1, c101);
            a = TOps.Broadcast(ap + 11); c110 = TOps.MultiplyAdd(a, b0, c110); c111 = TOps.MultiplyAdd(a, b1, c111);
            ap += 12;
            bp += ldb;
        }
        if (mr == 12 && nr == 2 * w)
        {
            StoreRow<TOps, TVec>(c + 0 * ldc, w, c00, c01, add);
            StoreRow<TOps, TVec>(c + 1 * ldc, w, c10, c11, add);
            StoreRow<TOps, TVec>(c + 2 * ldc, w, c20, c21, add);
            StoreRow<TOps, TVec>(c + 3 * ldc, w, c30, c31, add);
            StoreRow<TOps, TVec>(c + 4 * ldc, w, c40, c41, add);
            StoreRow<TOps, TVec>(c + 5 * ldc, w, c50, c51, add);
            StoreRow<TOps, TVec>(c + 6 * ldc, w, c60, c61, add);
            StoreRow<TOps, TVec>(c + 7 * ldc, w, c70, c71, add);
            StoreRow<TOps, TVec>(c + 8 * ldc, w, c80, c81, add);
            StoreRow<TOps, TVec>(c + 9 * ldc, w, c90, c91, add);
            StoreRow<TOps, TVec>(c + 10 * ldc, w, c100, c101, add);
            StoreRow<TOps, TVec>(c + 11 * ldc, w, c110, c111, add);
        }
        else
        {
            // Edge tile: spill the whole register tile, then write only the rows and columns that exist.
            float* t = stackalloc float[12 * 2 * w];
            TOps.Store(t + 0 * 2 * w, c00); TOps.Store(t + 0 * 2 * w + w, c01);
            TOps.Store(t + 1 * 2 * w, c10); TOps.Store(t + 1 * 2 * w + w, c11);
            TOps.Store(t + 2 * 2 * w, c20); TOps.Store(t + 2 * 2 * w + w, c21);
            TOps.Store(t + 3 * 2 * w, c30); TOps.Store(t + 3 * 2 * w + w, c31);
            TOps.Store(t + 4 * 2 * w, c40); TOps.Store(t + 4 * 2 * w + w, c41);
            TOps.Store(t + 5 * 2 * w, c50); TOps.Store(t + 5 * 2 * w + w, c51);
            TOps.Store(t + 6 * 2 * w, c60); TOps.Store(t + 6 * 2 * w + w, c61);
            TOps.Store(t + 7 * 2 * w, c70); TOps.Store(t + 7 * 2 * w + w, c71);
            TOps.Store(t + 8 * 2 * w, c80); TOps.Store(t + 8 * 2 * w + w, c81);
            TOps.Store(t + 9 * 2 * w, c90); TOps.Store(t + 9 * 2 * w + w, c91);
            TOps.Store(t + 10 * 2 * w, c100); TOps.Store(t + 10 * 2 * w + w, c101);
            TOps.Store(t + 11 * 2 * w, c110); TOps.Store(t + 11 * 2 * w + w, c111);
            WriteEdge(t, 2 * w, c, ldc, mr, nr, add);
        }
    }

    /// <summary>Register tile of 10 rows × 2 vectors (for 10, 20, 50 … rows, which 12-row tiles would pad): C tile (+)= packed A sliver [kc×10] · B sliver [kc×2V], whose rows are
    /// <paramref name="ldb"/> floats apart (2V when packed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Axpy10x2<TOps, TVec>(int kc, float* ap, float* bp, int ldb, float* c, int ldc, bool add, int mr, int nr)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        int w = TOps.Count;
        TVec c00 = TOps.Zero, c01 = TOps.Zero;
        TVec c10 = TOps.Zero, c11 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero;
        TVec c40 = TOps.Zero, c41 = TOps.Zero;
        TVec c50 = TOps.Zero, c51 = TOps.Zero;
        TVec c60 = TOps.Zero, c61 = TOps.Zero;
        TVec c70 = TOps.Zero, c71 = TOps.Zero;
        TVec c80 = TOps.Zero, c81 = TOps.Zero;
        TVec c90 = TOps.Zero, c91 = TOps.Zero;
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = TOps.Load(bp), b1 = TOps.Load(bp + w);
            TVec a;
            a = TOps.Broadcast(ap + 0); c00 = TOps.MultiplyAdd(a, b0, c00); c01 = TOps.MultiplyAdd(a, b1, c01);
            a = TOps.Broadcast(ap + 1); c10 = TOps.MultiplyAdd(a, b0, c10); c11 = TOps.MultiplyAdd(a, b1, c11);
            a = TOps.Broadcast(ap + 2); c20 = TOps.MultiplyAdd(a, b0, c20); c21 = TOps.MultiplyAdd(a, b1, c21);
            a = TOps.Broadcast(ap + 3); c30 = TOps.MultiplyAdd(a, b0, c30); c31 = TOps.MultiplyAdd(a, b1, c31);
            a = TOps.Broadcast(ap + 4); c40 = TOps.MultiplyAdd(a, b0, c40); c41 = TOps.MultiplyAdd(a, b1, c41);
            a = TOps.Broadcast(ap + 5); c50 = TOps.MultiplyAdd(a, b0, c50); c51 = TOps.MultiplyAdd(a, b1, c51);
            a = TOps.Broadcast(ap + 6); c60 = TOps.MultiplyAdd(a, b0, c60); c61 = TOps.MultiplyAdd(a, b1, c61);
            a = TOps.Broadcast(ap + 7); c70 = TOps.MultiplyAdd(a, b0, c70); c71 = TOps.MultiplyAdd(a, b1, c71);
            a = TOps.Broadcast(ap + 8); c80 = TOps.MultiplyAdd(a, b0, c80); c81 = TOps.MultiplyAdd(a, b1, c81);
            a = TOps.Broadcast(ap + 9); c90 = TOps.MultiplyAdd(a, b0, c90); c91 = TOps.MultiplyAdd(a, b1, c91);
            ap += 10;
            bp += ldb;
        }
        if (mr == 10 && nr == 2 * w)
        {
            StoreRow<TOps, TVec>(c + 0 * ldc, w, c00, c01, add);
            StoreRow<TOps, TVec>(c + 1 * ldc, w, c10, c11, add);
            StoreRow<TOps, TVec>(c + 2 * ldc, w, c20, c21, add);
            StoreRow<TOps, TVec>(c + 3 * ldc, w, c30, c31, add);
            StoreRow<TOps, TVec>(c + 4 * ldc, w, c40, c41, add);
            StoreRow<TOps, TVec>(c + 5 * ldc, w, c50, c51, add);
            StoreRow<TOps, TVec>(c + 6 * ldc, w, c60, c61, add);
            StoreRow<TOps, TVec>(c + 7 * ldc, w, c70, c71, add);
            StoreRow<TOps, TVec>(c + 8 * ldc, w, c80, c81, add);
            StoreRow<TOps, TVec>(c + 9 * ldc, w, c90, c91, add);
        }
        else
        {
            // Edge tile: spill the whole register tile, then write only the rows and columns that exist.
            float* t = stackalloc float[10 * 2 * w];
            TOps.Store(t + 0 * 2 * w, c00); TOps.Store(t + 0 * 2 * w + w, c01);
            TOps.Store(t + 1 * 2 * w, c10); TOps.Store(t + 1 * 2 * w + w, c11);
            TOps.Store(t + 2 * 2 * w, c20); TOps.Store(t + 2 * 2 * w + w, c21);
            TOps.Store(t + 3 * 2 * w, c30); TOps.Store(t + 3 * 2 * w + w, c31);
            TOps.Store(t + 4 * 2 * w, c40); TOps.Store(t + 4 * 2 * w + w, c41);
            TOps.Store(t + 5 * 2 * w, c50); TOps.Store(t + 5 * 2 * w + w, c51);
            TOps.Store(t + 6 * 2 * w, c60); TOps.Store(t + 6 * 2 * w + w, c61);
            TOps.Store(t + 7 * 2 * w, c70); TOps.Store(t + 7 * 2 * w + w, c71);
            TOps.Store(t + 8 * 2 * w, c80); TOps.Store(t + 8 * 2 * w + w, c81);
            TOps.Store(t + 9 * 2 * w, c90); TOps.Store(t + 9 * 2 * w + w, c91);
            WriteEdge(t, 2 * w, c, ldc, mr, nr, add);
        }
    }

    /// <summary>Register tile of 6 rows × 2 vectors: C tile (+)= packed A sliver [kc×6], each value
    /// <see cref="IGemmOps{TVec}.PackedACopies"/> times, · B sliver [kc×2V], whose rows are <paramref name="ldb"/> floats
    /// apart (2V when packed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Axpy6x2<TOps, TVec>(int kc, float* ap, float* bp, int ldb, float* c, int ldc, bool add, int mr, int nr)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        int w = TOps.Count, s = TOps.PackedACopies;
        TVec c00 = TOps.Zero, c01 = TOps.Zero;
        TVec c10 = TOps.Zero, c11 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero;
        TVec c40 = TOps.Zero, c41 = TOps.Zero;
        TVec c50 = TOps.Zero, c51 = TOps.Zero;
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = TOps.Load(bp), b1 = TOps.Load(bp + w);
            TVec a;
            a = TOps.LoadPackedA(ap + (0 * s)); c00 = TOps.MultiplyAdd(a, b0, c00); c01 = TOps.MultiplyAdd(a, b1, c01);
            a = TOps.LoadPackedA(ap + (1 * s)); c10 = TOps.MultiplyAdd(a, b0, c10); c11 = TOps.MultiplyAdd(a, b1, c11);
            a = TOps.LoadPackedA(ap + (2 * s)); c20 = TOps.MultiplyAdd(a, b0, c20); c21 = TOps.MultiplyAdd(a, b1, c21);
            a = TOps.LoadPackedA(ap + (3 * s)); c30 = TOps.MultiplyAdd(a, b0, c30); c31 = TOps.MultiplyAdd(a, b1, c31);
            a = TOps.LoadPackedA(ap + (4 * s)); c40 = TOps.MultiplyAdd(a, b0, c40); c41 = TOps.MultiplyAdd(a, b1, c41);
            a = TOps.LoadPackedA(ap + (5 * s)); c50 = TOps.MultiplyAdd(a, b0, c50); c51 = TOps.MultiplyAdd(a, b1, c51);
            ap += 6 * s;
            bp += ldb;
        }
        if (mr == 6 && nr == 2 * w)
        {
            StoreRow<TOps, TVec>(c + 0 * ldc, w, c00, c01, add);
            StoreRow<TOps, TVec>(c + 1 * ldc, w, c10, c11, add);
            StoreRow<TOps, TVec>(c + 2 * ldc, w, c20, c21, add);
            StoreRow<TOps, TVec>(c + 3 * ldc, w, c30, c31, add);
            StoreRow<TOps, TVec>(c + 4 * ldc, w, c40, c41, add);
            StoreRow<TOps, TVec>(c + 5 * ldc, w, c50, c51, add);
        }
        else
        {
            // Edge tile: spill the whole register tile, then write only the rows and columns that exist.
            float* t = stackalloc float[6 * 2 * w];
            TOps.Store(t + 0 * 2 * w, c00); TOps.Store(t + 0 * 2 * w + w, c01);
            TOps.Store(t + 1 * 2 * w, c10); TOps.Store(t + 1 * 2 * w + w, c11);
            TOps.Store(t + 2 * 2 * w, c20); TOps.Store(t + 2 * 2 * w + w, c21);
            TOps.Store(t + 3 * 2 * w, c30); TOps.Store(t + 3 * 2 * w + w, c31);
            TOps.Store(t + 4 * 2 * w, c40); TOps.Store(t + 4 * 2 * w + w, c41);
            TOps.Store(t + 5 * 2 * w, c50); TOps.Store(t + 5 * 2 * w + w, c51);
            WriteEdge(t, 2 * w, c, ldc, mr, nr, add);
        }
    }

    /// <summary>
    /// <see cref="Axpy6x2"/> over the <paramref name="count"/> steps of k listed in <paramref name="steps"/> (in
    /// order) instead of all of them: the others are rows of B that are all zero (<see cref="NonzeroRows"/>), whose
    /// products add ±0 to every accumulator and so change no bit as long as A is finite (an accumulator that starts at
    /// +0 never becomes −0 by adding). For weight gradients, whose B is a batch of images or ReLU outputs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Axpy6x2Steps<TOps, TVec>(int count, int* steps, float* ap, float* bp, int ldb, float* c, int ldc, bool add, int mr, int nr)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        int w = TOps.Count, s = TOps.PackedACopies;
        TVec c00 = TOps.Zero, c01 = TOps.Zero;
        TVec c10 = TOps.Zero, c11 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero;
        TVec c40 = TOps.Zero, c41 = TOps.Zero;
        TVec c50 = TOps.Zero, c51 = TOps.Zero;
        for (int i = 0; i < count; i++)
        {
            long p = steps[i];
            float* aq = ap + (p * 6 * s), bq = bp + (p * ldb);
            TVec b0 = TOps.Load(bq), b1 = TOps.Load(bq + w);
            TVec a;
            a = TOps.LoadPackedA(aq + (0 * s)); c00 = TOps.MultiplyAdd(a, b0, c00); c01 = TOps.MultiplyAdd(a, b1, c01);
            a = TOps.LoadPackedA(aq + (1 * s)); c10 = TOps.MultiplyAdd(a, b0, c10); c11 = TOps.MultiplyAdd(a, b1, c11);
            a = TOps.LoadPackedA(aq + (2 * s)); c20 = TOps.MultiplyAdd(a, b0, c20); c21 = TOps.MultiplyAdd(a, b1, c21);
            a = TOps.LoadPackedA(aq + (3 * s)); c30 = TOps.MultiplyAdd(a, b0, c30); c31 = TOps.MultiplyAdd(a, b1, c31);
            a = TOps.LoadPackedA(aq + (4 * s)); c40 = TOps.MultiplyAdd(a, b0, c40); c41 = TOps.MultiplyAdd(a, b1, c41);
            a = TOps.LoadPackedA(aq + (5 * s)); c50 = TOps.MultiplyAdd(a, b0, c50); c51 = TOps.MultiplyAdd(a, b1, c51);
        }
        if (mr == 6 && nr == 2 * w)
        {
            StoreRow<TOps, TVec>(c + 0 * ldc, w, c00, c01, add);
            StoreRow<TOps, TVec>(c + 1 * ldc, w, c10, c11, add);
            StoreRow<TOps, TVec>(c + 2 * ldc, w, c20, c21, add);
            StoreRow<TOps, TVec>(c + 3 * ldc, w, c30, c31, add);
            StoreRow<TOps, TVec>(c + 4 * ldc, w, c40, c41, add);
            StoreRow<TOps, TVec>(c + 5 * ldc, w, c50, c51, add);
        }
        else
        {
            // Edge tile: spill the whole register tile, then write only the rows and columns that exist.
            float* t = stackalloc float[6 * 2 * w];
            TOps.Store(t + 0 * 2 * w, c00); TOps.Store(t + 0 * 2 * w + w, c01);
            TOps.Store(t + 1 * 2 * w, c10); TOps.Store(t + 1 * 2 * w + w, c11);
            TOps.Store(t + 2 * 2 * w, c20); TOps.Store(t + 2 * 2 * w + w, c21);
            TOps.Store(t + 3 * 2 * w, c30); TOps.Store(t + 3 * 2 * w + w, c31);
            TOps.Store(t + 4 * 2 * w, c40); TOps.Store(t + 4 * 2 * w + w, c41);
            TOps.Store(t + 5 * 2 * w, c50); TOps.Store(t + 5 * 2 * w + w, c51);
            WriteEdge(t, 2 * w, c, ldc, mr, nr, add);
        }
    }

    /// <summary>
    /// Lists in <paramref name="steps"/>, in order, the p &lt; <paramref name="kc"/> where row p of a B sliver (2V floats,
    /// rows <paramref name="ldb"/> apart) has a value other than ±0, and returns how many there are. Branch-free: whether
    /// a row is zero is as random as the data.
    /// </summary>
    internal static unsafe int NonzeroRows<TOps, TVec>(float* bp, int ldb, int kc, int* steps)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        int w = TOps.Count, count = 0;
        for (int p = 0; p < kc; p++, bp += ldb)
        {
            steps[count] = p;
            count += TOps.IsZero(TOps.Or(TOps.Load(bp), TOps.Load(bp + w))) ? 0 : 1;
        }

        return count;
    }

    /// <summary>
    /// Sets bit s of <paramref name="steps"/> (clearing the others) for each of the <paramref name="count"/> vector
    /// steps of k — floats s·V … s·V + V − 1 — where any of the <paramref name="rows"/> rows of a dot-kernel tile,
    /// <paramref name="rowStride"/> floats apart from <paramref name="first"/>, has a nonzero value. The dot kernels run
    /// only the marked steps: a step whose A values are all zero adds ±0 to every accumulator, which leaves it unchanged
    /// (an accumulator that starts at +0 never becomes −0 by adding zeros), so skipping it gives the same bits whenever
    /// B is finite. Images and ReLU outputs are often zero: in 5-row tiles of MNIST's batches, 22% of the 16-pixel
    /// steps are (the lesson's forward product 33 → 29 µs).
    /// </summary>
    internal static unsafe void MarkNonzeroSteps<TOps, TVec>(float* first, int rowStride, int rows, int count, ulong* steps)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        int w = TOps.Count;
        for (int word = 0; word < (count + 63) >> 6; word++)
        {
            ulong bits = 0;
            for (int bit = 0, s = word << 6; bit < 64 && s < count; bit++, s++)
            {
                // Branch-free: whether a step is zero is as random as the data, and a mispredicted branch per step
                // would cost more than or-ing the few vectors.
                float* p = first + (long)s * w;
                TVec any = TOps.Load(p);
                for (int r = 1; r < rows; r++) any = TOps.Or(any, TOps.Load(p + (long)r * rowStride));
                bits |= (TOps.IsZero(any) ? 0UL : 1UL) << bit;
            }

            steps[word] = bits;
        }
    }

    /// <summary>
    /// Takes the lowest run of consecutive set bits out of <paramref name="bits"/>: its first bit and one past its last.
    /// The dot kernels walk the marked steps run by run, each run a plain loop, so a product without zero steps pays
    /// one run per 64 steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NextRun(ref ulong bits, out int start, out int end)
    {
        start = BitOperations.TrailingZeroCount(bits);
        end = start + BitOperations.TrailingZeroCount(~(bits >> start));
        bits = end >= 64 ? 0 : bits & (~0UL << end);
        return start < 64;
    }

    /// <summary>
    /// C[5×4] (+)= A rows · B rows, both contiguous along k (the A·Bᵀ case): one vector accumulator per output, reduced
    /// across lanes once at the end. Five rows, not four: 20 accumulators and 5 + 1 operand vectors fit AVX-512's 32
    /// registers, and each step loads 9 vectors for 20 fused multiply-adds instead of 8 for 16 (the lesson's forward
    /// product 37.7 → 34.2 µs). Only the vector steps marked in <paramref name="steps"/> run (<see cref="MarkNonzeroSteps"/>);
    /// the last k % V values always do. Rows past <paramref name="mr"/>/<paramref name="nr"/> must point at valid memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Dot5x4<TOps, TVec>(int k, ulong* steps, float* a0, float* a1, float* a2, float* a3, float* a4, float* b0, float* b1, float* b2, float* b3, float* c, int ldc, bool add, int mr, int nr)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        int w = TOps.Count;
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero, c03 = TOps.Zero;
        TVec c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero, c13 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero, c23 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero, c32 = TOps.Zero, c33 = TOps.Zero;
        TVec c40 = TOps.Zero, c41 = TOps.Zero, c42 = TOps.Zero, c43 = TOps.Zero;
        int kv = k - k % w;
        for (int word = 0; word < (kv / w + 63) >> 6; word++)
        {
            for (ulong bits = steps[word]; NextRun(ref bits, out int start, out int end);)
            {
                for (int p = ((word << 6) + start) * w, pEnd = ((word << 6) + end) * w; p < pEnd; p += w)
                {
                    TVec x0 = TOps.Load(a0 + p);
                    TVec x1 = TOps.Load(a1 + p);
                    TVec x2 = TOps.Load(a2 + p);
                    TVec x3 = TOps.Load(a3 + p);
                    TVec x4 = TOps.Load(a4 + p);
                    TVec y;
                    y = TOps.Load(b0 + p); c00 = TOps.MultiplyAdd(x0, y, c00); c10 = TOps.MultiplyAdd(x1, y, c10); c20 = TOps.MultiplyAdd(x2, y, c20); c30 = TOps.MultiplyAdd(x3, y, c30); c40 = TOps.MultiplyAdd(x4, y, c40);
                    y = TOps.Load(b1 + p); c01 = TOps.MultiplyAdd(x0, y, c01); c11 = TOps.MultiplyAdd(x1, y, c11); c21 = TOps.MultiplyAdd(x2, y, c21); c31 = TOps.MultiplyAdd(x3, y, c31); c41 = TOps.MultiplyAdd(x4, y, c41);
                    y = TOps.Load(b2 + p); c02 = TOps.MultiplyAdd(x0, y, c02); c12 = TOps.MultiplyAdd(x1, y, c12); c22 = TOps.MultiplyAdd(x2, y, c22); c32 = TOps.MultiplyAdd(x3, y, c32); c42 = TOps.MultiplyAdd(x4, y, c42);
                    y = TOps.Load(b3 + p); c03 = TOps.MultiplyAdd(x0, y, c03); c13 = TOps.MultiplyAdd(x1, y, c13); c23 = TOps.MultiplyAdd(x2, y, c23); c33 = TOps.MultiplyAdd(x3, y, c33); c43 = TOps.MultiplyAdd(x4, y, c43);
                }
            }
        }
        if (kv < k)
        {
            // The last k % w values: one more full-width step over the final w elements (callers guarantee
            // k >= w), with the lanes already counted zeroed in both operands so they add exactly nothing.
            int q = k - w, tail = k - kv;
            TVec x0 = TOps.KeepLast(TOps.Load(a0 + q), tail);
            TVec x1 = TOps.KeepLast(TOps.Load(a1 + q), tail);
            TVec x2 = TOps.KeepLast(TOps.Load(a2 + q), tail);
            TVec x3 = TOps.KeepLast(TOps.Load(a3 + q), tail);
            TVec x4 = TOps.KeepLast(TOps.Load(a4 + q), tail);
            TVec y;
            y = TOps.KeepLast(TOps.Load(b0 + q), tail); c00 = TOps.MultiplyAdd(x0, y, c00); c10 = TOps.MultiplyAdd(x1, y, c10); c20 = TOps.MultiplyAdd(x2, y, c20); c30 = TOps.MultiplyAdd(x3, y, c30); c40 = TOps.MultiplyAdd(x4, y, c40);
            y = TOps.KeepLast(TOps.Load(b1 + q), tail); c01 = TOps.MultiplyAdd(x0, y, c01); c11 = TOps.MultiplyAdd(x1, y, c11); c21 = TOps.MultiplyAdd(x2, y, c21); c31 = TOps.MultiplyAdd(x3, y, c31); c41 = TOps.MultiplyAdd(x4, y, c41);
            y = TOps.KeepLast(TOps.Load(b2 + q), tail); c02 = TOps.MultiplyAdd(x0, y, c02); c12 = TOps.MultiplyAdd(x1, y, c12); c22 = TOps.MultiplyAdd(x2, y, c22); c32 = TOps.MultiplyAdd(x3, y, c32); c42 = TOps.MultiplyAdd(x4, y, c42);
            y = TOps.KeepLast(TOps.Load(b3 + q), tail); c03 = TOps.MultiplyAdd(x0, y, c03); c13 = TOps.MultiplyAdd(x1, y, c13); c23 = TOps.MultiplyAdd(x2, y, c23); c33 = TOps.MultiplyAdd(x3, y, c33); c43 = TOps.MultiplyAdd(x4, y, c43);
        }

        Vector128<float> s0 = TOps.Sum4(c00, c01, c02, c03);
        Vector128<float> s1 = TOps.Sum4(c10, c11, c12, c13);
        Vector128<float> s2 = TOps.Sum4(c20, c21, c22, c23);
        Vector128<float> s3 = TOps.Sum4(c30, c31, c32, c33);
        Vector128<float> s4 = TOps.Sum4(c40, c41, c42, c43);
        if (mr == 5 && nr == 4)
        {
            StoreRow4(c + 0 * ldc, s0, add);
            StoreRow4(c + 1 * ldc, s1, add);
            StoreRow4(c + 2 * ldc, s2, add);
            StoreRow4(c + 3 * ldc, s3, add);
            StoreRow4(c + 4 * ldc, s4, add);
        }
        else
        {
            // Edge tile. No calls before this point: a call would make the JIT keep the accumulators in memory.
            float* t = stackalloc float[20];
            s0.Store(t + 0);
            s1.Store(t + 4);
            s2.Store(t + 8);
            s3.Store(t + 12);
            s4.Store(t + 16);
            WriteEdge(t, 4, c, ldc, mr, nr, add);
        }
    }

    /// <summary>
    /// C[2×4] (+)= A rows · B rows, both contiguous along k (the A·Bᵀ case): one vector accumulator per output,
    /// reduced across lanes once at the end, over the vector steps marked in <paramref name="steps"/> as in
    /// <see cref="Dot5x4"/>. Rows past <paramref name="mr"/>/<paramref name="nr"/> must point at valid memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Dot2x4<TOps, TVec>(int k, ulong* steps, float* a0, float* a1, float* b0, float* b1, float* b2, float* b3, float* c, int ldc, bool add, int mr, int nr)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        int w = TOps.Count;
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero, c03 = TOps.Zero;
        TVec c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero, c13 = TOps.Zero;
        int kv = k - k % w;
        for (int word = 0; word < (kv / w + 63) >> 6; word++)
        {
            for (ulong bits = steps[word]; NextRun(ref bits, out int start, out int end);)
            {
                for (int p = ((word << 6) + start) * w, pEnd = ((word << 6) + end) * w; p < pEnd; p += w)
                {
                    TVec x0 = TOps.Load(a0 + p);
                    TVec x1 = TOps.Load(a1 + p);
                    TVec y;
                    y = TOps.Load(b0 + p); c00 = TOps.MultiplyAdd(x0, y, c00); c10 = TOps.MultiplyAdd(x1, y, c10);
                    y = TOps.Load(b1 + p); c01 = TOps.MultiplyAdd(x0, y, c01); c11 = TOps.MultiplyAdd(x1, y, c11);
                    y = TOps.Load(b2 + p); c02 = TOps.MultiplyAdd(x0, y, c02); c12 = TOps.MultiplyAdd(x1, y, c12);
                    y = TOps.Load(b3 + p); c03 = TOps.MultiplyAdd(x0, y, c03); c13 = TOps.MultiplyAdd(x1, y, c13);
                }
            }
        }
        if (kv < k)
        {
            // The last k % w values: one more full-width step over the final w elements (callers guarantee
            // k >= w), with the lanes already counted zeroed in both operands so they add exactly nothing.
            int q = k - w, tail = k - kv;
            TVec x0 = TOps.KeepLast(TOps.Load(a0 + q), tail);
            TVec x1 = TOps.KeepLast(TOps.Load(a1 + q), tail);
            TVec y;
            y = TOps.KeepLast(TOps.Load(b0 + q), tail); c00 = TOps.MultiplyAdd(x0, y, c00); c10 = TOps.MultiplyAdd(x1, y, c10);
            y = TOps.KeepLast(TOps.Load(b1 + q), tail); c01 = TOps.MultiplyAdd(x0, y, c01); c11 = TOps.MultiplyAdd(x1, y, c11);
            y = TOps.KeepLast(TOps.Load(b2 + q), tail); c02 = TOps.MultiplyAdd(x0, y, c02); c12 = TOps.MultiplyAdd(x1, y, c12);
            y = TOps.KeepLast(TOps.Load(b3 + q), tail); c03 = TOps.MultiplyAdd(x0, y, c03); c13 = TOps.MultiplyAdd(x1, y, c13);
        }

        Vector128<float> s0 = TOps.Sum4(c00, c01, c02, c03);
        Vector128<float> s1 = TOps.Sum4(c10, c11, c12, c13);
        if (mr == 2 && nr == 4)
        {
            StoreRow4(c + 0 * ldc, s0, add);
            StoreRow4(c + 1 * ldc, s1, add);
        }
        else
        {
            // Edge tile. No calls before this point: a call would make the JIT keep the accumulators in memory.
            float* t = stackalloc float[8];
            s0.Store(t + 0);
            s1.Store(t + 4);
            WriteEdge(t, 4, c, ldc, mr, nr, add);
        }
    }

    /// <summary>
    /// C[3×4] (+)= A rows · B rows, both contiguous along k (the A·Bᵀ case): one vector accumulator per output,
    /// reduced across lanes once at the end, over the vector steps marked in <paramref name="steps"/> as in
    /// <see cref="Dot5x4"/>. Rows past <paramref name="mr"/>/<paramref name="nr"/> must point at valid memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Dot3x4<TOps, TVec>(int k, ulong* steps, float* a0, float* a1, float* a2, float* b0, float* b1, float* b2, float* b3, float* c, int ldc, bool add, int mr, int nr)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        int w = TOps.Count;
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero, c03 = TOps.Zero;
        TVec c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero, c13 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero, c23 = TOps.Zero;
        int kv = k - k % w;
        for (int word = 0; word < (kv / w + 63) >> 6; word++)
        {
            for (ulong bits = steps[word]; NextRun(ref bits, out int start, out int end);)
            {
                for (int p = ((word << 6) + start) * w, pEnd = ((word << 6) + end) * w; p < pEnd; p += w)
                {
                    TVec x0 = TOps.Load(a0 + p);
                    TVec x1 = TOps.Load(a1 + p);
                    TVec x2 = TOps.Load(a2 + p);
                    TVec y;
                    y = TOps.Load(b0 + p); c00 = TOps.MultiplyAdd(x0, y, c00); c10 = TOps.MultiplyAdd(x1, y, c10); c20 = TOps.MultiplyAdd(x2, y, c20);
                    y = TOps.Load(b1 + p); c01 = TOps.MultiplyAdd(x0, y, c01); c11 = TOps.MultiplyAdd(x1, y, c11); c21 = TOps.MultiplyAdd(x2, y, c21);
                    y = TOps.Load(b2 + p); c02 = TOps.MultiplyAdd(x0, y, c02); c12 = TOps.MultiplyAdd(x1, y, c12); c22 = TOps.MultiplyAdd(x2, y, c22);
                    y = TOps.Load(b3 + p); c03 = TOps.MultiplyAdd(x0, y, c03); c13 = TOps.MultiplyAdd(x1, y, c13); c23 = TOps.MultiplyAdd(x2, y, c23);
                }
            }
        }
        if (kv < k)
        {
            // The last k % w values: one more full-width step over the final w elements (callers guarantee
            // k >= w), with the lanes already counted zeroed in both operands so they add exactly nothing.
            int q = k - w, tail = k - kv;
            TVec x0 = TOps.KeepLast(TOps.Load(a0 + q), tail);
            TVec x1 = TOps.KeepLast(TOps.Load(a1 + q), tail);
            TVec x2 = TOps.KeepLast(TOps.Load(a2 + q), tail);
            TVec y;
            y = TOps.KeepLast(TOps.Load(b0 + q), tail); c00 = TOps.MultiplyAdd(x0, y, c00); c10 = TOps.MultiplyAdd(x1, y, c10); c20 = TOps.MultiplyAdd(x2, y, c20);
            y = TOps.KeepLast(TOps.Load(b1 + q), tail); c01 = TOps.MultiplyAdd(x0, y, c01); c11 = TOps.MultiplyAdd(x1, y, c11); c21 = TOps.MultiplyAdd(x2, y, c21);
            y = TOps.KeepLast(TOps.Load(b2 + q), tail); c02 = TOps.MultiplyAdd(x0, y, c02); c12 = TOps.MultiplyAdd(x1, y, c12); c22 = TOps.MultiplyAdd(x2, y, c22);
            y = TOps.KeepLast(TOps.Load(b3 + q), tail); c03 = TOps.MultiplyAdd(x0, y, c03); c13 = TOps.MultiplyAdd(x1, y, c13); c23 = TOps.MultiplyAdd(x2, y, c23);
        }

        Vector128<float> s0 = TOps.Sum4(c00, c01, c02, c03);
        Vector128<float> s1 = TOps.Sum4(c10, c11, c12, c13);
        Vector128<float> s2 = TOps.Sum4(c20, c21, c22, c23);
        if (mr == 3 && nr == 4)
        {
            StoreRow4(c + 0 * ldc, s0, add);
            StoreRow4(c + 1 * ldc, s1, add);
            StoreRow4(c + 2 * ldc, s2, add);
        }
        else
        {
            // Edge tile. No calls before this point: a call would make the JIT keep the accumulators in memory.
            float* t = stackalloc float[12];
            s0.Store(t + 0);
            s1.Store(t + 4);
            s2.Store(t + 8);
            WriteEdge(t, 4, c, ldc, mr, nr, add);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow<TOps, TVec>(float* c, int w, TVec v0, TVec v1, bool add)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        if (add)
        {
            v0 = TOps.Add(TOps.Load(c), v0);
            v1 = TOps.Add(TOps.Load(c + w), v1);
        }

        TOps.Store(c, v0);
        TOps.Store(c + w, v1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow4(float* c, Vector128<float> v, bool add)
    {
        if (add)
        {
            v = Vector128.Load(c) + v;
        }

        v.Store(c);
    }

    /// <summary>Writes (or adds) the valid mr×nr corner of a spilled tile whose rows are <paramref name="ldt"/> apart.</summary>
    private static unsafe void WriteEdge(float* t, int ldt, float* c, int ldc, int mr, int nr, bool add)
    {
        for (int r = 0; r < mr; r++)
        {
            float* src = t + r * ldt;
            float* dst = c + r * ldc;
            int j = 0;
            if (Avx.IsSupported)
            {
                // Masked loads and stores touch only the nr columns that exist in C.
                for (; j < nr && j + 8 <= ldt; j += 8)
                {
                    Vector256<float> mask = Vector256.LessThan(Vector256<int>.Indices + Vector256.Create(j), Vector256.Create(nr)).AsSingle();
                    Vector256<float> v = Avx.LoadVector256(src + j);
                    if (add)
                    {
                        v = Avx.MaskLoad(dst + j, mask) + v;
                    }

                    Avx.MaskStore(dst + j, mask, v);
                }

                for (; j < nr && j + 4 <= ldt; j += 4)
                {
                    Vector128<float> mask = Vector128.LessThan(Vector128<int>.Indices + Vector128.Create(j), Vector128.Create(nr)).AsSingle();
                    Vector128<float> v = Sse.LoadVector128(src + j);
                    if (add)
                    {
                        v = Avx.MaskLoad(dst + j, mask) + v;
                    }

                    Avx.MaskStore(dst + j, mask, v);
                }
            }

            for (; j < nr; j++)
            {
                dst[j] = add ? dst[j] + src[j] : src[j];
            }
        }
    }

    /// <summary>
    /// Packs op(A)[i0…i0+mc, p0…p0+kc] into slivers of <paramref name="mr"/> rows: for each p, mr consecutive
    /// floats (one per row), rows past the matrix edge zero. A(i, p) is a[i·lda + p], or a[p·lda + i] when transposed.
    /// </summary>
    internal static unsafe void PackA(float* a, int lda, bool transposed, int i0, int p0, int mc, int kc, int mr, float* dst, int copies = 1)
    {
        for (int s = 0; s < mc; s += mr)
        {
            int rows = Math.Min(mr, mc - s);
            float* d = dst + ((long)s * kc * copies);

            // With copies, the sliver is packed into the last part of its space, then spread forwards in place.
            float* packed = d + ((long)(copies - 1) * mr * kc);
            if (transposed)
            {
                CopyRows(a + (long)p0 * lda + i0 + s, lda, kc, rows, packed, mr);
            }
            else
            {
                Interleave(a + (long)(i0 + s) * lda + p0, lda, rows, kc, packed, mr);
            }

            if (copies > 1)
            {
                Spread4(packed, d, mr * kc);
            }
        }
    }

    /// <summary>
    /// Writes each of <paramref name="count"/> floats at <paramref name="src"/> four times from <paramref name="dst"/> on,
    /// where src = dst + 3·count: going forwards, each write ends before any value not yet read.
    /// </summary>
    private static unsafe void Spread4(float* src, float* dst, int count)
    {
        for (int i = 0; i < count; i++)
        {
            Vector128.Create(src[i]).Store(dst + (4L * i));
        }
    }

    /// <summary>
    /// Packs op(B)[p0…p0+kc, j0…j0+nc] into slivers of <paramref name="nr"/> columns: for each p, nr consecutive
    /// floats, columns past the edge zero. B(p, j) is b[p·ldb + j], or b[j·ldb + p] when transposed.
    /// </summary>
    internal static unsafe void PackB(float* b, int ldb, bool transposed, int p0, int j0, int kc, int nc, int nr, float* dst)
    {
        for (int s = 0; s < nc; s += nr)
        {
            int cols = Math.Min(nr, nc - s);
            float* d = dst + (long)s * kc;
            if (transposed)
            {
                Interleave(b + (long)(j0 + s) * ldb + p0, ldb, cols, kc, d, nr);
            }
            else
            {
                CopyRows(b + (long)p0 * ldb + j0 + s, ldb, kc, cols, d, nr);
            }
        }
    }

    /// <summary>
    /// d[p·width + j] = src[p·ld + j] for p &lt; count, j &lt; valid; zero for valid ≤ j &lt; width.
    /// </summary>
    private static unsafe void CopyRows(float* src, int ld, int count, int valid, float* d, int width)
    {
        if (valid == width)
        {
            for (int p = 0; p < count; p++, src += ld, d += width)
            {
                Unsafe.CopyBlockUnaligned(d, src, (uint)(width * sizeof(float)));
            }

            return;
        }

        if (Avx.IsSupported)
        {
            // Fault-suppressing masked loads read only the valid columns and yield zeros for the padding, so a
            // partial sliver costs a few vector operations per row instead of a scalar loop.
            for (int p = 0; p < count; p++, src += ld, d += width)
            {
                int j = 0;
                for (; j + 8 <= width; j += 8)
                {
                    Vector256<float> mask = Vector256.LessThan(Vector256<int>.Indices + Vector256.Create(j), Vector256.Create(valid)).AsSingle();
                    Avx.Store(d + j, Avx.MaskLoad(src + j, mask));
                }

                for (; j + 4 <= width; j += 4)
                {
                    Vector128<float> mask = Vector128.LessThan(Vector128<int>.Indices + Vector128.Create(j), Vector128.Create(valid)).AsSingle();
                    Sse.Store(d + j, Avx.MaskLoad(src + j, mask));
                }

                for (; j < width; j++)
                {
                    d[j] = j < valid ? src[j] : 0f;
                }
            }

            return;
        }

        for (int p = 0; p < count; p++, src += ld, d += width)
        {
            int j = 0;
            for (; j < valid; j++)
            {
                d[j] = src[j];
            }

            for (; j < width; j++)
            {
                d[j] = 0f;
            }
        }
    }

    /// <summary>
    /// Transposing pack: d[p·width + r] = src[r·ld + p] for r &lt; rows, p &lt; count; zero for rows ≤ r &lt; width.
    /// Runs of 8 rows × 8 values go through an in-register 8×8 transpose where AVX is available.
    /// </summary>
    private static unsafe void Interleave(float* src, int ld, int rows, int count, float* d, int width)
    {
        int r = 0;
        if (Avx.IsSupported && width < 8)
        {
            // A sliver narrower than 8 (the 6-row slivers of A on AVX2): each 8×8 transpose of its rows (zeros
            // below them) is stored 8 floats a step along the packed output, each store's last floats overwritten
            // by the next; the eighth store is masked to the sliver's width so that nothing past it is written.
            int pv = count & ~7;
            for (int p = 0; p < pv; p += 8)
            {
                TransposeNarrow8(src + p, ld, rows, d + (long)p * width, width);
            }

            src += pv;
            d += (long)pv * width;
            count -= pv;
        }
        else if (Avx.IsSupported)
        {
            int pv = count & ~7;
            for (; r + 8 <= rows; r += 8)
            {
                float* s = src + (long)r * ld;
                for (int p = 0; p < pv; p += 8)
                {
                    Transpose8x8(s + p, ld, d + (long)p * width + r, width);
                }

                for (int p = pv; p < count; p++)
                {
                    for (int q = 0; q < 8; q++)
                    {
                        d[(long)p * width + r + q] = s[(long)q * ld + p];
                    }
                }
            }
        }

        for (; r < rows; r++)
        {
            float* s = src + (long)r * ld;
            float* dr = d + r;
            for (int p = 0; p < count; p++)
            {
                dr[(long)p * width] = s[p];
            }
        }

        for (; r < width; r++)
        {
            float* dr = d + r;
            for (int p = 0; p < count; p++)
            {
                dr[(long)p * width] = 0f;
            }
        }
    }

    /// <summary>Writes the transpose of the 8×8 block at <paramref name="src"/> (rows <paramref name="ld"/> apart) to <paramref name="dst"/> (rows <paramref name="ldd"/> apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose8x8(float* src, int ld, float* dst, int ldd)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + ld);
        Vector256<float> r2 = Avx.LoadVector256(src + (2L * ld)), r3 = Avx.LoadVector256(src + (3L * ld));
        Vector256<float> r4 = Avx.LoadVector256(src + (4L * ld)), r5 = Avx.LoadVector256(src + (5L * ld));
        Vector256<float> r6 = Avx.LoadVector256(src + (6L * ld)), r7 = Avx.LoadVector256(src + (7L * ld));
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Avx.Store(dst, r0);
        Avx.Store(dst + ldd, r1);
        Avx.Store(dst + (2L * ldd), r2);
        Avx.Store(dst + (3L * ldd), r3);
        Avx.Store(dst + (4L * ldd), r4);
        Avx.Store(dst + (5L * ldd), r5);
        Avx.Store(dst + (6L * ldd), r6);
        Avx.Store(dst + (7L * ldd), r7);
    }

    /// <summary>
    /// Writes 8 columns of the <paramref name="rows"/> (≤ <paramref name="width"/> &lt; 8) rows at <paramref name="src"/>
    /// as 8 packed rows of <paramref name="width"/> floats at <paramref name="dst"/>, zero below the rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void TransposeNarrow8(float* src, int ld, int rows, float* dst, int width)
    {
        Vector256<float> r0 = RowOrZero(src, ld, 0, rows), r1 = RowOrZero(src, ld, 1, rows);
        Vector256<float> r2 = RowOrZero(src, ld, 2, rows), r3 = RowOrZero(src, ld, 3, rows);
        Vector256<float> r4 = RowOrZero(src, ld, 4, rows), r5 = RowOrZero(src, ld, 5, rows);
        Vector256<float> r6 = RowOrZero(src, ld, 6, rows), r7 = RowOrZero(src, ld, 7, rows);
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Avx.Store(dst, r0);
        Avx.Store(dst + width, r1);
        Avx.Store(dst + (2 * width), r2);
        Avx.Store(dst + (3 * width), r3);
        Avx.Store(dst + (4 * width), r4);
        Avx.Store(dst + (5 * width), r5);
        Avx.Store(dst + (6 * width), r6);
        Avx.MaskStore(dst + (7 * width), Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(width)).AsSingle(), r7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> RowOrZero(float* src, int ld, int r, int rows) =>
        r < rows ? Avx.LoadVector256(src + ((long)r * ld)) : Vector256<float>.Zero;

    /// <summary>Transposes the 8×8 block whose rows are r0…r7, in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        // Interleave pairs of rows, then pairs of pairs; each 128-bit lane then holds 4×4 blocks, which the final
        // lane permutes put in place.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(u0, u4, 0x20);
        r1 = Avx.Permute2x128(u1, u5, 0x20);
        r2 = Avx.Permute2x128(u2, u6, 0x20);
        r3 = Avx.Permute2x128(u3, u7, 0x20);
        r4 = Avx.Permute2x128(u0, u4, 0x31);
        r5 = Avx.Permute2x128(u1, u5, 0x31);
        r6 = Avx.Permute2x128(u2, u6, 0x31);
        r7 = Avx.Permute2x128(u3, u7, 0x31);
    }
}
