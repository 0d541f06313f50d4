namespace Microsoft.ML.Minibatch.NN;

/// <summary>What <see cref="Module.LoadStateDict"/> did not match (PyTorch's <c>_IncompatibleKeys</c>).</summary>
/// <param name="MissingKeys">Keys the module expects that the state dict lacks.</param>
/// <param name="UnexpectedKeys">Keys of the state dict that the module does not have.</param>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
