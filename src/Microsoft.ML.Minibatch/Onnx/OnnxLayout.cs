namespace Microsoft.ML.Minibatch.Onnx;

/// <summary>The tensor shapes an ONNX graph written by <see cref="OnnxMlp"/> takes and returns.</summary>
internal enum OnnxLayout
{
    /// <summary>
    /// One example per run: input [F] → <c>Score</c> [K] and <c>PredictedLabel.Index</c> int64 [1], all fixed, because
    /// ML.NET's <c>OnnxTransformer</c> types a fixed [K] output as <c>Vector&lt;Single, K&gt;</c> but a symbolic batch
    /// dimension as <c>Vector&lt;Single, 1, K&gt;</c>, which downstream components reject.
    /// </summary>
    Row,

    /// <summary>
    /// The portable export: input [N, F] with a symbolic N → <c>Score</c> [N, K] and <c>PredictedLabel.Index</c>
    /// int64 [N, 1] (the arg-max keeps its class axis, as in <see cref="Row"/>).
    /// </summary>
    Batch,
}
