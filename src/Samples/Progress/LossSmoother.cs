namespace Microsoft.ML.Minibatch.Samples.Progress;

/// <summary>
/// An exponentially weighted moving average with bias correction (as fastai smooths the loss it shows): after values
/// v1 … vn, <c>avg = β·avg + (1 − β)·v</c> and the shown value is <c>avg / (1 − βⁿ)</c>, so the first value is shown
/// as itself rather than pulled towards zero. A single batch's loss is noisy; this one follows the trend.
/// </summary>
internal sealed class LossSmoother(double beta = 0.98)
{
    private double _average;
    private int _count;

    /// <summary>The smoothed value, or NaN before the first <see cref="Add"/>.</summary>
    public double Value => _count == 0 ? double.NaN : _average / (1 - Math.Pow(beta, _count));

    /// <summary>Adds one value.</summary>
    public void Add(double value)
    {
        _average = beta * _average + (1 - beta) * value;
        _count++;
    }

    /// <summary>Forgets every value.</summary>
    public void Reset()
    {
        _average = 0;
        _count = 0;
    }
}
