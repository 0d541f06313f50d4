using System.Globalization;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// A fully connected layer y = x·Wᵀ + b (PyTorch's <c>nn.Linear</c>), initialised as PyTorch does:
/// W and b uniform in ±1/√in_features (kaiming_uniform_ with a = √5, then the bias), drawn in that order.
/// </summary>
public sealed class Linear : Module
{
    /// <summary>Creates the layer and initialises it from <paramref name="generator"/>.</summary>
    /// <param name="inFeatures">Input size; not negative.</param>
    /// <param name="outFeatures">Output size; not negative.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    /// <param name="generator">The random source; <see cref="Generator.Default"/> when null. <c>new Generator(1)</c> gives
    /// the weights of <c>torch.manual_seed(1); nn.Linear(…)</c> bitwise.</param>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegative(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", new Parameter(Tensor.Zeros(outFeatures, inFeatures)))!;
        Bias = RegisterParameter("bias", bias ? new Parameter(Tensor.Zeros(outFeatures)) : null);
        ResetParameters(generator ?? Generator.Default);
    }

    /// <summary>The input size.</summary>
    public int InFeatures { get; }

    /// <summary>The output size.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight, [out_features, in_features].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias, [out_features], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>Re-draws the weight and bias with PyTorch's default initialisation (<c>reset_parameters</c>).</summary>
    /// <param name="generator">The random source.</param>
    public void ResetParameters(Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using (Autograd.NoGrad())
        {
            // kaiming_uniform_(a=√5): gain = √(2 / (1 + a²)), bound = √3 · gain / √fan_in, computed in double as
            // Python does and rounded to float by uniform_; it equals 1/√fan_in up to rounding.
            double a = Math.Sqrt(5.0);
            double gain = Math.Sqrt(2.0 / (1 + Math.Pow(a, 2)));
            double weightBound = InFeatures == 0 ? 0 : Math.Sqrt(3.0) * (gain / Math.Sqrt(InFeatures));
            Weight.UniformInPlace((float)-weightBound, (float)weightBound, generator);
            if (Bias is not null)
            {
                double biasBound = InFeatures > 0 ? 1 / Math.Sqrt(InFeatures) : 0;
                Bias.UniformInPlace((float)-biasBound, (float)biasBound, generator);
            }
        }
    }

    /// <summary>x·Wᵀ + b for x of shape […, in_features].</summary>
    /// <param name="input">The input batch.</param>
    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);

    /// <inheritdoc />
    protected override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is null ? "False" : "True")}");
}
