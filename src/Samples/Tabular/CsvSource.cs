using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Samples.Tabular;

/// <summary>
/// A CSV file checked and ready for ML.NET's own <c>LoadFromTextFile</c>: one loader column per column used, in file
/// order, named after the header (c0, c1, … without one); the label as text, every feature a Single.
/// </summary>
internal sealed class CsvSource
{
    private readonly (string Name, int Index)[] _features;
    private readonly IReadOnlyDictionary<string, string>? _labelSpelling;

    private CsvSource(CsvFormat format, string labelName, int labelIndex, (string Name, int Index)[] features, CsvScan scan,
        IReadOnlyDictionary<string, string>? labelSpelling = null)
    {
        Format = format;
        LabelName = labelName;
        LabelIndex = labelIndex;
        _features = features;
        Scan = scan;
        _labelSpelling = labelSpelling;
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

    /// <summary>The classes the label values name, in order of first appearance (one number written in several ways is
    /// one class).</summary>
    public IReadOnlyList<string> Classes => _labelSpelling is null ? Scan.LabelValues : Scan.LabelValues.Select(v => _labelSpelling[v]).Distinct().ToArray();

    /// <summary>Opens a file to train on: layout, label column, names and every cell checked.</summary>
    public static CsvSource ForTraining(string path, CsvOptions options)
    {
        var format = CsvFormat.Detect(path, options.Separator, options.HasHeader);
        int label = format.ResolveLabel(options.LabelColumn);
        format.CheckNames(label);
        var features = format.ColumnNames.Select((n, i) => (n, i)).Where(p => p.i != label).ToArray();
        var scan = CsvScan.Read(format, label, features.Select(f => f.i).ToArray());
        return new CsvSource(format, format.ColumnNames[label], label, features, scan, LabelMatch.Canonical(scan));
    }

    /// <summary>
    /// Opens a file to score with a model whose input schema is <paramref name="schema"/> (the training file's loaded
    /// columns, in the training file's order) and whose classes are <paramref name="classes"/>. Each column the model
    /// reads is found in the file by its header name; a model trained on a file without a header (columns c0, c1, …)
    /// reads column i as ci; a file without a header, for a model with names, must have the training file's columns in
    /// the training file's order. Label values are matched with the classes by text or by number (1.0 is class 1).
    /// </summary>
    /// <exception cref="InvalidDataException">A column the model reads is missing, a cell is bad, or a label is unknown.</exception>
    public static CsvSource ForSchema(string path, CsvOptions options, DataViewSchema schema, IReadOnlyList<string> classes)
    {
        var format = CsvFormat.Detect(path, options.Separator, options.HasHeader);
        var columns = schema.Where(c => !c.IsHidden).ToArray();
        var label = columns.FirstOrDefault(c => c.Type is TextDataViewType);
        if (label.Name is null) throw new InvalidDataException("The model does not read a CSV file (its input has no text label column); use --data DIR for image models.");
        var indexed = columns.Select((c, position) => (c.Name, Index: FileIndex(format, columns, c.Name, position, c.Name == label.Name))).ToArray();
        int labelIndex = indexed.Single(c => c.Name == label.Name).Index;
        var renamed = format with { ColumnNames = format.ColumnNames.ToArray() };
        foreach (var c in indexed) renamed.ColumnNames[c.Index] = c.Name;
        var features = indexed.Where(c => c.Name != label.Name).ToArray();
        var scan = CsvScan.Read(renamed, labelIndex, features.Select(f => f.Index).ToArray());
        return new CsvSource(renamed, label.Name, labelIndex, features, scan, LabelMatch.Map(path, scan, classes));
    }

    /// <summary>Where in <paramref name="format"/>'s file the model's column <paramref name="name"/> (at
    /// <paramref name="position"/> among the model's <paramref name="columns"/>) is.</summary>
    private static int FileIndex(CsvFormat format, DataViewSchema.Column[] columns, string name, int position, bool isLabel)
    {
        string role = isLabel ? "the label column" : "the feature column";
        // A model trained on a file without a header names column i "ci", whatever this file's header says.
        bool generatedNames = columns.Select(c => c.Name).Order(StringComparer.Ordinal)
            .SequenceEqual(Enumerable.Range(0, columns.Length).Select(CsvFormat.GeneratedName).Order(StringComparer.Ordinal));
        if (generatedNames || !format.HasHeader)
        {
            if (format.ColumnNames.Length != columns.Length)
                throw new InvalidDataException($"{format.Path}: {format.ColumnNames.Length} columns{(format.HasHeader ? "" : " without a header")}, but the model reads {columns.Length}; {(generatedNames ? "give the file the training file's columns, in its order" : "give the file a header or the training file's columns, in its order")}.");
            return generatedNames ? int.Parse(name.AsSpan(1), provider: System.Globalization.CultureInfo.InvariantCulture) : position;
        }
        int index = Array.IndexOf(format.ColumnNames, name);
        if (index < 0) throw new InvalidDataException($"{format.Path}: {role} '{name}', which the model reads, is not in the file's header.");
        return index;
    }

    /// <summary>Loads the file through ML.NET's <c>TextLoader</c> with columns built from its layout, each label value
    /// spelled as its class.</summary>
    /// <exception cref="InvalidDataException">ML.NET's loader reads a label the checking pass did not see.</exception>
    public IDataView Load(MLContext ml)
    {
        var columns = _features.Select(f => new TextLoader.Column(f.Name, DataKind.Single, f.Index))
            .Append(new TextLoader.Column(LabelName, DataKind.String, LabelIndex))
            .OrderBy(c => c.Source[0].Min).ToArray();
        IDataView rows = ml.Data.LoadFromTextFile(Format.Path, columns, Format.Separator, Format.HasHeader, allowQuoting: true, trimWhitespace: true);
        // The loader keeps the spaces after a text cell (its trimming is for line ends): map each label as it reads it
        // to the class the checking pass found for the cell.
        var spelling = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string read in rows.GetColumn<ReadOnlyMemory<char>>(LabelName).Select(m => m.ToString()).Distinct())
        {
            string cell = CsvFormat.Cell(read);
            string? label = _labelSpelling is null ? (Scan.LabelCounts.ContainsKey(cell) ? cell : null) : _labelSpelling.GetValueOrDefault(cell);
            spelling[read] = label ?? throw new InvalidDataException($"{Format.Path}: ML.NET's loader reads a label '{read}' in column {LabelIndex} that the file's check did not see; check the file's quoting.");
        }
        if (spelling.All(p => p.Key == p.Value)) return rows;
        return ml.Transforms.Conversion.MapValue(LabelName, spelling, LabelName).Fit(rows).Transform(rows);
    }
}
