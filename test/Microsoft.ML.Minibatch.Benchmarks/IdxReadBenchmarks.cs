using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>
/// Reading the 60,000 MNIST training images: the raw IDX file, the same file gzip-compressed
/// (as the mirrors serve it), and the full split converted to floats in [0, 1].
/// `dotnet run -c Release --project test/Microsoft.ML.Minibatch.Benchmarks -- --filter '*IdxRead*' --job short`
/// </summary>
[MemoryDiagnoser]
public class IdxReadBenchmarks
{
    private MnistFiles _files = null!;
    private string _gzipCopy = "";

    [GlobalSetup]
    public void Setup()
    {
        _files = Mnist.EnsureFiles();
        _gzipCopy = Path.Combine(Path.GetTempPath(), $"minibatch-bench-{Environment.ProcessId}-train-images.gz");
        using FileStream source = File.OpenRead(_files.TrainImages);
        using FileStream target = File.Create(_gzipCopy);
        using var gzip = new GZipStream(target, CompressionLevel.Optimal);
        source.CopyTo(gzip);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_gzipCopy);

    [Benchmark(Baseline = true)]
    public IdxImages ReadTrainImagesRaw() => IdxReader.ReadImages(_files.TrainImages);

    [Benchmark]
    public IdxImages ReadTrainImagesGzip() => IdxReader.ReadImages(_gzipCopy);

    [Benchmark]
    public LabeledImages LoadFullSplitAsFloats() => Mnist.Load(MnistSplit.Full, _files);
}
