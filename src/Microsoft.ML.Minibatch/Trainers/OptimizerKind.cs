namespace Microsoft.ML.Minibatch;

/// <summary>The optimisation rule <see cref="MinibatchTrainer"/> applies after each batch.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with optional momentum and weight decay (PyTorch's <c>optim.SGD</c>).</summary>
    Sgd = 0,

    /// <summary>Adam (PyTorch's <c>optim.Adam</c>, betas 0.9/0.999, eps 1e-8).</summary>
    Adam = 1,
}
