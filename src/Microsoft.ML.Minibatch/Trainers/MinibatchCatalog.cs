using Microsoft.ML.Minibatch;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;

namespace Microsoft.ML;

/// <summary>
/// The catalog methods of Microsoft.ML.Minibatch, attached to ML.NET's own catalogs as ML.NET's satellite packages
/// attach theirs: <c>ml.MulticlassClassification.Trainers.Minibatch(…)</c> and <c>ml.Data.LoadIdx(…)</c>.
/// </summary>
public static class MinibatchCatalog
{
    /// <summary>Creates a <see cref="MinibatchTrainer"/> from loose arguments (the other options keep their defaults).</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The label column, a <c>Key&lt;UInt32&gt;</c>.</param>
    /// <param name="featureColumnName">The feature column, a known-size vector of <see cref="float"/>.</param>
    /// <param name="hiddenLayers">The hidden layer sizes; <see langword="null"/> means { 50 }, empty means none.</param>
    /// <param name="batchSize">Rows per training batch.</param>
    /// <param name="numberOfEpochs">Passes over the training rows; <see langword="null"/> chooses them from the data (see
    /// <see cref="MinibatchTrainer.Options.NumberOfEpochs"/>).</param>
    /// <param name="learningRate">The learning rate.</param>
    /// <param name="sampler">The order of the training rows.</param>
    /// <returns>The trainer.</returns>
    public static MinibatchTrainer Minibatch(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int[]? hiddenLayers = null, int batchSize = 64,
        int? numberOfEpochs = null, float learningRate = 0.5f, SamplerKind sampler = SamplerKind.Random)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MinibatchTrainer(CatalogEnvironment.Of(catalog), new MinibatchTrainer.Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            HiddenLayers = hiddenLayers ?? new[] { 50 },
            BatchSize = batchSize,
            NumberOfEpochs = numberOfEpochs,
            LearningRate = learningRate,
            Sampler = sampler,
        });
    }

    /// <summary>Creates a <see cref="MinibatchTrainer"/> from <paramref name="options"/> (validated now).</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">The options.</param>
    /// <returns>The trainer.</returns>
    public static MinibatchTrainer Minibatch(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        MinibatchTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new MinibatchTrainer(CatalogEnvironment.Of(catalog), options);
    }

    /// <summary>
    /// Loads an IDX image file and its label file (raw or .gz, as MNIST distributes them) as an <see cref="IDataView"/>
    /// with <c>Features</c> (Vector&lt;Single, rows·cols&gt;, pixels / 255) and <c>Label</c> (Key&lt;UInt32, K&gt; with
    /// key values "0" … "K-1"; label b is key b + 1).
    /// </summary>
    /// <param name="catalog">The data catalog.</param>
    /// <param name="imagesPath">The images file (e.g. <c>train-images-idx3-ubyte.gz</c>).</param>
    /// <param name="labelsPath">The labels file (e.g. <c>train-labels-idx1-ubyte.gz</c>).</param>
    /// <param name="classCount">K, 1 to 256; <see langword="null"/> takes the largest label + 1. Give it when a file may
    /// lack the highest classes (a subset), so that its key type matches the model's.</param>
    /// <returns>The rows, in file order.</returns>
    /// <remarks>
    /// A raw images file is not read into memory: each cursor over the view maps it (read-only, so files beyond 2 GB
    /// work) and unmaps it when the cursor is disposed, so nothing holds the file between passes or after a fit. A gzip
    /// file cannot be mapped; it is read into memory once, as bytes, which limits it to 2 GB of pixels. The labels are
    /// read now.
    /// </remarks>
    /// <exception cref="InvalidDataException">A file is malformed or holds a label of <paramref name="classCount"/> or
    /// more; the message names it and the problem.</exception>
    public static IDataView LoadIdx(this DataOperationsCatalog catalog, string imagesPath, string labelsPath, int? classCount = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(imagesPath);
        byte[] labels = IdxReader.ReadLabels(labelsPath, classCount ?? MaxClassCount);
        int k = classCount ?? (labels.Length == 0 ? 1 : labels.Max() + 1);
        return IdxDataView.Open(imagesPath, labels, k, labelsPath);
    }

    /// <summary>IDX labels are bytes.</summary>
    private const int MaxClassCount = 256;

    /// <summary>
    /// Saves a model like <c>ml.Model.Save(model, inputSchema, filePath)</c>, but atomically: ML.NET's own method
    /// truncates the file first, so a failure halfway leaves a damaged model; this one writes a temporary file beside
    /// it and replaces the target only once the zip is complete.
    /// </summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="model">The model to save (any ML.NET transformer or chain).</param>
    /// <param name="inputSchema">The input schema to store with it, or <see langword="null"/>.</param>
    /// <param name="filePath">The .zip to write.</param>
    public static void SaveAtomically(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        AtomicFile.Write(filePath, stream => catalog.Save(model, inputSchema, stream));
    }
}
