namespace Microsoft.ML.Minibatch.Training;

/// <summary>What <see cref="LearningRateFinder.Run"/> recorded: the learning rate and the smoothed loss of every batch.</summary>
/// <param name="LearningRates">The rate each batch was trained with, increasing exponentially.</param>
/// <param name="Losses">The smoothed loss after each batch (<see cref="SmoothedLoss"/>).</param>
/// <param name="SuggestedLearningRate">fast.ai's <c>valley</c> suggestion, or <see langword="null"/> when too few batches
/// were recorded to suggest one (the first <c>Iterations / 10</c> and the last 5 are left out, as in fast.ai).</param>
/// <param name="Diverged">Whether the sweep stopped early because the smoothed loss exceeded 4 × its minimum or was not finite.</param>
public sealed record LearningRateFinderResult(IReadOnlyList<double> LearningRates, IReadOnlyList<double> Losses,
    double? SuggestedLearningRate, bool Diverged);
