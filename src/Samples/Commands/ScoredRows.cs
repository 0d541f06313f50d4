using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Samples.Tabular;

namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>
/// Rows a saved model has scored, for evaluate, predict and report: an IDX split (the model's network on LoadIdx's
/// rows) or every row of a CSV file (the model file's whole ML.NET chain, as <c>ml.Model.Load</c> returns it, on
/// ML.NET's loader).
/// </summary>
/// <param name="Scored">The rows with Label (key), Score and PredictedLabel.</param>
/// <param name="ClassNames">The class names in key order (the label's key values).</param>
/// <param name="SplitName">What was scored: "test", "valid", or the CSV file's name.</param>
/// <param name="ImageRows">IDX: the image height; 0 for CSV.</param>
/// <param name="ImageColumns">IDX: the image width; 0 for CSV.</param>
/// <param name="ValueColumns">CSV: the feature columns as read from the file (shown instead of an image); empty for IDX.</param>
/// <param name="Network">The network, its history and options.</param>
internal sealed record ScoredRows(IDataView Scored, string[] ClassNames, string SplitName, int ImageRows, int ImageColumns,
    IReadOnlyList<string> ValueColumns, MinibatchTransformer Network)
{
    /// <summary>Whether the rows are images.</summary>
    public bool IsImage => ImageRows > 0;

    /// <summary>Loads the model and scores <paramref name="data"/>: a CSV file, or an IDX directory's split.</summary>
    public static ScoredRows Score(MLContext ml, string modelPath, string? data, string split, CsvOptions csv)
    {
        data = DataPath.Existing(data);
        var network = ModelCommandSupport.LoadModel(modelPath);
        if (data != null && File.Exists(data))
        {
            // ML.NET's own chain: label mapping, concatenation, normalisation and the network as ONNX.
            var chain = ml.Model.Load(modelPath, out DataViewSchema inputSchema);
            var source = CsvSource.ForSchema(data, csv, inputSchema, LabelClassesOf(chain.GetOutputSchema(inputSchema)));
            if (source.Format.Decision is { } decision) Console.Error.WriteLine(decision);
            var scored = chain.Transform(source.Load(ml));
            return new ScoredRows(scored, ClassNamesOf(scored.Schema), Path.GetFileName(data), 0, 0, source.FeatureNames, network);
        }
        var idx = IdxDataSource.Open(data, network.ClassCount, message => Console.Error.WriteLine(message));
        var files = idx.Files;
        string images = split == "test" ? files.TestImages : files.TrainImages, labels = split == "test" ? files.TestLabels : files.TrainLabels;
        // Only the header is needed here (the rows are read through LoadIdx's cursors): open and close the mapping.
        int count, imageRows, imageColumns;
        using (IdxImageFile header = IdxReader.OpenImages(images)) (count, imageRows, imageColumns) = (header.Count, header.Rows, header.Columns);
        var shape = (Count: count, Rows: imageRows, Columns: imageColumns, PixelsPerImage: imageRows * imageColumns);
        if (shape.PixelsPerImage != network.InputSize)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{images} holds {shape.Rows}×{shape.Columns} images ({shape.PixelsPerImage} pixels) but the model {modelPath} reads {network.InputSize} features."));
        var rows = ml.Data.LoadIdx(images, labels, network.ClassCount);
        if (split != "test")
        {
            int validCount = IdxDataSource.ValidationCount(shape.Count);
            rows = split == "valid" ? ml.Data.SkipRows(rows, shape.Count - validCount) : ml.Data.TakeRows(rows, shape.Count - validCount);
        }
        var scoredImages = network.Transform(rows);
        return new ScoredRows(scoredImages, ClassNamesOf(scoredImages.Schema), split, shape.Rows, shape.Columns, [], network);
    }

    /// <summary>The classes a CSV model's chain maps labels to: its Label column's key values.</summary>
    private static string[] LabelClassesOf(DataViewSchema schema)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        schema["Label"].GetKeyValues(ref names);
        return names.DenseValues().Select(m => m.ToString()).ToArray();
    }

    /// <summary>The class names: PredictedLabel's key values, else Score's slot names, else 0 … K-1.</summary>
    internal static string[] ClassNamesOf(DataViewSchema schema)
    {
        var predicted = schema["PredictedLabel"];
        int k = predicted.Type is KeyDataViewType key ? (int)key.Count : 0;
        if (predicted.Annotations.Schema.GetColumnOrNull("KeyValues")?.Type is VectorDataViewType { ItemType: TextDataViewType, Size: var size } && size == k)
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            predicted.GetKeyValues(ref names);
            return names.DenseValues().Select(m => m.ToString()).ToArray();
        }
        var score = schema["Score"];
        if (score.Annotations.Schema.GetColumnOrNull("SlotNames")?.Type is VectorDataViewType { Size: var slots } && slots == k)
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            score.GetSlotNames(ref names);
            return names.DenseValues().Select(m => m.ToString()).ToArray();
        }
        return Enumerable.Range(0, k).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
    }
}
