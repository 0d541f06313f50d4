using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Training;

/// <summary>
/// fast.ai's learning-rate finder (<c>Learner.lr_find</c>): train batch after batch while the learning rate grows
/// exponentially from <see cref="LearningRateFinderSettings.StartLearningRate"/> towards
/// <see cref="LearningRateFinderSettings.EndLearningRate"/>, record the smoothed loss, stop after
/// <see cref="LearningRateFinderSettings.Iterations"/> batches or once the smoothed loss exceeds 4 × its minimum, then
/// put the initial weights back and suggest a rate with fast.ai's <c>valley</c> rule.
/// </summary>
public static class LearningRateFinder
{
    /// <summary>
    /// The rate of batch <paramref name="iteration"/> (from 0): start · (end / start)^(iteration / iterations), fast.ai's
    /// <c>SchedExp</c> at position <c>train_iter / num_it</c>.
    /// </summary>
    /// <param name="iteration">The batch, from 0.</param>
    /// <param name="settings">The sweep.</param>
    public static double RateAt(int iteration, LearningRateFinderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        double start = settings.StartLearningRate;
        return start * Math.Pow(settings.EndLearningRate / start, (double)iteration / settings.Iterations);
    }

    /// <summary>
    /// Runs the sweep on <paramref name="step"/> with batches from <paramref name="batches"/> (enumerated again if it ends
    /// first) and restores the weights the model had before, bit for bit. The optimizer's state (momentum buffers, Adam's
    /// moments) is not restored: give the finder a step that will not train afterwards, as the trainer does.
    /// </summary>
    /// <param name="step">The engine step, with the optimizer to sweep.</param>
    /// <param name="batches">The training batches, e.g. a <see cref="DataLoader"/>.</param>
    /// <param name="settings">The sweep; fast.ai's defaults when null.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <returns>The rates, the smoothed losses and the suggestion.</returns>
    /// <exception cref="ArgumentException"><paramref name="batches"/> yields no batch.</exception>
    public static LearningRateFinderResult Run(TrainingStep step, IEnumerable<Batch> batches, LearningRateFinderSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(batches);
        settings ??= new LearningRateFinderSettings();
        settings.Validate();
        step.CopyWeightsToModel();
        var initial = step.Model.Parameters().Select(p => p.AsSpan().ToArray()).ToList();
        double initialRate = step.LearningRate;
        var rates = new List<double>();
        var losses = new List<double>();
        bool diverged = false;
        try
        {
            var smoothed = new SmoothedLoss(settings.Beta);
            double best = double.PositiveInfinity;
            bool done = false;
            while (!done)
            {
                int before = rates.Count;
                foreach (Batch batch in batches)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    double rate = RateAt(rates.Count, settings);
                    step.LearningRate = rate;
                    double loss = smoothed.Add(step.Train(batch.Features, batch.Labels));
                    rates.Add(rate);
                    losses.Add(loss);
                    if (loss < best) best = loss;
                    // A non-finite loss ends the sweep too (the step did not apply it), where fast.ai would go on to num_it.
                    diverged = !double.IsFinite(loss) || (settings.StopOnDivergence && loss > 4 * best);
                    done = diverged || rates.Count >= settings.Iterations;
                    if (done) break;
                }
                if (rates.Count == before) throw new ArgumentException("The batches are empty.", nameof(batches));
            }
        }
        finally
        {
            int i = 0;
            foreach (var p in step.Model.Parameters()) initial[i++].CopyTo(p.AsSpan());
            step.CopyWeightsFromModel();
            step.LearningRate = initialRate;
        }
        return new LearningRateFinderResult(rates, losses, Suggest(rates, losses, settings.Iterations), diverged);
    }

    /// <summary>
    /// fast.ai's <c>lr_find</c> suggestion with its default <c>valley</c> rule: leave out the first
    /// <c>iterations / 10</c> points and the last 5, cut at the first non-finite loss, find the longest run of decreasing
    /// losses (longest decreasing subsequence) and take the point about two thirds into it; null when no point is left.
    /// </summary>
    /// <param name="rates">The recorded rates.</param>
    /// <param name="losses">The recorded smoothed losses.</param>
    /// <param name="iterations">The sweep's <c>num_it</c>.</param>
    public static double? Suggest(IReadOnlyList<double> rates, IReadOnlyList<double> losses, int iterations)
    {
        ArgumentNullException.ThrowIfNull(rates);
        ArgumentNullException.ThrowIfNull(losses);
        int start = iterations / 10, end = losses.Count - 5;
        for (int i = start; i < end; i++)
        {
            if (double.IsNaN(losses[i])) end = i;
        }
        if (end <= start) return null;
        var window = new double[end - start];
        for (int i = 0; i < window.Length; i++) window[i] = losses[start + i];
        return rates[start + ValleyIndex(window)];
    }

    /// <summary>fast.ai's <c>valley</c> on a list of losses, index arithmetic included: the index about two thirds into the
    /// longest decreasing subsequence.</summary>
    /// <param name="losses">At least one loss.</param>
    public static int ValleyIndex(IReadOnlyList<double> losses)
    {
        ArgumentNullException.ThrowIfNull(losses);
        if (losses.Count == 0) throw new ArgumentException("There are no losses.", nameof(losses));
        int n = losses.Count, maxStart = 0, maxEnd = 0;
        var longest = new int[n];
        Array.Fill(longest, 1);
        for (int i = 1; i < n; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (losses[i] < losses[j] && longest[i] < longest[j] + 1) longest[i] = longest[j] + 1;
                // Inside the inner loop, as in fast.ai: the start is fixed when the length first exceeds the best so far.
                if (longest[maxEnd] < longest[i])
                {
                    maxEnd = i;
                    maxStart = maxEnd - longest[maxEnd];
                }
            }
        }
        double sections = (maxEnd - maxStart) / 3.0;
        int index = maxStart + (int)sections + (int)(sections / 2);
        // A valley that starts at the first loss gives maxStart = −1 and can give −1 here, which Python reads from the end.
        return index < 0 ? index + n : index;
    }
}
