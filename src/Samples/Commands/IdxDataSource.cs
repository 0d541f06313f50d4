using System.Globalization;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>
/// An IDX data set in a data directory under MNIST's four file names (MNIST itself, another data set or a subset),
/// with its class count taken from the labels: K = the largest label of both label files + 1, unless given.
/// </summary>
internal sealed class IdxDataSource
{
    private IdxDataSource(MnistFiles files, int classCount)
    {
        Files = files;
        ClassCount = classCount;
        ClassNames = Enumerable.Range(0, classCount).Select(k => k.ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>The four files.</summary>
    public MnistFiles Files { get; }

    /// <summary>K, the number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>The key values "0" … "K-1".</summary>
    public string[] ClassNames { get; }

    /// <summary>Ensures the files (fetching MNIST into the default cache when they are missing) and finds K.</summary>
    /// <param name="directory">The data directory, or null for $MINIBATCH_DATA or the default cache.</param>
    /// <param name="classCount">K as the user gave it (--classes), or null to take it from the labels.</param>
    /// <param name="log">Receives download progress.</param>
    public static IdxDataSource Open(string? directory, int? classCount, Action<string> log)
    {
        var files = Mnist.EnsureFiles(new MnistOptions { Directory = directory, Progress = log });
        if (classCount is int given)
        {
            if (given is < 2 or > 256) throw new ArgumentOutOfRangeException("--classes", given, $"--classes must be between 2 and 256 (got {given}).");
            return new IdxDataSource(files, given);
        }
        // Labels are bytes; read with the widest range, then K = largest + 1 over both files.
        byte[] train = IdxReader.ReadLabels(files.TrainLabels, 256), test = IdxReader.ReadLabels(files.TestLabels, 256);
        int largest = Math.Max(train.Length > 0 ? train.Max() : 0, test.Length > 0 ? test.Max() : 0);
        if (largest == 0)
            throw new InvalidDataException($"{files.TrainLabels}: every label is 0; a classifier needs at least two classes.");
        return new IdxDataSource(files, largest + 1);
    }

    /// <summary>How many rows at the end of the training file form the validation split: a sixth (MNIST: 10,000 of 60,000).</summary>
    public static int ValidationCount(int trainCount)
    {
        if (trainCount < 2) throw new InvalidDataException($"The training file holds {trainCount} images; at least 2 are needed to hold some out for validation.");
        return Math.Max(1, trainCount / 6);
    }
}
