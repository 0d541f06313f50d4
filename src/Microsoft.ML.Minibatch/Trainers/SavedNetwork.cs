using System.Text.Json;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Onnx;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// Turns a <see cref="MinibatchTransformer"/> into the ONNX model that travels inside an ML.NET zip, and such a model
/// back into our transformer — refusing anything inconsistent: a newer format, an option out of range, weights
/// whose shapes do not match the architecture, a non-finite weight, or weights whose SHA-256 differs from the one
/// saved with them.
/// </summary>
internal static class SavedNetwork
{
    private const int MaxWidth = 1 << 24;

    /// <summary>The ONNX model of <paramref name="model"/> in <paramref name="layout"/>, with our metadata.</summary>
    /// <param name="model">The transformer.</param>
    /// <param name="layout">One row or a batch per run.</param>
    /// <param name="producerVersion">The library version to record; this one's when null.</param>
    /// <param name="format">The <see cref="SavedModel.Format"/> to write: <see cref="SavedModel.CurrentFormat"/> when
    /// null; the format of an older file only to rewrite that file as it was written (before format 3 without the
    /// no-prediction guard).</param>
    public static byte[] ToOnnx(MinibatchTransformer model, OnnxLayout layout, string? producerVersion = null, int? format = null)
    {
        var saved = SavedModel.From(model, model.TrainingOptions, format);
        string json = JsonSerializer.Serialize(saved, SavedModel.Json);
        return OnnxMlp.Write(model.Model, layout, model.FeatureColumnName, model.LabelKeyValues.SlotNames,
            new[] { new KeyValuePair<string, string>(SavedModel.MetadataKey, json) }, producerVersion, model.Deskew,
            guardNonFinite: saved.Format >= SavedModel.GuardedFormat);
    }

    /// <summary>Whether an ONNX model's metadata marks it as one of ours.</summary>
    public static bool IsOurs(OnnxMlpContents contents) => contents.Metadata.Any(p => p.Key == SavedModel.MetadataKey);

    /// <summary>Rebuilds the transformer; <paramref name="source"/> names the model in error messages, and
    /// <paramref name="format"/> receives the file's <see cref="SavedModel.Format"/> (which <see cref="ToOnnx"/> needs to
    /// rewrite the file as it was written).</summary>
    public static MinibatchTransformer FromOnnx(OnnxMlpContents contents, string source, out int format)
    {
        InvalidDataException Error(string problem) => new($"{source}: {problem}.");

        string? json = contents.Metadata.LastOrDefault(p => p.Key == SavedModel.MetadataKey).Value;
        if (json is null) throw Error("the ONNX model holds no minibatch network");
        SavedModel saved;
        try
        {
            saved = JsonSerializer.Deserialize<SavedModel>(json, SavedModel.Json) ?? throw Error("the network's description is empty");
        }
        catch (JsonException e)
        {
            throw Error($"the network's description is not valid ({e.Message})");
        }
        if (saved.Format is < 1 or > SavedModel.CurrentFormat) throw Error($"format {saved.Format} is not one this version reads (it reads 1 to {SavedModel.CurrentFormat})");
        // Formats 1 and 2 had one meaning each: a deskewing model was always 2, any other always 1.
        if (saved.Format < SavedModel.GuardedFormat && saved.Format != (saved.Deskew ? 2 : 1))
            throw Error($"format {saved.Format} does not match its deskewing setting ({saved.Deskew})");
        format = saved.Format;
        if (string.IsNullOrEmpty(saved.FeatureColumnName)) throw Error("the feature column name is missing");
        if (string.IsNullOrEmpty(saved.LabelColumnName)) throw Error("the label column name is missing");
        if (saved.InputSize is <= 0 or > MaxWidth) throw Error($"the input size {saved.InputSize} is out of range");
        if (saved.ClassCount is <= 0 or > 1 << 20) throw Error($"the class count {saved.ClassCount} is out of range");
        saved.HiddenLayers ??= Array.Empty<int>();
        if (saved.HiddenLayers.Length > 1024) throw Error($"{saved.HiddenLayers.Length} hidden layers is out of range");
        foreach (int h in saved.HiddenLayers)
            if (h is <= 0 or > MaxWidth) throw Error($"a hidden layer size of {h} is out of range");
        if (saved.LearningRateFinder is { } finder && (finder.LearningRates is null || finder.Losses is null
            || finder.LearningRates.Length != finder.Losses.Length || finder.LearningRates.Length > 1 << 20))
            throw Error("the learning-rate finder's curve is malformed (its rates and losses must be two lists of the same length)");
        var options = saved.ToOptions();
        try
        {
            MinibatchTrainer.Validate(options);
            MinibatchTrainer.DeskewOf(options, saved.InputSize);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw Error($"the saved option {e.ParamName} is invalid ({e.ActualValue})");
        }

        var weights = contents.Initializers;
        var expected = MinibatchNetwork.ExpectedShapes(saved.InputSize, saved.HiddenLayers, saved.ClassCount, saved.DropoutRate != 0);
        foreach (var (key, shape) in expected)
        {
            if (!weights.TryGetValue(key, out var tensor))
                throw Error($"the ONNX model has no '{key}' although the network's architecture needs it");
            if (!tensor.Shape.SequenceEqual(shape))
                throw Error($"the ONNX model holds '{key}' with shape {tensor.ShapeString}, but the architecture says [{string.Join(", ", shape)}]");
            foreach (var v in tensor.AsSpan())
                if (!float.IsFinite(v)) throw Error($"the ONNX model holds a non-finite value in '{key}'");
        }
        // Dropout rebuilt with the saved rate, so the keys are the trained ones; the transformer keeps the network in evaluation mode.
        var model = MinibatchNetwork.Create(saved.InputSize, saved.HiddenLayers, saved.ClassCount, new Generator(0),
            double.Parse(saved.DropoutRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture));
        model.LoadStateDict(expected.ToDictionary(e => e.Key, e => weights[e.Key]));
        if (!string.Equals(SavedModel.WeightsHash(model), saved.WeightsSha256, StringComparison.OrdinalIgnoreCase))
            throw Error("the weights' SHA-256 differs from the one saved with them: the file was changed or damaged");

        var keyValues = LabelKeyValues.None;
        if (saved.KeyValuesType != null || saved.KeyValues != null)
        {
            if (saved.KeyValuesType is null || saved.KeyValues is null) throw Error("the label's key values are incomplete");
            try
            {
                keyValues = KeyValuesJson.Read(saved.KeyValuesType, saved.KeyValues, saved.ClassCount);
            }
            catch (FormatException e)
            {
                throw Error($"the label's key values are invalid: {e.Message}");
            }
        }
        return new MinibatchTransformer(model, saved.InputSize, saved.ClassCount, keyValues, options, saved.ToHistory());
    }
}
