using System.Numerics.Tensors;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The per-feature mean and scale (standard deviation; 1 for a constant feature) learned from the training rows, the
/// datasets that train on the standardised rows, and the fold that moves the standardisation into the first Linear
/// layer when training ends: W' = W·diag(1/s), b' = b − W'·m, so the network then reads raw features.
/// </summary>
internal sealed class FeatureStandardization
{
    private FeatureStandardization(float[] mean, float[] scale)
    {
        Mean = mean;
        Scale = scale;
    }

    public float[] Mean { get; }

    public float[] Scale { get; }

    /// <summary>What <paramref name="scaling"/> asks for on <paramref name="rows"/>: a standardisation, or null to train
    /// on the features as given. Auto standardises unless the feature column is marked normalised by ML.NET or every
    /// value lies in [-1, 1].</summary>
    public static FeatureStandardization? Choose(FeatureScaling scaling, Dataset rows, bool markedNormalized, CancellationToken token)
    {
        if (scaling == FeatureScaling.None) return null;
        if (scaling == FeatureScaling.Auto && (markedNormalized || LargestMagnitude(rows, token) <= 1)) return null;
        return Learn(rows, token);
    }

    /// <summary>The largest |x| over every feature of every row.</summary>
    public static float LargestMagnitude(Dataset rows, CancellationToken token)
    {
        float largest = 0;
        RowScan.Run(rows, token, (_, n, features, _) =>
            largest = MathF.Max(largest, MathF.Abs(TensorPrimitives.MaxMagnitude<float>(features.AsSpan(0, n * rows.FeatureCount)))));
        return largest;
    }

    /// <summary>The mean and standard deviation of each feature over <paramref name="rows"/> (in double, each feature
    /// shifted by its first value so that a large offset does not swamp a small spread).</summary>
    public static FeatureStandardization Learn(Dataset rows, CancellationToken token)
    {
        int width = rows.FeatureCount;
        var shift = new double[width];
        var sum = new double[width];
        var squares = new double[width];
        RowScan.Run(rows, token, (start, n, features, _) =>
        {
            if (start == 0)
                for (int j = 0; j < width; j++) shift[j] = features[j];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < width; j++)
                {
                    double d = features[i * width + j] - shift[j];
                    sum[j] += d;
                    squares[j] += d * d;
                }
            }
        });
        int count = rows.Count;
        var mean = new float[width];
        var scale = new float[width];
        for (int j = 0; j < width; j++)
        {
            double m = sum[j] / count;
            double deviation = Math.Sqrt(Math.Max(0, squares[j] / count - m * m));
            mean[j] = (float)(shift[j] + m);
            // A constant feature carries nothing to scale; dividing by its zero spread would make it infinite.
            scale[j] = deviation > 1e-12 * Math.Max(1, Math.Abs(mean[j])) ? (float)deviation : 1f;
        }
        return new FeatureStandardization(mean, scale);
    }

    /// <summary>The rows as training sees them: standardised as they are gathered.</summary>
    public Dataset Apply(Dataset rows) => new StandardizedDataset(rows, Mean, Scale);

    /// <summary>Makes <paramref name="first"/>, trained on standardised rows, read raw features instead.</summary>
    public void FoldInto(Linear first) => MoveStandardization(first, intoLayer: true);

    /// <summary>The inverse of <see cref="FoldInto"/>: makes <paramref name="first"/>, whose weights read raw features
    /// (a saved model's initial weights), read standardised ones.</summary>
    public void UnfoldFrom(Linear first) => MoveStandardization(first, intoLayer: false);

    // W·((x − m) / s) + b = (W / s)·x + (b − (W / s)·m): dividing the columns by s moves the scale into the layer, and
    // the bias absorbs the shift, computed in double from the layer's raw-feature weights either way.
    private void MoveStandardization(Linear first, bool intoLayer)
    {
        var weight = first.Weight.AsSpan();
        var bias = first.Bias!.AsSpan();
        int inputs = first.InFeatures;
        for (int o = 0; o < first.OutFeatures; o++)
        {
            var row = weight.Slice(o * inputs, inputs);
            double shift = 0;
            for (int j = 0; j < inputs; j++)
            {
                if (intoLayer) row[j] /= Scale[j];
                shift += (double)row[j] * Mean[j];
                if (!intoLayer) row[j] *= Scale[j];
            }
            bias[o] = (float)(intoLayer ? bias[o] - shift : bias[o] + shift);
        }
    }
}
