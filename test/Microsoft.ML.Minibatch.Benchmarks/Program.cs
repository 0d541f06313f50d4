using BenchmarkDotNet.Running;

// `dotnet run -c Release --project test/Microsoft.ML.Minibatch.Benchmarks -- --filter '*'`
// lists and runs the BenchmarkDotNet suites in this assembly.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
