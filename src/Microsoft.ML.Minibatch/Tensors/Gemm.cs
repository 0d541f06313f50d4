using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// Single-precision general matrix multiply on row-major spans: C = op(A)·op(B), or C += op(A)·op(B).
/// </summary>
/// <remarks>
/// Managed code only: packed panels, cache blocking and register-blocked micro-kernels on AVX-512 or AVX2+FMA,
/// else portable 128-bit <c>Vector128</c> code (Arm64 NEON, x64 without AVX2), else scalar code. Large products run on up to <see cref="ComputeOptions.MaxThreads"/> threads, split
/// over output tiles only, so the result is bitwise the same for every thread count and every run.
/// </remarks>
public static class Gemm
{
    // Products below 2¹⁹ vector multiply-adds (m·n·k over the vector width: 2²³ on AVX-512, 2²² on AVX2, 2²¹ on
    // 128-bit vectors, 2¹⁹ scalar), about 100 µs of one core's work on the vector paths, run on the calling thread:
    // below that, handing half to the other core saved less than the cache lines it then had to fetch from this one
    // (the lesson's products on Zen 3, AVX2: 25–45 % faster split when called in a loop, no faster inside training).
    // So the lesson's 2.5 M-multiply-add products are split on the 128-bit and scalar paths only.
    private const long ParallelVectorMultiplyAdds = 1L << 19;

    // The unpacked dot-product kernel streams whole rows of B; beyond this many floats of B they stop fitting
    // in L2 and the packed path wins.
    private const long DotMaxB = 1L << 17;

    [ThreadStatic]
    private static GemmPath t_forcedPath;

    [ThreadStatic]
    private static int t_forcedChunks;

    [ThreadStatic]
    private static bool t_forcedParallel;

    [ThreadStatic]
    private static SplitBackOff t_backOff;

    /// <summary>The path <see cref="GemmPath.Auto"/> resolves to on this machine.</summary>
    internal static GemmPath BestPath { get; } =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? GemmPath.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? GemmPath.Vector256
        : Vector128.IsHardwareAccelerated ? GemmPath.Vector128
        : GemmPath.Scalar;

    /// <summary>
    /// Forces a kernel path for calls made on the current thread (tests and benchmarks); <see cref="GemmPath.Auto"/>
    /// restores the default. Per thread so that forcing a path never changes what concurrent callers compute.
    /// </summary>
    internal static GemmPath ForcedPath
    {
        get => t_forcedPath;
        set
        {
            if (!IsSupported(value))
            {
                throw new PlatformNotSupportedException($"GEMM path {value} is not supported on this machine.");
            }

            t_forcedPath = value;
        }
    }

    /// <summary>
    /// When positive, calls on the current thread split their output into this many chunks (or as many tiles as
    /// there are) and run them one after another on the calling thread: tests use it to show that every split
    /// gives the same bits without depending on whether the worker threads were free.
    /// </summary>
    internal static int ForcedChunks
    {
        get => t_forcedChunks;
        set => t_forcedChunks = value;
    }

    /// <summary>
    /// When true, calls on the current thread use up to <see cref="ComputeOptions.MaxThreads"/> threads whatever their
    /// size (tests run the lesson's small products on the worker threads with it).
    /// </summary>
    internal static bool ForcedParallel
    {
        get => t_forcedParallel;
        set => t_forcedParallel = value;
    }

    /// <summary>The fewest multiply-adds (m·n·k) a product needs to be split over threads on <paramref name="path"/>.</summary>
    internal static long ParallelThreshold(GemmPath path) => ParallelVectorMultiplyAdds * path switch
    {
        GemmPath.Vector512 => 16,
        GemmPath.Vector256 => 8,
        GemmPath.Vector128 => 4,
        _ => 1,
    };

    /// <summary>Whether this machine can run <paramref name="path"/>.</summary>
    internal static bool IsSupported(GemmPath path) => path switch
    {
        GemmPath.Vector512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        GemmPath.Vector256 => Vector256.IsHardwareAccelerated && Fma.IsSupported,
        GemmPath.Vector128 => Vector128.IsHardwareAccelerated,
        _ => true,
    };

    /// <summary>
    /// Computes C[m×n] = op(A)[m×k] · op(B)[k×n], adding to C when <paramref name="accumulate"/> is set.
    /// </summary>
    /// <param name="a">A, stored row-major as [m×k], or as [k×m] when <paramref name="transposeA"/>.</param>
    /// <param name="transposeA">Whether A is stored transposed.</param>
    /// <param name="b">B, stored row-major as [k×n], or as [n×k] when <paramref name="transposeB"/>.</param>
    /// <param name="transposeB">Whether B is stored transposed.</param>
    /// <param name="c">C, row-major [m×n].</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="accumulate">Add the product to C instead of overwriting it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A span is shorter than its matrix.</exception>
    public static unsafe void Multiply(ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB,
        Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (a.Length < (long)m * k) throw new ArgumentException($"A holds {a.Length} values, fewer than {m}×{k}.", nameof(a));
        if (b.Length < (long)k * n) throw new ArgumentException($"B holds {b.Length} values, fewer than {k}×{n}.", nameof(b));
        if (c.Length < (long)m * n) throw new ArgumentException($"C holds {c.Length} values, fewer than {m}×{n}.", nameof(c));

        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            // An empty sum is zero.
            if (!accumulate)
            {
                c[..(m * n)].Clear();
            }

            return;
        }

        GemmPath path = t_forcedPath == GemmPath.Auto ? BestPath : t_forcedPath;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            var job = new GemmJob
            {
                Path = path,
                A = pa,
                Lda = transposeA ? m : k,
                TransposeA = transposeA,
                B = pb,
                Ldb = transposeB ? k : n,
                TransposeB = transposeB,
                C = pc,
                Ldc = n,
                M = m,
                N = n,
                K = k,
                Accumulate = accumulate,
                // k ≥ 16 (the widest vector) lets the dot kernel finish with one overlapping full-width step.
                UseDot = transposeB && !transposeA && k >= Math.Max(16, Vector<float>.Count) && (long)n * k <= DotMaxB,
                RowTile = GemmJob.RowTileFor(path, m),
            };

            // Split along whichever side has more register tiles; never along k.
            int rowTile = job.UseDot ? GemmJob.DotRows(path) : job.RowTile;
            int colTile = job.UseDot ? 4 : GemmJob.MicroCols(path);
            int rowTiles = (m + rowTile - 1) / rowTile;
            int colTiles = (n + colTile - 1) / colTile;
            job.SplitRows = rowTiles >= colTiles;
            job.Tile = job.SplitRows ? rowTile : colTile;
            long multiplyAdds = (long)m * n * k, threshold = ParallelThreshold(path);
            bool split = t_forcedParallel || t_backOff.AllowsSplit(multiplyAdds, threshold);
            job.Chunks = Math.Max(1, Math.Min(split ? ComputeOptions.MaxThreads : 1, job.SplitRows ? rowTiles : colTiles));

            if (t_forcedChunks > 0)
            {
                job.Chunks = Math.Min(t_forcedChunks, job.SplitRows ? rowTiles : colTiles);
                for (int chunk = 0; chunk < job.Chunks; chunk++)
                {
                    job.RunChunk(chunk);
                }
            }
            else if (job.Chunks == 1 || !ComputeWorkers.TryRun(&GemmJob.RunChunkOf, &job, job.Chunks, out bool stalled))
            {
                job.Chunks = 1;
                job.RunChunk(0);
            }
            else if (stalled && !t_forcedParallel)
            {
                t_backOff.Stalled(multiplyAdds, threshold);
            }
        }
    }
}
