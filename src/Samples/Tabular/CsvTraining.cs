using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Samples.Tabular;

/// <summary>
/// The ML.NET pipeline `minibatch train --data file.csv` fits around the trainer: MapValueToKey on the label (keys in
/// order of first appearance, learned from the whole training file), Concatenate of every other column into Features,
/// NormalizeMinMax or NormalizeMeanVariance (learned from the training rows only), and a validation set: the seeded
/// TrainTestSplit or a file of its own.
/// </summary>
internal static class CsvTraining
{
    /// <summary>The prepared rows and the fitted transforms.</summary>
    /// <param name="Keys">The label mapping.</param>
    /// <param name="Prepare">Concatenation and normalisation.</param>
    /// <param name="Train">Training rows with Label (key) and Features.</param>
    /// <param name="Valid">Validation rows, the same columns.</param>
    /// <param name="InputSchema">The loaded file's schema, saved with the model.</param>
    /// <param name="Source">The checked training file.</param>
    internal sealed record Prepared(ITransformer Keys, ITransformer Prepare, IDataView Train, IDataView Valid, DataViewSchema InputSchema, CsvSource Source)
    {
        /// <summary>The whole chain with the trained model at its end: what the model file holds.</summary>
        public ITransformer Chain(ITransformer model) => new TransformerChain<ITransformer>(Keys, Prepare, model);
    }

    /// <summary>Checks and loads the file(s), fits the transforms and splits.</summary>
    public static Prepared Prepare(MLContext ml, string path, CsvOptions options, int seed)
    {
        if (options.Normalize is not ("none" or "minmax" or "meanvar"))
            throw new ArgumentOutOfRangeException("--normalize", options.Normalize, $"--normalize must be none, minmax or meanvar (got '{options.Normalize}').");
        if (options.ValidPath is null && !(options.ValidFraction > 0 && options.ValidFraction < 1))
            throw new ArgumentOutOfRangeException("--valid-fraction", options.ValidFraction, $"--valid-fraction must lie between 0 and 1 (got {options.ValidFraction}).");
        var source = CsvSource.ForTraining(path, options);
        if (source.Classes.Count < 2)
            throw new InvalidDataException($"{path}: a single class ('{source.Classes[0]}') in label column '{source.LabelName}'; a classifier needs at least two.");
        // An identifier or a measurement taken for the label gives nearly every row a class of its own: nothing to learn.
        if (source.Scan.RowCount >= 10 && source.Classes.Count > source.Scan.RowCount / 2)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{path}: label column '{source.LabelName}' has {source.Classes.Count} different values in {source.Scan.RowCount} rows, too few rows per class to learn; is it the label? (--label-column names another)"));
        if (source.Format.Decision is { } decision) Console.Error.WriteLine(decision);
        IDataView raw = source.Load(ml);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label", source.LabelName).Fit(raw);

        IDataView train, valid;
        if (options.ValidPath is { } validPath)
        {
            var validSource = CsvSource.ForSchema(validPath, options with { LabelColumn = null }, raw.Schema, source.Classes);
            if (validSource.Format.Decision is { } validDecision) Console.Error.WriteLine(validDecision);
            train = keys.Transform(raw);
            valid = keys.Transform(validSource.Load(ml));
        }
        else
        {
            var split = ml.Data.TrainTestSplit(keys.Transform(raw), options.ValidFraction, seed: seed);
            (train, valid) = (split.TrainSet, split.TestSet);
            // The split draws each row's side at random: a few rows can leave either side empty.
            long validRows = RowCount.Of(valid), trainRows = source.Scan.RowCount - validRows;
            if (validRows == 0 || trainRows == 0)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: --valid-fraction {options.ValidFraction} leaves {(validRows == 0 ? "no validation rows" : "no training rows")} of its {source.Scan.RowCount}; give a {(validRows == 0 ? "larger" : "smaller")} fraction, more rows, or --valid FILE."));
        }
        var concatenate = ml.Transforms.Concatenate("Features", source.FeatureNames.ToArray());
        ITransformer prepare = options.Normalize switch
        {
            "minmax" => concatenate.Append(ml.Transforms.NormalizeMinMax("Features")).Fit(train),
            "meanvar" => concatenate.Append(ml.Transforms.NormalizeMeanVariance("Features")).Fit(train),
            _ => concatenate.Fit(train),
        };
        // Streamed from the file through the transforms: the trainer keeps the rows it reads (in memory, or in its
        // memory-mapped file beyond Options.RowMemoryLimit), so no second copy is made here.
        return new Prepared(keys, prepare, prepare.Transform(train), prepare.Transform(valid), raw.Schema, source);
    }
}
