namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>The instruction-set path a <see cref="Gemm"/> call runs on.</summary>
internal enum GemmPath
{
    /// <summary>The widest path the hardware accelerates.</summary>
    Auto,

    /// <summary>AVX-512 (<c>Vector512</c>, fused multiply-add), 12×32 register tiles.</summary>
    Vector512,

    /// <summary>AVX2 + FMA (<c>Vector256</c>), 6×16 register tiles that fit 16 vector registers.</summary>
    Vector256,

    /// <summary>128-bit portable <c>Vector128</c> code (Arm64 NEON, x64 SSE/AVX), 6×8 register tiles.</summary>
    Vector128,

    /// <summary>Portable scalar code, 6×2 register tiles; runs anywhere.</summary>
    Scalar,
}
