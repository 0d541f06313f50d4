namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>One workload of the side-by-side comparison: a name and the command-line options both sides take.</summary>
/// <param name="Name">What the table calls it.</param>
/// <param name="Description">The workload in words.</param>
/// <param name="Arguments">Options understood by both `minibatch train` and scripts/pytorch_reference.py.</param>
/// <param name="Epochs">The number of epochs.</param>
internal sealed record CompareConfiguration(string Name, string Description, string[] Arguments, int Epochs)
{
    /// <summary>The seeds' workload: 784-50-10, batch 64, SGD lr 0.5, 50,000 training images; 5 epochs unless told (the table gives each side's).</summary>
    public static CompareConfiguration Seeds { get; } = new("seeds", "784-50-10, batch 64, SGD lr 0.5, 50,000 images",
        ["--hidden", "50", "--batch-size", "64", "--lr", "0.5", "--split", "seed"], 5);

    /// <summary>
    /// The wide workload: 784-800-10, batch 128, SGD lr 0.1 momentum 0.9 with a cosine schedule, all 60,000 training
    /// images, test accuracy on t10k.
    /// </summary>
    public static CompareConfiguration Wide { get; } = new("wide", "784-800-10, batch 128, SGD lr 0.1 momentum 0.9, cosine, 60,000 images",
        ["--hidden", "800", "--batch-size", "128", "--lr", "0.1", "--momentum", "0.9", "--lr-schedule", "cosine", "--split", "full"], 20);
}
