using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// One <see cref="Gemm.Multiply"/> call, split into <see cref="Chunks"/> contiguous ranges of output tiles along
/// rows or columns. A chunk is a smaller GEMM over the same k, computed exactly as the whole call would compute
/// those elements, so how the call is split never changes a bit of the result.
/// </summary>
internal unsafe struct GemmJob
{
    // Blocking for the packed path. KC bounds the k-slice a micro-kernel runs over (B sliver of KC×NR in L1),
    // MC×KC of packed A stays in L2, KC×NC of packed B in L3.
    private const int KC = 256;
    private const int NC = 1024;

    // Up to this k (a batch of 64 in a weight gradient), B stored along n is read in place rather than packed; on the
    // narrower paths up to a batch of 128 (the wide network's), where its zero rows are then skipped too.
    private const int DirectBMaxK = 64;
    private const int DirectBMaxKNarrow = 128;

    public GemmPath Path;
    public float* A;
    public int Lda;
    public bool TransposeA;
    public float* B;
    public int Ldb;
    public bool TransposeB;
    public float* C;
    public int Ldc;
    public int M;
    public int N;
    public int K;
    public bool Accumulate;

    /// <summary>Whether the dot-product kernel (A·Bᵀ, both operands contiguous along k, no packing) is used.</summary>
    public bool UseDot;

    /// <summary>
    /// The height of the packed path's register tiles: 6 except on AVX-512, where it is 12, 10 or 6, whichever computes
    /// the fewest rows for <see cref="M"/> (<see cref="RowTileFor"/>). Each element is the same sequence of fused
    /// multiply-adds whatever the tile, so the bits do not change.
    /// </summary>
    public int RowTile;

    /// <summary>Whether chunks split the rows (else the columns) of C.</summary>
    public bool SplitRows;

    /// <summary>Granularity of the split: whole register tiles only.</summary>
    public int Tile;

    /// <summary>How many chunks the call is split into.</summary>
    public int Chunks;

    [ThreadStatic]
    private static float[]? t_packA;

    [ThreadStatic]
    private static float[]? t_packB;

    [ThreadStatic]
    private static ulong[]? t_dotSteps;

    /// <summary>
    /// Register-tile height of the packed path for <paramref name="m"/> rows. On AVX-512 (32 registers) the 12-row
    /// tile has the best ratio of loads to multiply-adds, but a last tile that is mostly empty costs a whole tile of
    /// arithmetic: the lesson's 50-row weight gradient computes 60 rows with 12-row tiles, 54 with 6-row ones and
    /// exactly 50 with 10-row ones. So the height computing the fewest rows wins, the taller one on a tie.
    /// </summary>
    public static int RowTileFor(GemmPath path, int m)
    {
        if (path != GemmPath.Vector512) return 6;
        int best = 12;
        foreach (int height in (ReadOnlySpan<int>)[10, 6])
            if (Padded(m, height) < Padded(m, best)) best = height;
        return best;

        static long Padded(int rows, int height) => (rows + height - 1L) / height * height;
    }

    /// <summary>Register-tile width of the packed path.</summary>
    public static int MicroCols(GemmPath path) => path switch
    {
        GemmPath.Vector512 => 2 * Vector512<float>.Count,
        GemmPath.Vector256 => 2 * Vector256<float>.Count,
        GemmPath.Vector128 => 2 * Vector128<float>.Count,
        _ => 2,
    };

    /// <summary>Runs chunk <paramref name="index"/> of the job at <paramref name="job"/> (for <see cref="ComputeWorkers"/>).</summary>
    public static void RunChunkOf(void* job, int index) => ((GemmJob*)job)->RunChunk(index);

    /// <summary>Runs chunk <paramref name="index"/> of <see cref="Chunks"/>.</summary>
    public readonly void RunChunk(int index)
    {
        int extent = SplitRows ? M : N;
        int units = (extent + Tile - 1) / Tile;
        int from = (int)((long)units * index / Chunks) * Tile;
        int to = Math.Min(extent, (int)((long)units * (index + 1) / Chunks) * Tile);
        if (from >= to)
        {
            return;
        }

        float* a = A, b = B, c = C;
        int m = M, n = N;
        if (SplitRows)
        {
            a += TransposeA ? from : (long)from * Lda;
            c += (long)from * Ldc;
            m = to - from;
        }
        else
        {
            b += TransposeB ? (long)from * Ldb : from;
            c += from;
            n = to - from;
        }

        switch (Path)
        {
            case GemmPath.Vector512 when RowTile == 6:
                Execute<Vector512Ops, Vector512<float>>(a, b, c, m, n, &GemmKernels.Axpy6x2<Vector512Ops, Vector512<float>>, 6, 240);
                break;
            case GemmPath.Vector512 when RowTile == 10:
                Execute<Vector512Ops, Vector512<float>>(a, b, c, m, n, &GemmKernels.Axpy10x2<Vector512Ops, Vector512<float>>, 10, 240);
                break;
            case GemmPath.Vector512:
                Execute<Vector512Ops, Vector512<float>>(a, b, c, m, n, &GemmKernels.Axpy12x2<Vector512Ops, Vector512<float>>, 12, 240);
                break;
            case GemmPath.Vector256:
                Execute<Vector256Ops, Vector256<float>>(a, b, c, m, n, &GemmKernels.Axpy6x2<Vector256Ops, Vector256<float>>, 6, 144);
                break;
            case GemmPath.Vector128:
                // A packed four times over (Vector128Ops.PackedACopies): 48 rows keep the block at 192 KB, inside L2.
                Execute<Vector128Ops, Vector128<float>>(a, b, c, m, n, &GemmKernels.Axpy6x2<Vector128Ops, Vector128<float>>, 6, 48);
                break;
            default:
                Execute<ScalarOps, float>(a, b, c, m, n, &GemmKernels.Axpy6x2<ScalarOps, float>, 6, 96);
                break;
        }
    }

    private readonly void Execute<TOps, TVec>(float* a, float* b, float* c, int m, int n,
        delegate*<int, float*, float*, int, float*, int, bool, int, int, void> kernel, int mr, int mcMax)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        if (UseDot)
        {
            Dot<TOps, TVec>(a, b, c, m, n);
        }
        else
        {
            Packed<TOps, TVec>(a, b, c, m, n, kernel, mr, mcMax);
        }
    }

    /// <summary>
    /// Rows per dot-kernel tile. 5×4 tiles need 26 vector registers, which only AVX-512's 32 provide; 3×4 tiles take
    /// exactly AVX2's 16 (12 accumulators, 3 rows of A, 1 of B) and load 7 vectors per 12 fused multiply-adds instead
    /// of 6 per 8 (the lesson's forward product on Zen 3: 54 → 47 µs). Without a fused multiply-add the product
    /// needs a register of its own, so the other paths keep 2×4 tiles.
    /// </summary>
    public static int DotRows(GemmPath path) => path switch
    {
        GemmPath.Vector512 => 5,
        GemmPath.Vector256 => 3,
        _ => 2,
    };

    private readonly void Dot<TOps, TVec>(float* a, float* b, float* c, int m, int n)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        int k = K, lda = Lda, ldb = Ldb, ldc = Ldc;
        bool add = Accumulate;
        int rowStep = DotRows(Path);
        ulong* steps = StepMask(ref t_dotSteps, k / TOps.Count);
        for (int i = 0; i < m; i += rowStep)
        {
            int mr = Math.Min(rowStep, m - i);

            // Rows past the edge re-read the last row: valid memory, results discarded.
            float* a0 = a + (long)i * lda;
            float* a1 = a + (long)Math.Min(i + 1, m - 1) * lda;
            float* a2 = a + (long)Math.Min(i + 2, m - 1) * lda;
            float* a3 = a + (long)Math.Min(i + 3, m - 1) * lda;
            float* a4 = a + (long)Math.Min(i + 4, m - 1) * lda;
            GemmKernels.MarkNonzeroSteps<TOps, TVec>(a0, lda, mr, k / TOps.Count, steps);
            for (int j = 0; j < n; j += 4)
            {
                int nr = Math.Min(4, n - j);
                float* b0 = b + (long)j * ldb;
                float* b1 = b + (long)Math.Min(j + 1, n - 1) * ldb;
                float* b2 = b + (long)Math.Min(j + 2, n - 1) * ldb;
                float* b3 = b + (long)Math.Min(j + 3, n - 1) * ldb;
                float* cij = c + (long)i * ldc + j;
                if (rowStep == 5)
                {
                    GemmKernels.Dot5x4<TOps, TVec>(k, steps, a0, a1, a2, a3, a4, b0, b1, b2, b3, cij, ldc, add, mr, nr);
                }
                else if (rowStep == 3)
                {
                    GemmKernels.Dot3x4<TOps, TVec>(k, steps, a0, a1, a2, b0, b1, b2, b3, cij, ldc, add, mr, nr);
                }
                else
                {
                    GemmKernels.Dot2x4<TOps, TVec>(k, steps, a0, a1, b0, b1, b2, b3, cij, ldc, add, mr, nr);
                }
            }
        }
    }

    private readonly void Packed<TOps, TVec>(float* a, float* b, float* c, int m, int n,
        delegate*<int, float*, float*, int, float*, int, bool, int, int, void> kernel, int mr, int mcMax)
        where TOps : struct, IGemmOps<TVec> where TVec : unmanaged
    {
        int nr = 2 * TOps.Count;
        int k = K;

        // Equal k-slices that depend on k alone (never on m, n or the split), so the summation order is fixed.
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = (k + kBlocks - 1) / kBlocks;
        int mcCap = Math.Min(mcMax, (m + mr - 1) / mr * mr);
        int ncCap = Math.Min(NC / nr * nr, (n + nr - 1) / nr * nr);

        // Buffers sized for the whole call, not this chunk, so that the same call needs no new buffer whether it
        // runs split or, when the workers are busy, whole on this thread.
        float* packA = Buffer(ref t_packA, Math.Min(mcMax, (M + mr - 1) / mr * mr) * kcMax * TOps.PackedACopies);
        float* packB = Buffer(ref t_packB, Math.Min(NC / nr * nr, (N + nr - 1) / nr * nr) * kcMax);

        // A short k (a batch, as on the input side of a weight gradient) with B stored along n: a full sliver of B is
        // already kc rows of nr consecutive floats, Ldb apart, so the kernel reads it in place; only the last, partial
        // sliver is packed (zero-padded). Packing the rest would copy the whole of B every call for no reuse.
        bool directB = !TransposeB && k <= (Path == GemmPath.Vector512 ? DirectBMaxK : DirectBMaxKNarrow);

        // There, rows of a B sliver that are all zero (an image's blank 16 pixels, a ReLU's zeros) are skipped: about a
        // third of the lesson's weight-gradient steps. Not on AVX-512, whose kernels stay as they were measured.
        bool skipZeroRows = directB && mr == 6 && Path != GemmPath.Vector512;
        int* nonzero = stackalloc int[DirectBMaxKNarrow];

        for (int jc = 0; jc < n; jc += ncCap)
        {
            int nc = Math.Min(ncCap, n - jc);
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                bool add = Accumulate || pc > 0;
                if (!directB) GemmKernels.PackB(b, Ldb, TransposeB, pc, jc, kc, nc, nr, packB);
                for (int ic = 0; ic < m; ic += mcCap)
                {
                    int mc = Math.Min(mcCap, m - ic);
                    GemmKernels.PackA(a, Lda, TransposeA, ic, pc, mc, kc, mr, packA, TOps.PackedACopies);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        float* cj = c + (long)ic * Ldc + jc + jr;
                        int nrValid = Math.Min(nr, nc - jr);
                        float* bp = packB + (long)jr * kc;
                        int ldb = nr;
                        if (directB && nrValid == nr)
                        {
                            bp = b + (long)pc * Ldb + jc + jr;
                            ldb = Ldb;
                        }
                        else if (directB)
                        {
                            bp = packB;
                            GemmKernels.PackB(b, Ldb, TransposeB, pc, jc + jr, kc, nrValid, nr, bp);
                        }

                        int count = skipZeroRows ? GemmKernels.NonzeroRows<TOps, TVec>(bp, ldb, kc, nonzero) : kc;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            float* ap = packA + ((long)ir * kc * TOps.PackedACopies);
                            if (count < kc)
                            {
                                GemmKernels.Axpy6x2Steps<TOps, TVec>(count, nonzero, ap, bp, ldb, cj + (long)ir * Ldc, Ldc, add, Math.Min(mr, mc - ir), nrValid);
                            }
                            else
                            {
                                kernel(kc, ap, bp, ldb, cj + (long)ir * Ldc, Ldc, add, Math.Min(mr, mc - ir), nrValid);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>A per-thread pinned bit mask of at least <paramref name="steps"/> bits (see <see cref="GemmKernels.MarkNonzeroSteps{TOps, TVec}"/>).</summary>
    private static ulong* StepMask(ref ulong[]? cache, int steps)
    {
        int words = (steps + 63) >> 6;
        if (cache is null || cache.Length < words)
        {
            cache = GC.AllocateUninitializedArray<ulong>(Math.Max(words, 64), pinned: true);
        }

        return (ulong*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(cache));
    }

    /// <summary>A per-thread pinned packing buffer of at least <paramref name="length"/> floats, 64-byte aligned.</summary>
    private static float* Buffer(ref float[]? cache, int length)
    {
        const int Align = 16;
        if (cache is null || cache.Length < length + Align)
        {
            // Grows rarely (first call per thread, or a larger shape); steady-state calls allocate nothing.
            cache = GC.AllocateUninitializedArray<float>(Math.Max(length, 4096) + Align, pinned: true);
        }

        nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(cache));
        return (float*)((p + 63) & ~(nint)63);
    }
}
