using Microsoft.ML.Minibatch.NN;

namespace Microsoft.ML.Minibatch.Optim;

/// <summary>
/// AdamW (Loshchilov and Hutter): Adam with decoupled weight decay, PyTorch's <c>torch.optim.AdamW</c> rule and
/// defaults (weight decay 0.01), reproduced to the float32 bit.
/// </summary>
/// <remarks>
/// Per step t of a parameter p with gradient g: first p ·= 1 − lr·<see cref="AdamOptimizer.WeightDecay"/> (the decay is not part of
/// the gradient, so it never enters the moments); then Adam's update with g unchanged: m = β1·m + (1 − β1)·g;
/// v = β2·v + (1 − β2)·g²; with AMSGrad v̂ = max(v̂, v) replaces v; p −= (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε).
/// The decay is multiplied by the current learning rate, so a schedule scales it too, as in PyTorch.
/// </remarks>
public sealed class AdamW : AdamOptimizer
{
    /// <summary>Creates an AdamW optimizer; defaults and checks follow PyTorch's.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="learningRate">Learning rate (PyTorch's <c>lr</c>); finite and ≥ 0.</param>
    /// <param name="beta1">Decay of the running mean of the gradient; in [0, 1).</param>
    /// <param name="beta2">Decay of the running mean of its square; in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator (PyTorch's <c>eps</c>); finite and ≥ 0.</param>
    /// <param name="weightDecay">Decoupled weight decay: each step scales the parameters by 1 − lr·weightDecay; finite and ≥ 0.</param>
    /// <param name="amsGrad">Use the running maximum of the second moment (AMSGrad).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names it and its value.</exception>
    /// <exception cref="ArgumentException">The parameter list is empty or has duplicates.</exception>
    public AdamW(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 1e-2, bool amsGrad = false, bool maximize = false)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay, amsGrad, maximize, decoupledWeightDecay: true)
    {
    }
}
