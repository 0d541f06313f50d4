namespace Microsoft.ML.Minibatch.Data;

/// <summary>The parts of MNIST the lesson uses.</summary>
public enum MnistSplit
{
    /// <summary>The first 50,000 training images: what the model is fitted on.</summary>
    Train,

    /// <summary>The last 10,000 training images: held out to measure progress after each epoch.</summary>
    Valid,

    /// <summary>The 10,000 t10k images of the original distribution.</summary>
    Test,

    /// <summary>All 60,000 training images (<see cref="Train"/> followed by <see cref="Valid"/>).</summary>
    Full,
}
