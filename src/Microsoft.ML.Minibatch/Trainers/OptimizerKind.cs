namespace Microsoft.ML.Minibatch;

/// <summary>The optimisation rule <see cref="MinibatchTrainer"/> applies after each batch.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with optional momentum and weight decay (PyTorch's <c>optim.SGD</c>).</summary>
    Sgd = 0,

    /// <summary>Adam (PyTorch's <c>optim.Adam</c>, betas 0.9/0.999, eps 1e-8).</summary>
    Adam = 1,

    /// <summary>AdamW (PyTorch's <c>optim.AdamW</c>, betas 0.9/0.999, eps 1e-8): Adam with decoupled weight decay, each
    /// step scaling the weights by 1 − lr·<see cref="MinibatchTrainer.Options.WeightDecay"/>. The option is passed as
    /// AdamW's <c>weight_decay</c> unchanged, so its default 0 makes AdamW plain Adam; set 0.01 for PyTorch's default.</summary>
    AdamW = 2,
}
