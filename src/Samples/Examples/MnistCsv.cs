using System.Globalization;
using System.Text;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Samples.Examples;

/// <summary>Writes MNIST rows as the CSV files people usually have ("label,pixel0,…,pixel783", pixels 0 … 255),
/// so that the CSV example runs without a file of the user's.</summary>
public static class MnistCsv
{
    /// <summary>Writes <paramref name="count"/> rows of <paramref name="split"/> to <paramref name="path"/>.</summary>
    public static void Write(MnistSplit split, int count, string path)
    {
        LabeledImages images = Mnist.Load(split);
        count = Math.Min(count, images.Count);
        var line = new StringBuilder();
        using var writer = new StreamWriter(path);
        writer.WriteLine("label," + string.Join(",", Enumerable.Range(0, images.FeatureCount).Select(i => $"pixel{i}")));
        for (int r = 0; r < count; r++)
        {
            line.Clear().Append(images.Labels[r].ToString(CultureInfo.InvariantCulture));
            foreach (float v in images.GetFeatures(r)) line.Append(',').Append(MathF.Round(v * 255).ToString(CultureInfo.InvariantCulture));
            writer.WriteLine(line);
        }
    }
}
