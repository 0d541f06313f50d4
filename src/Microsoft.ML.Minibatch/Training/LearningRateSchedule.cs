namespace Microsoft.ML.Minibatch;

/// <summary>How the learning rate changes during training (see <see cref="Training.LearningRateScheduler"/>).</summary>
public enum LearningRateSchedule
{
    /// <summary>The base learning rate throughout.</summary>
    Constant = 0,

    /// <summary>Cosine annealing from the base rate to 0 over all training batches, updated before every batch:
    /// lr = base · (1 + cos(π·t/T)) / 2 with t the batches done and T the batches of the whole run.</summary>
    Cosine = 1,

    /// <summary>The base rate, divided by 10 after half of the epochs and again after three quarters
    /// (PyTorch's <c>MultiStepLR</c> with milestones at 50% and 75%, gamma 0.1), updated at epoch starts.</summary>
    Step = 2,

    /// <summary>fast.ai's one-cycle policy (<c>fit_one_cycle</c>, see <see cref="Training.OneCyclePolicy"/>), updated before
    /// every batch: the rate warms up from base/div to the base rate (lr_max) along a cosine over the first pct_start of the
    /// batches, then anneals along a cosine to base/div_final; the optimizer's momentum (SGD's when it is not 0, Adam's
    /// and AdamW's β1) is cycled the other way, 0.95 → 0.85 → 0.95 by default.</summary>
    OneCycle = 3,
}
