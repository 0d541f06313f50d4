using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Samples.Tabular;

/// <summary>
/// A CSV file checked and ready for ML.NET's own <c>LoadFromTextFile</c>: one loader column per file column, named
/// after the header (c0, c1, … without one); the label as text, every other column a Single.
/// </summary>
internal sealed class CsvSource
{
    private readonly (string Name, int Index)[] _features;

    private CsvSource(CsvFormat format, string labelName, int labelIndex, (string Name, int Index)[] features, CsvScan scan)
    {
        Format = format;
        LabelName = labelName;
        LabelIndex = labelIndex;
        _features = features;
        Scan = scan;
    }

    /// <summary>The file's layout.</summary>
    public CsvFormat Format { get; }

    /// <summary>The label column's name in the loaded data.</summary>
    public string LabelName { get; }

    /// <summary>The label column's index in the file.</summary>
    public int LabelIndex { get; }

    /// <summary>The feature columns' names in the loaded data, in file order.</summary>
    public IReadOnlyList<string> FeatureNames => _features.Select(f => f.Name).ToArray();

    /// <summary>What the checking pass found: rows and label values.</summary>
    public CsvScan Scan { get; }

    /// <summary>Opens a file to train on: layout, label column, names and every cell checked.</summary>
    public static CsvSource ForTraining(string path, CsvOptions options)
    {
        var format = CsvFormat.Detect(path, options.Separator, options.HasHeader);
        int label = format.ResolveLabel(options.LabelColumn);
        format.CheckNames(label);
        var features = format.ColumnNames.Select((n, i) => (n, i)).Where(p => p.i != label).ToArray();
        return new CsvSource(format, format.ColumnNames[label], label, features, CsvScan.Read(format, label));
    }

    /// <summary>
    /// Opens a file to score with a model whose input schema is <paramref name="schema"/> (the training file's loaded
    /// columns): with a header, columns are found by name; without, the file must have the schema's columns in order.
    /// </summary>
    public static CsvSource ForSchema(string path, CsvOptions options, DataViewSchema schema)
    {
        var format = CsvFormat.Detect(path, options.Separator, options.HasHeader);
        var columns = schema.Where(c => !c.IsHidden).ToArray();
        var label = columns.FirstOrDefault(c => c.Type is TextDataViewType);
        if (label.Name is null) throw new InvalidDataException("The model does not read a CSV file (its input has no text label column); use --data DIR for image models.");
        if (!format.HasHeader && format.ColumnNames.Length != columns.Length)
            throw new InvalidDataException($"{path}: {format.ColumnNames.Length} columns without a header, but the model reads {columns.Length}; give the file a header or the same columns.");
        int IndexOf(DataViewSchema.Column c, int position)
        {
            if (!format.HasHeader) return position;
            int i = Array.IndexOf(format.ColumnNames, c.Name);
            if (i < 0) throw new InvalidDataException($"{path}: the label column does not exist: no column '{c.Name}', which the model reads.");
            return i;
        }
        var indexed = columns.Select((c, position) => (c.Name, Index: IndexOf(c, position), IsLabel: c.Name == label.Name)).ToArray();
        int labelIndex = indexed.Single(c => c.IsLabel).Index;
        var renamed = format with { ColumnNames = format.ColumnNames.ToArray() };
        foreach (var c in indexed) renamed.ColumnNames[c.Index] = c.Name;
        var features = indexed.Where(c => !c.IsLabel).Select(c => (c.Name, c.Index)).ToArray();
        return new CsvSource(renamed, label.Name, labelIndex, features, CsvScan.Read(renamed, labelIndex));
    }

    /// <summary>Loads the file through ML.NET's <c>TextLoader</c> with columns built from its layout.</summary>
    public IDataView Load(MLContext ml)
    {
        var columns = new List<TextLoader.Column> { new(LabelName, DataKind.String, LabelIndex) };
        columns.AddRange(_features.Select(f => new TextLoader.Column(f.Name, DataKind.Single, f.Index)));
        return ml.Data.LoadFromTextFile(Format.Path, columns.ToArray(), Format.Separator, Format.HasHeader, allowQuoting: false, trimWhitespace: true);
    }
}
