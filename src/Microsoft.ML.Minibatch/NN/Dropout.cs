using System.Globalization;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// Dropout as a layer (PyTorch's <c>nn.Dropout(p)</c>): in training mode each element is zeroed with probability
/// <see cref="P"/> and the others are scaled by 1 / (1 − p); in evaluation mode it passes the input through. The masks
/// come from <see cref="Generator"/>, so a seeded run is reproducible bit for bit (see <see cref="Functional.Dropout"/>).
/// </summary>
public sealed class Dropout : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of zeroing an element, in [0, 1] (PyTorch's default 0.5).</param>
    /// <param name="generator">Where the masks are drawn from; <see cref="Generator.Default"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public Dropout(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, string.Create(CultureInfo.InvariantCulture, $"dropout probability has to be between 0 and 1, but got {p}."));
        P = p;
        Generator = generator ?? Generator.Default;
    }

    /// <summary>The probability of zeroing an element.</summary>
    public double P { get; }

    /// <summary>The generator the masks are drawn from.</summary>
    public Generator Generator { get; }

    /// <summary>Drops and scales in training mode; returns the input in evaluation mode.</summary>
    /// <param name="input">The input batch.</param>
    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, IsTraining, Generator);

    /// <summary>PyTorch's <c>p=0.5, inplace=False</c>.</summary>
    protected override string ExtraRepr()
    {
        string p = P.ToString("R", CultureInfo.InvariantCulture);
        if (!p.Contains('.', StringComparison.Ordinal) && !p.Contains('E', StringComparison.Ordinal)) p += ".0";
        return $"p={p}, inplace=False";
    }
}
