using System.Globalization;
using System.Text;

namespace Microsoft.ML.Minibatch.Tests.Tabular;

/// <summary>
/// A table a user might have: integer features 0 … 16 (unscaled, as in the optical-digits files) drawn around one
/// prototype per class, so a model that reads the right columns classifies it almost perfectly and one that reads
/// shifted columns does not; written as CSV text with or without a header, the label anywhere, any separator.
/// </summary>
internal sealed class LearnableTable
{
    private LearnableTable(int[][] features, int[] classes, string[] classNames)
    {
        Features = features;
        Classes = classes;
        ClassNames = classNames;
    }

    /// <summary>Row × feature values.</summary>
    public int[][] Features { get; }

    /// <summary>Each row's class index.</summary>
    public int[] Classes { get; }

    /// <summary>The labels as written: "0", "1", … or names.</summary>
    public string[] ClassNames { get; }

    public int FeatureCount => Features[0].Length;

    public static readonly string[] Names = ["ant", "bee", "cat", "dog", "eel", "fox"];

    public static LearnableTable Create(int rows, int featureCount, int classCount, bool namedClasses, int seed)
    {
        var random = new Random(seed);
        var prototypes = Enumerable.Range(0, classCount).Select(_ => Enumerable.Range(0, featureCount).Select(_ => random.Next(0, 17)).ToArray()).ToArray();
        var classes = Enumerable.Range(0, rows).Select(_ => random.Next(classCount)).ToArray();
        var features = classes.Select(k => prototypes[k].Select(v => Math.Clamp(v + random.Next(-2, 3), 0, 16)).ToArray()).ToArray();
        var names = namedClasses ? Names[..classCount] : Enumerable.Range(0, classCount).Select(k => k.ToString(CultureInfo.InvariantCulture)).ToArray();
        return new LearnableTable(features, classes, names);
    }

    /// <summary>The header names: f0, f1, … with "kind" for the label at <paramref name="labelIndex"/>.</summary>
    public string[] HeaderNames(int labelIndex)
    {
        var names = Enumerable.Range(0, FeatureCount).Select(i => $"f{i}").ToList();
        names.Insert(labelIndex, "kind");
        return names.ToArray();
    }

    /// <summary>Writes <paramref name="rows"/> of the table to <paramref name="path"/>.</summary>
    public void Write(string path, IEnumerable<int> rows, int labelIndex, bool header, char separator)
    {
        var text = new StringBuilder();
        if (header) text.AppendLine(string.Join(separator, HeaderNames(labelIndex)));
        foreach (int r in rows)
        {
            var cells = Features[r].Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList();
            cells.Insert(labelIndex, ClassNames[Classes[r]]);
            text.AppendLine(string.Join(separator, cells));
        }
        File.WriteAllText(path, text.ToString());
    }
}
