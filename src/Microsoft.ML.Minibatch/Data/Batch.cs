using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// One minibatch: features <c>[B, F]</c> and labels <c>[B]</c> (the seeds' <c>xb, yb</c>; deconstructs as
/// <c>var (xb, yb) = batch</c>).
/// </summary>
/// <remarks>
/// Batches produced by a <see cref="DataLoader"/> without a collate function live in buffers the loader reuses:
/// they are valid until the next batch is requested. Copy them (<see cref="Tensor.Clone"/>) to keep them longer.
/// </remarks>
public readonly struct Batch
{
    /// <summary>Creates a batch from features and labels with matching row counts.</summary>
    /// <param name="features">The features, <c>[B, F]</c>.</param>
    /// <param name="labels">The labels, <c>[B]</c>.</param>
    /// <exception cref="ArgumentException">The row counts differ.</exception>
    public Batch(Tensor features, IntTensor labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Rank < 1 || labels.Rank != 1 || features.Size(0) != labels.ElementCount)
        {
            throw new ArgumentException(
                $"Features {features.ShapeString} and labels {labels.ShapeString} do not describe the same rows.", nameof(labels));
        }
        Features = features;
        Labels = labels;
    }

    /// <summary>The features, <c>[B, F]</c>.</summary>
    public Tensor Features { get; }

    /// <summary>The labels, <c>[B]</c>.</summary>
    public IntTensor Labels { get; }

    /// <summary>The number of rows B.</summary>
    public int Count => Labels.ElementCount;

    /// <summary>Deconstructs into features and labels.</summary>
    /// <param name="features">The features.</param>
    /// <param name="labels">The labels.</param>
    public void Deconstruct(out Tensor features, out IntTensor labels)
    {
        features = Features;
        labels = Labels;
    }
}
