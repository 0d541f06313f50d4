using System.Numerics;
using System.Runtime.Intrinsics;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.Tensors;

/// <summary>
/// The engine runs on the instruction-set path the process was started for. CI runs the kernel tests once per path
/// (DOTNET_EnableAVX512F=0, DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0 and the machine's best) and names the
/// path it expects in MINIBATCH_EXPECT_PATH; a setting that silently left the wider path on would otherwise test the
/// same kernels four times.
/// </summary>
[TestClass]
public sealed class InstructionSetPathTests
{
    /// <summary>The environment variable CI sets to the path it expects: avx512, avx2, vector128 or scalar.</summary>
    public const string ExpectVariable = "MINIBATCH_EXPECT_PATH";

    [TestMethod]
    public void The_selected_path_is_the_one_this_run_expects()
    {
        string? expected = Environment.GetEnvironmentVariable(ExpectVariable);
        if (string.IsNullOrEmpty(expected))
        {
            // Run outside CI's per-path runs: the engine must still take the widest path the runtime accelerates.
            GemmPath widest = new[] { GemmPath.Vector512, GemmPath.Vector256, GemmPath.Vector128, GemmPath.Scalar }.First(Gemm.IsSupported);
            Assert.AreEqual(widest, Gemm.BestPath);
            return;
        }

        GemmPath path = expected.Trim().ToLowerInvariant() switch
        {
            "avx512" => GemmPath.Vector512,
            "avx2" => GemmPath.Vector256,
            "vector128" => GemmPath.Vector128,
            "scalar" => GemmPath.Scalar,
            _ => throw new AssertFailedException($"{ExpectVariable}={expected} names no path (avx512, avx2, vector128, scalar)."),
        };
        Assert.AreEqual(path, Gemm.BestPath, $"{ExpectVariable}={expected}");

        // What the runtime reports must agree with the path, so the element-wise kernels (TensorPrimitives, Vector<T>)
        // are on the same width as the products.
        switch (path)
        {
            case GemmPath.Vector512:
                Assert.IsTrue(Vector512.IsHardwareAccelerated);
                break;
            case GemmPath.Vector256:
                Assert.IsFalse(Vector512.IsHardwareAccelerated, "512-bit vectors are still on");
                Assert.IsTrue(Vector256.IsHardwareAccelerated);
                Assert.AreEqual(8, Vector<float>.Count);
                break;
            case GemmPath.Vector128:
                Assert.IsFalse(Vector256.IsHardwareAccelerated, "256-bit vectors are still on");
                Assert.IsTrue(Vector128.IsHardwareAccelerated);
                Assert.AreEqual(4, Vector<float>.Count);
                break;
            default:
                Assert.IsFalse(Vector128.IsHardwareAccelerated, "128-bit vectors are still on");
                Assert.IsFalse(Vector.IsHardwareAccelerated);
                Assert.IsFalse(FusedMultiplyAddKernel.Emulated, "the FMA emulation needs 128-bit vectors");
                break;
        }
    }

    [TestMethod]
    public void Every_path_this_machine_supports_is_narrower_than_or_equal_to_the_best()
    {
        // The order Vector512 > Vector256 > Vector128 > Scalar: a machine that runs a wide path runs every narrower
        // one (tests force each of them with Gemm.ForcedPath), and the scalar path runs anywhere.
        GemmPath[] order = [GemmPath.Vector512, GemmPath.Vector256, GemmPath.Vector128, GemmPath.Scalar];
        int best = Array.IndexOf(order, Gemm.BestPath);
        Assert.IsGreaterThanOrEqualTo(0, best);
        for (int i = best; i < order.Length; i++)
        {
            Assert.IsTrue(Gemm.IsSupported(order[i]), $"{order[i]} with best path {Gemm.BestPath}");
        }

        for (int i = 0; i < best; i++)
        {
            Assert.IsFalse(Gemm.IsSupported(order[i]), $"{order[i]} is supported but the best path is {Gemm.BestPath}");
        }
    }
}
