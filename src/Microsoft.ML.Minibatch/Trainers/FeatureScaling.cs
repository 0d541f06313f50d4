namespace Microsoft.ML.Minibatch;

/// <summary>How <see cref="MinibatchTrainer"/> meets features that are not scaled. The scaling is learned from the
/// training rows and folded into the first layer's weights when training ends, so the model takes raw features.</summary>
public enum FeatureScaling
{
    /// <summary>Standardise when the features need it: when the feature column does not carry ML.NET's
    /// <c>IsNormalized</c> annotation and some training value lies outside [-1, 1]. Features already in a small range
    /// (MNIST's pixels in [0, 1]) train exactly as given.</summary>
    Auto,

    /// <summary>Train on the features as given.</summary>
    None,

    /// <summary>Always standardise: each feature minus its training mean, divided by its standard deviation (a constant
    /// feature is only centred).</summary>
    Standardize,
}
