using Microsoft.ML.Minibatch.NN;

namespace Microsoft.ML.Minibatch.Optim;

/// <summary>
/// Adam (Kingma and Ba), optionally AMSGrad, with PyTorch's defaults and its exact
/// <c>torch.optim.Adam</c> rule, reproduced to the float32 bit.
/// </summary>
/// <remarks>
/// Per step t of a parameter p with gradient g: g = ±g + <see cref="AdamOptimizer.WeightDecay"/>·p (L2 decay in
/// the gradient, not AdamW's decoupled decay); m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²;
/// with AMSGrad v̂ = max(v̂, v) replaces v below; p −= (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε).
/// ε is added to the bias-corrected √v, as in PyTorch and the paper's Algorithm 1 — not to the raw
/// √v as in the paper's "efficient" variant (TensorFlow's), which differs while 1 − β2^t is small.
/// </remarks>
public sealed class Adam : AdamOptimizer
{
    /// <summary>Creates an Adam optimizer; defaults and checks follow PyTorch's.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="learningRate">Learning rate (PyTorch's <c>lr</c>); finite and ≥ 0.</param>
    /// <param name="beta1">Decay of the running mean of the gradient; in [0, 1).</param>
    /// <param name="beta2">Decay of the running mean of its square; in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator (PyTorch's <c>eps</c>); finite and ≥ 0.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient; finite and ≥ 0.</param>
    /// <param name="amsGrad">Use the running maximum of the second moment (AMSGrad).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range; the message names it and its value.</exception>
    /// <exception cref="ArgumentException">The parameter list is empty or has duplicates.</exception>
    public Adam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0, bool amsGrad = false, bool maximize = false)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay, amsGrad, maximize, decoupledWeightDecay: false)
    {
    }
}
