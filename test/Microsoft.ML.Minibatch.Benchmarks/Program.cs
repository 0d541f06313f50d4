using BenchmarkDotNet.Running;
using Microsoft.ML.Minibatch.Benchmarks;

// `dotnet run -c Release --project test/Microsoft.ML.Minibatch.Benchmarks -- gemm-compare [python] [--rounds N]` prints the
// GEMM GFLOP/s table against OpenBLAS; any other arguments go to BenchmarkDotNet, e.g. `-- --filter '*'` lists
// and runs the BenchmarkDotNet suites in this assembly.
// `-- compare [--runs 3] [--config seeds|wide|all]` runs the PyTorch reference and `minibatch train` side by side.
if (args.Length > 0 && args[0] == "compare")
{
    try
    {
        return Compare.Run(args[1..]);
    }
    catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
    {
        // One clear line, no stack trace: a bad option, a side that failed, or a missing build or interpreter.
        Console.Error.WriteLine("compare: " + e.Message);
        return 1;
    }
}

// `-- tabular-compare [--out FILE]` cross-validates our trainer beside ML.NET's on the sklearn CSVs (TabularResults.md).
if (args.Length > 0 && args[0] == "tabular-compare")
{
    return TabularCompare.Run(args[1..]);
}

// `-- bigger-than-memory [--rows N]` trains on a generated data view larger than memory (docs/data.md).
if (args.Length > 0 && args[0] == "bigger-than-memory")
{
    return BiggerThanMemory.Run(args[1..]);
}

// `-- kernel-ab DIR_A DIR_B` times the kernels of two builds side by side in one process (GemmResults.md).
if (args.Length > 0 && args[0] == "kernel-ab")
{
    try
    {
        return KernelAB.Run(args[1..]);
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine("kernel-ab: " + e.Message);
        return 1;
    }
}

if (args.Length > 0 && args[0] == "gemm-compare")
{
    return GemmCompare.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(GemmCompare).Assembly).Run(args);
return 0;
