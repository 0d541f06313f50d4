using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Onnx;

/// <summary>What <see cref="OnnxMlp.Read"/> recovers from an ONNX model that <see cref="OnnxMlp.Write"/> wrote.</summary>
/// <param name="Layout">The layout, told by the input's rank.</param>
/// <param name="InputName">The graph input's name.</param>
/// <param name="FeatureCount">The input's last (feature) dimension.</param>
/// <param name="Metadata">The model's <c>metadata_props</c>, in file order.</param>
/// <param name="Initializers">The float initializers by name, in file order: the state dict under its PyTorch keys.</param>
/// <param name="ProducerVersion">The version of the library that wrote the model ("" when absent).</param>
internal sealed record OnnxMlpContents(
    OnnxLayout Layout,
    string InputName,
    int FeatureCount,
    IReadOnlyList<KeyValuePair<string, string>> Metadata,
    IReadOnlyDictionary<string, Tensor> Initializers,
    string ProducerVersion);
