using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch;

/// <summary>Rebuilds a <see cref="MinibatchTransformer"/> from a model file, refusing anything inconsistent.</summary>
internal sealed class MinibatchTransformerLoader : IModelLoader
{
    private const int MaxWidth = 1 << 24;

    public string Kind => MinibatchTransformer.KindName;

    public ITransformer Load(ModelLoadContext ctx)
    {
        var saved = ctx.GetOptions<SavedModel>();
        if (string.IsNullOrEmpty(saved.FeatureColumnName)) throw ctx.Error("the feature column name is missing");
        if (string.IsNullOrEmpty(saved.LabelColumnName)) throw ctx.Error("the label column name is missing");
        if (saved.InputSize is <= 0 or > MaxWidth) throw ctx.Error($"the input size {saved.InputSize} is out of range");
        if (saved.ClassCount is <= 0 or > 1 << 20) throw ctx.Error($"the class count {saved.ClassCount} is out of range");
        saved.HiddenLayers ??= Array.Empty<int>();
        if (saved.HiddenLayers.Length > 1024) throw ctx.Error($"{saved.HiddenLayers.Length} hidden layers is out of range");
        foreach (int h in saved.HiddenLayers)
            if (h is <= 0 or > MaxWidth) throw ctx.Error($"a hidden layer size of {h} is out of range");
        var options = saved.ToOptions();
        try
        {
            MinibatchTrainer.Validate(options);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw ctx.Error($"the saved option {e.ParamName} is invalid ({e.ActualValue})");
        }

        OrderedDictionary<string, Tensor> weights;
        using (var stream = ctx.OpenEntry(SavedModel.WeightsEntry))
            weights = StateDictFile.Load(stream, $"{ctx.FileName}:{SavedModel.WeightsEntry}");
        var expected = MinibatchNetwork.ExpectedShapes(saved.InputSize, saved.HiddenLayers, saved.ClassCount);
        foreach (var (key, shape) in expected)
        {
            if (!weights.TryGetValue(key, out var tensor))
                throw ctx.Error($"{SavedModel.WeightsEntry} has no '{key}' although the manifest's architecture needs it");
            if (!tensor.Shape.SequenceEqual(shape))
                throw ctx.Error($"{SavedModel.WeightsEntry} holds '{key}' with shape {tensor.ShapeString}, but the manifest says [{string.Join(", ", shape)}]");
            foreach (var v in tensor.AsSpan())
                if (!float.IsFinite(v)) throw ctx.Error($"{SavedModel.WeightsEntry} holds a non-finite value in '{key}'");
        }
        foreach (var key in weights.Keys)
            if (!expected.Any(e => e.Key == key))
                throw ctx.Error($"{SavedModel.WeightsEntry} holds '{key}', which the manifest's architecture does not have");

        var model = MinibatchNetwork.Create(saved.InputSize, saved.HiddenLayers, saved.ClassCount, new Generator(0));
        model.LoadStateDict(weights);

        MinibatchTransformer.LabelInfo label;
        if (saved.KeyValuesType != null)
        {
            if (ModelJson.ReadType(saved.KeyValuesType) is not VectorDataViewType type || type.Size != saved.ClassCount)
                throw ctx.Error($"the label's key values are not a vector of {saved.ClassCount.ToString(CultureInfo.InvariantCulture)} values");
            label = new MinibatchTransformer.LabelInfo(type, ModelJson.ReadValue(type, saved.KeyValues));
        }
        else
        {
            label = new MinibatchTransformer.LabelInfo(null, null);
        }
        return new MinibatchTransformer(model, saved.InputSize, saved.ClassCount, label, options, saved.ToHistory());
    }
}
