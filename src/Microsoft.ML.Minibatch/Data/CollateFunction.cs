namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// Builds one batch from the rows named by <paramref name="indices"/> (PyTorch's <c>collate_fn</c>). A
/// <see cref="DataLoader"/> given one returns whatever it builds (e.g. fresh tensors that outlive the next batch)
/// instead of gathering into its reused buffers.
/// </summary>
/// <param name="dataset">The loader's dataset.</param>
/// <param name="indices">The batch's row indices; valid only during the call.</param>
/// <returns>The batch.</returns>
public delegate Batch CollateFunction(Dataset dataset, ReadOnlySpan<int> indices);
