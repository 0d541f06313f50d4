using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>
/// One CSV file of test/Microsoft.ML.Minibatch.Tests/Fixtures/Tabular (see its README): comma-separated, with or
/// without a header, the label in the first or the last column, every other column a number.
/// </summary>
/// <param name="Name">What the table calls it.</param>
/// <param name="FileName">The file in the fixtures folder.</param>
/// <param name="HasHeader">Whether the first line names the columns.</param>
/// <param name="LabelFirst">Whether the label is the first column (otherwise the last).</param>
/// <param name="LabelName">The label's header name, or null without a header.</param>
internal sealed record TabularDataSet(string Name, string FileName, bool HasHeader, bool LabelFirst, string? LabelName)
{
    /// <summary>The four data sets, in the table's order.</summary>
    public static IReadOnlyList<TabularDataSet> All { get; } =
    [
        new("iris", "iris.csv", HasHeader: true, LabelFirst: false, "species"),
        new("wine", "wine.csv", HasHeader: true, LabelFirst: true, "class"),
        new("breast cancer", "breast_cancer.csv", HasHeader: true, LabelFirst: false, "target"),
        new("digits", "digits.csv", HasHeader: false, LabelFirst: false, null),
    ];

    /// <summary>The name the loaded feature vector takes before <c>Concatenate("Features", …)</c>.</summary>
    public const string RawFeatures = "RawFeatures";

    /// <summary>The number of columns of <paramref name="path"/>, from its first line.</summary>
    public static int ColumnCount(string path) =>
        File.ReadLines(path).First(l => !string.IsNullOrWhiteSpace(l)).Split(',').Length;

    /// <summary>
    /// Loads the file as ML.NET's samples do, with <c>LoadFromTextFile</c>: <c>Label</c> (the label cells as text) and
    /// <c>RawFeatures</c> (every other column, a vector of Single).
    /// </summary>
    public IDataView Load(MLContext ml, string path)
    {
        int columns = ColumnCount(path);
        int label = LabelFirst ? 0 : columns - 1;
        var range = LabelFirst ? new TextLoader.Range(1, columns - 1) : new TextLoader.Range(0, columns - 2);
        return ml.Data.LoadFromTextFile(path,
            [new TextLoader.Column("Label", DataKind.String, label), new TextLoader.Column(RawFeatures, DataKind.Single, [range])],
            separatorChar: ',', hasHeader: HasHeader);
    }

    /// <summary>The file's header line (or null) and its data lines, in file order, as they are spelled.</summary>
    public (string? Header, string[] Rows) Lines(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
        return HasHeader ? (lines[0], lines[1..]) : (null, lines);
    }
}
