using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>Names the instruction-set path the engine runs on in this process (and in the processes it starts, which inherit its environment).</summary>
internal static class InstructionSet
{
    /// <summary>E.g. "path avx2 (Vector256: AVX2 + FMA) on AMD EPYC, DOTNET_EnableAVX512F=0".</summary>
    public static string Describe()
    {
        string path = Gemm.BestPath switch
        {
            GemmPath.Vector512 => "avx512 (Vector512: AVX-512F)",
            GemmPath.Vector256 => "avx2 (Vector256: AVX2 + FMA)",
            GemmPath.Vector128 => "vector128 (Vector128: 128-bit NEON/SSE)",
            _ => "scalar",
        };
        string[] switches = ["DOTNET_EnableAVX512F", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic"];
        string set = string.Join(", ", switches.Where(s => Environment.GetEnvironmentVariable(s) is not null)
            .Select(s => $"{s}={Environment.GetEnvironmentVariable(s)}"));
        return $"path {path} on {Cpu()}" + (set.Length > 0 ? $", {set}" : "");
    }

    private static string Cpu()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "an unnamed CPU" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return "an unnamed CPU";
        }
    }
}
