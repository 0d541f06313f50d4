namespace Microsoft.ML.Minibatch.Training;

/// <summary>
/// The exponentially weighted moving average of the loss with bias correction (fast.ai's <c>AvgSmoothLoss</c>):
/// after the n-th value x, v = β·v + (1 − β)·x and the smoothed loss is v / (1 − βⁿ), so the first value is x itself.
/// </summary>
public sealed class SmoothedLoss
{
    private double _average;

    /// <summary>Creates the average.</summary>
    /// <param name="beta">The weight of the past, in [0, 1) (fast.ai's 0.98).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is outside [0, 1).</exception>
    public SmoothedLoss(double beta = 0.98)
    {
        if (!(beta >= 0 && beta < 1)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be in [0, 1).");
        Beta = beta;
    }

    /// <summary>The weight of the past.</summary>
    public double Beta { get; }

    /// <summary>How many values have been added.</summary>
    public int Count { get; private set; }

    /// <summary>The bias-corrected average of the values so far (NaN before the first).</summary>
    public double Value => Count == 0 ? double.NaN : _average / (1 - Math.Pow(Beta, Count));

    /// <summary>Adds a loss and returns the new smoothed value.</summary>
    /// <param name="loss">The batch's loss.</param>
    public double Add(double loss)
    {
        Count++;
        _average = Beta * _average + (1 - Beta) * loss;
        return Value;
    }
}
