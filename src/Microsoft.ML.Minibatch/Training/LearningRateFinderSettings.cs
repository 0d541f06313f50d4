using System.Globalization;

namespace Microsoft.ML.Minibatch.Training;

/// <summary>The parameters of <see cref="LearningRateFinder"/>, with fast.ai's <c>lr_find</c> defaults.</summary>
/// <param name="StartLearningRate">The first batch's learning rate (fast.ai's <c>start_lr</c>, 1e-7).</param>
/// <param name="EndLearningRate">The rate the sweep would reach after <paramref name="Iterations"/> batches (<c>end_lr</c>, 10).</param>
/// <param name="Iterations">The most batches to run (<c>num_it</c>, 100); the loader is restarted if it has fewer.</param>
/// <param name="StopOnDivergence">Stop once the smoothed loss exceeds 4 × its minimum (<c>stop_div</c>, true).</param>
/// <param name="Beta">The smoothing of the loss (<c>AvgSmoothLoss</c>'s beta, 0.98).</param>
public sealed record LearningRateFinderSettings(double StartLearningRate = 1e-7, double EndLearningRate = 10, int Iterations = 100,
    bool StopOnDivergence = true, double Beta = 0.98)
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid parameter.</summary>
    public void Validate()
    {
        if (!(StartLearningRate > 0) || !double.IsFinite(StartLearningRate))
            throw new ArgumentOutOfRangeException(nameof(StartLearningRate), StartLearningRate, "StartLearningRate must be positive and finite.");
        if (!(EndLearningRate > StartLearningRate) || !double.IsFinite(EndLearningRate))
            throw new ArgumentOutOfRangeException(nameof(EndLearningRate), EndLearningRate,
                string.Create(CultureInfo.InvariantCulture, $"EndLearningRate must be finite and above StartLearningRate ({StartLearningRate})."));
        if (Iterations < 2)
            throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "Iterations must be at least 2.");
        if (!(Beta >= 0 && Beta < 1))
            throw new ArgumentOutOfRangeException(nameof(Beta), Beta, "Beta must be in [0, 1).");
    }
}
