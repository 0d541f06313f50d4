using System.Globalization;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;
using static Microsoft.ML.Minibatch.Onnx.OnnxProto;

namespace Microsoft.ML.Minibatch.Onnx;

/// <summary>
/// Writes a <c>Linear, ReLU, …, Linear</c> network as an ONNX graph that outputs softmax probabilities and the arg-max,
/// and reads such a file back. The protobuf is written and parsed by hand: the graph is a dozen nodes, and a reader of
/// our own can be made robust against arbitrary bytes.
/// </summary>
/// <remarks>
/// The initializers are exactly the network's state dict under its PyTorch keys (<c>0.weight</c> [out × in] as stored,
/// <c>0.bias</c>, <c>2.weight</c>, …), which <c>Gemm</c> with <c>transB = 1</c> consumes unchanged, so a reader gets
/// the weights back bit for bit.
/// </remarks>
internal static class OnnxMlp
{
    /// <summary>The probabilities output.</summary>
    public const string ScoreName = "Score";

    /// <summary>The arg-max output (int64, the class axis kept with size 1); <see cref="NoPrediction"/> for a row
    /// without a prediction.</summary>
    public const string PredictedLabelIndexName = "PredictedLabel.Index";

    /// <summary>The arg-max output of a row that has no prediction (a NaN or infinite feature, or probabilities that
    /// overflowed to NaN), whose <see cref="ScoreName"/> is then all NaN. Outside 0 … K−1, so no consumer can take it for
    /// a class; in ML.NET's chain it has no entry in the class lookup and becomes key 0, the missing key.</summary>
    public const long NoPrediction = -1;

    /// <summary>The <c>producer_name</c> written, and required by <see cref="Read"/>.</summary>
    public const string ProducerName = "Microsoft.ML.Minibatch";

    // ML.NET's OnnxTransformer gives output column X slot names when the graph has a node named "mlnet.X.SlotNames"
    // with a "keys_strings" attribute; its own exporter writes them as an ai.onnx.ml LabelEncoder, and the
    // OnnxTransformer hides values named "mlnet.*.unusedInput" / "mlnet.*.unusedOutput".
    private const string SlotNamesNode = "mlnet.Score.SlotNames";
    private const string SlotNamesInput = "mlnet.Score.unusedInput";
    private const string SlotNamesOutput = "mlnet.Score.unusedOutput";

    // Names of intermediate values start with this, so they cannot clash with the PyTorch keys.
    private const string InternalPrefix = "minibatch.";
    private const string AxesName = InternalPrefix + "axes";
    private const string BatchDimension = "N";

    // IR 8 with opset 13 (Softmax over one axis; Squeeze/Unsqueeze taking axes as an input) loads in every ONNX Runtime
    // since 1.10; ai.onnx.ml 2 is the first LabelEncoder with keys_strings/values_int64s as used here.
    private const long IrVersion = 8;
    private const long OnnxOpset = 13;
    // A deskewing model samples the sheared image with GridSample, which opset 16 introduced (ONNX Runtime 1.12+).
    private const long DeskewOpset = 16;
    private const string MlDomain = "ai.onnx.ml";
    private const long MlOpset = 2;

    /// <summary>Serialises <paramref name="model"/> as an ONNX model.</summary>
    /// <param name="model">The network: <c>Linear</c>, then any number of <c>ReLU, Linear</c> pairs or <c>ReLU, Dropout, Linear</c>
    /// triples (no node is written for a Dropout: inference is evaluation mode).</param>
    /// <param name="layout">Whether the graph takes one example or a batch.</param>
    /// <param name="inputName">The graph input's name (for ML.NET, the feature column's name).</param>
    /// <param name="slotNames">Names of the K classes, given to ML.NET's <c>Score</c> column as slot names; or null.</param>
    /// <param name="metadata">Written to <c>metadata_props</c> in this order.</param>
    /// <param name="producerVersion">The <c>producer_version</c>; this library's version when null (a reader that
    /// rewrites a file to compare it passes the file's own).</param>
    /// <param name="deskew">Deskews each row before the first layer (<see cref="ImageDeskew"/>), or null.</param>
    /// <param name="guardNonFinite">Whether a row with a NaN or infinite feature (or probabilities that overflowed to NaN)
    /// gets NaN scores and the label <see cref="NoPrediction"/>. Always true for new models; false only to rewrite,
    /// byte for byte, a file written before the guard existed (model format 1 and 2).</param>
    /// <returns>The ONNX model bytes.</returns>
    /// <exception cref="ArgumentException">The network is not such an MLP, the slot names are not K, or the input name
    /// clashes with a name the graph uses.</exception>
    public static byte[] Write(Sequential model, OnnxLayout layout, string inputName, IReadOnlyList<string>? slotNames,
        IReadOnlyList<KeyValuePair<string, string>> metadata, string? producerVersion = null, ImageDeskew? deskew = null,
        bool guardNonFinite = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(inputName);
        ArgumentNullException.ThrowIfNull(metadata);
        if (!Enum.IsDefined(layout)) throw new ArgumentOutOfRangeException(nameof(layout), layout, "Unknown layout.");
        var layers = WithoutDropout(model.NamedChildren().ToList());
        var (featureCount, classCount) = Validate(layers);
        if (deskew != null && deskew.PixelCount != featureCount)
            throw new ArgumentException($"The network reads {featureCount} features, not {deskew.Height} × {deskew.Width} pixels.", nameof(deskew));
        var stateDict = model.StateDict();
        if (slotNames is not null && slotNames.Count != classCount)
        {
            throw new ArgumentException($"{slotNames.Count} slot names were given for {classCount} classes.", nameof(slotNames));
        }
        if (inputName is ScoreName or PredictedLabelIndexName || inputName.StartsWith(InternalPrefix, StringComparison.Ordinal)
            || inputName.StartsWith("mlnet.", StringComparison.Ordinal) || stateDict.ContainsKey(inputName))
        {
            throw new ArgumentException($"The input name '{inputName}' clashes with a name the graph uses.", nameof(inputName));
        }

        var writer = new ProtoWriter();
        writer.WriteInt64(ModelIrVersion, IrVersion);
        writer.WriteString(ModelProducerName, ProducerName);
        writer.WriteString(ModelProducerVersion, producerVersion ?? typeof(OnnxMlp).Assembly.GetName().Version?.ToString() ?? "0");
        WriteOpset(writer, "", deskew is null ? OnnxOpset : DeskewOpset);
        if (slotNames is not null) WriteOpset(writer, MlDomain, MlOpset);
        foreach (var (key, value) in metadata)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(metadata));
            ArgumentNullException.ThrowIfNull(value, nameof(metadata));
            writer.WriteMessage(ModelMetadataProps, entry =>
            {
                entry.WriteString(EntryKey, key);
                entry.WriteString(EntryValue, value);
            });
        }
        // The graph goes last, so any truncated copy of the file loses or cuts it and Read rejects it.
        writer.WriteMessage(ModelGraph, graph => WriteGraph(graph, layers, stateDict, layout, inputName, featureCount, classCount, slotNames, deskew, guardNonFinite));
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Parses a model that <see cref="Write"/> wrote.</summary>
    /// <param name="bytes">The file's bytes; anything at all.</param>
    /// <param name="source">Names the bytes in error messages.</param>
    /// <returns>The layout, input, metadata and weights.</returns>
    /// <exception cref="InvalidDataException">The bytes are not such a model; the message names <paramref name="source"/>
    /// and the problem. No other exception comes from the bytes.</exception>
    public static OnnxMlpContents Read(ReadOnlySpan<byte> bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var reader = new ProtoReader(bytes, source);
        var metadata = new List<KeyValuePair<string, string>>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        string? producer = null, producerVersion = null;
        (string Name, OnnxLayout Layout, int Features)? input = null;
        OrderedDictionary<string, Tensor>? initializers = null;
        while (reader.TryReadTag(out int field, out int wireType))
        {
            switch (field)
            {
                case ModelProducerName:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "producer_name");
                    producer = reader.ReadString();
                    break;
                case ModelProducerVersion:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "producer_version");
                    producerVersion = reader.ReadString();
                    break;
                case ModelGraph:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "graph");
                    if (initializers is not null) throw reader.Fail("more than one graph");
                    (input, initializers) = ReadGraph(reader.ReadMessage());
                    break;
                case ModelMetadataProps:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "metadata_props");
                    var (key, value) = ReadEntry(reader.ReadMessage());
                    if (!keys.Add(key)) throw reader.Fail($"metadata key '{key}' appears twice");
                    metadata.Add(new(key, value));
                    break;
                default:
                    reader.Skip(field, wireType);
                    break;
            }
        }
        if (producer != ProducerName) throw reader.Fail($"producer is '{producer}', not '{ProducerName}'");
        if (initializers is null || input is null) throw reader.Fail("no graph");
        return new OnnxMlpContents(input.Value.Layout, input.Value.Name, input.Value.Features, metadata, initializers, producerVersion ?? "");
    }

    /// <summary>The layers the graph computes: a Dropout right after a ReLU is left out, as inference runs in evaluation
    /// mode where it is the identity (the remaining layers keep their names, so the initializers keep the state-dict keys).</summary>
    private static List<(string Name, Module Module)> WithoutDropout(List<(string Name, Module Module)> layers) =>
        layers.Where((layer, i) => !(layer.Module is Dropout && i > 0 && layers[i - 1].Module is ReLU)).ToList();

    private static (int Features, int Classes) Validate(List<(string Name, Module Module)> layers)
    {
        const string expected = "The model must be Linear, then any number of ReLU, Linear pairs";
        if (layers.Count % 2 == 0) throw new ArgumentException($"{expected}; it has {layers.Count} layers.", "model");
        int width = -1;
        for (int i = 0; i < layers.Count; i++)
        {
            var (name, layer) = layers[i];
            if (i % 2 == 1)
            {
                if (layer is not ReLU) throw new ArgumentException($"{expected}; layer '{name}' is a {layer.GetType().Name}.", "model");
                continue;
            }
            if (layer is not Linear linear) throw new ArgumentException($"{expected}; layer '{name}' is a {layer.GetType().Name}.", "model");
            if (linear.InFeatures == 0 || linear.OutFeatures == 0) throw new ArgumentException($"Layer '{name}' has a zero size.", "model");
            if (width >= 0 && linear.InFeatures != width)
            {
                throw new ArgumentException($"Layer '{name}' takes {linear.InFeatures} features, but the layer before gives {width}.", "model");
            }
            width = linear.OutFeatures;
        }
        return (((Linear)layers[0].Module).InFeatures, width);
    }

    private static void WriteGraph(ProtoWriter graph, List<(string Name, Module Module)> layers,
        OrderedDictionary<string, Tensor> stateDict, OnnxLayout layout, string inputName, int featureCount, int classCount,
        IReadOnlyList<string>? slotNames, ImageDeskew? deskew, bool guardNonFinite)
    {
        bool row = layout == OnnxLayout.Row;
        graph.WriteString(GraphName, "mlp");
        string x = inputName;
        if (row)
        {
            // Gemm needs a matrix: view the [F] row as [1, F] here and squeeze the class axis back out at the end.
            WriteNode(graph, "Constant", [], AxesName, node => WriteAttribute(node, "value", tensor => WriteInt64Tensor(tensor, 0)));
            WriteNode(graph, "Unsqueeze", [inputName, AxesName], x = InternalPrefix + "row");
        }
        if (deskew != null) x = WriteDeskew(graph, x, deskew);
        foreach (var (name, layer) in layers)
        {
            string output = InternalPrefix + "layer" + name;
            if (layer is Linear linear)
            {
                string[] inputs = linear.Bias is null ? [x, name + ".weight"] : [x, name + ".weight", name + ".bias"];
                WriteNode(graph, "Gemm", inputs, output, node => WriteAttribute(node, "transB", 1));
            }
            else
            {
                WriteNode(graph, "Relu", [x], output);
            }
            x = output;
        }
        // Without the guard the softmax and arg-max are the outputs themselves (as files written before it have them).
        string scores = guardNonFinite ? InternalPrefix + "score" : ScoreName;
        string labels = guardNonFinite ? InternalPrefix + "argmax" : PredictedLabelIndexName;
        string probabilities = row ? InternalPrefix + "probabilities" : scores;
        WriteNode(graph, "Softmax", [x], probabilities, node => WriteAttribute(node, "axis", -1));
        if (row) WriteNode(graph, "Squeeze", [probabilities, AxesName], scores);
        WriteNode(graph, "ArgMax", [scores], labels, node =>
        {
            WriteAttribute(node, "axis", -1);
            WriteAttribute(node, "keepdims", 1);
        });
        if (guardNonFinite) WriteNoPredictionGuard(graph, inputName, scores, labels);
        if (slotNames is not null)
        {
            // Only the node's name and keys_strings matter to ML.NET; the rest makes it a valid node that computes
            // nothing anyone reads (ONNX Runtime drops it, as no graph output depends on it).
            WriteNode(graph, "Constant", [], SlotNamesInput, node => WriteAttribute(node, "value", WriteStringTensor));
            WriteNode(graph, "LabelEncoder", [SlotNamesInput], SlotNamesOutput, node =>
            {
                WriteAttribute(node, "keys_strings", slotNames);
                WriteAttribute(node, "values_int64s", Enumerable.Range(0, classCount).Select(i => (long)i));
            }, SlotNamesNode, MlDomain);
        }
        foreach (var (key, tensor) in stateDict)
        {
            graph.WriteMessage(GraphInitializer, proto => WriteFloatTensor(proto, key, tensor));
        }
        long[] featureShape = row ? [featureCount] : [-1, featureCount];
        long[] scoreShape = row ? [classCount] : [-1, classCount];
        long[] labelShape = row ? [1] : [-1, 1];
        graph.WriteMessage(GraphInput, value => WriteValueInfo(value, inputName, DataTypeFloat, featureShape));
        graph.WriteMessage(GraphOutput, value => WriteValueInfo(value, ScoreName, DataTypeFloat, scoreShape));
        graph.WriteMessage(GraphOutput, value => WriteValueInfo(value, PredictedLabelIndexName, DataTypeInt64, labelShape));
    }

    /// <summary>
    /// Writes the outputs <see cref="ScoreName"/> and <see cref="PredictedLabelIndexName"/> from <paramref name="scores"/>
    /// and <paramref name="labels"/>, except that a row whose <paramref name="input"/> holds a NaN or ±∞, or whose
    /// probabilities are NaN (a logit overflowed), gets all-NaN scores and <see cref="NoPrediction"/>: ML.NET's missing
    /// prediction. The input is checked itself because an infinite feature need not reach the softmax as NaN (it can
    /// drive one logit to −∞ and leave the rest finite), and ArgMax of a NaN row is left unspecified by ONNX.
    /// </summary>
    /// <remarks>Each check ends as one value per row (ReduceMax over the last axis, keepdims), [1] for a row model and
    /// [N, 1] for a batch, which Where broadcasts over the K scores and the one label.</remarks>
    private static void WriteNoPredictionGuard(ProtoWriter graph, string input, string scores, string labels)
    {
        string N(string name) => InternalPrefix + "guard." + name;
        void Node(string op, string output, string[] inputs, Action<ProtoWriter>? attributes = null) =>
            WriteNode(graph, op, inputs, N(output), attributes);
        // ReduceMax takes its axes as an attribute up to opset 17, which covers both opsets written here.
        void AnyInRow(string output, string flags)
        {
            Node("Cast", output + "Float", [N(flags)], node => WriteAttribute(node, "to", DataTypeFloat));
            Node("ReduceMax", output, [N(output + "Float")], node =>
            {
                WriteAttribute(node, "axes", [-1L]);
                WriteAttribute(node, "keepdims", 1);
            });
        }

        Node("IsNaN", "inputNaN", [input]);
        Node("IsInf", "inputInf", [input]);
        Node("Or", "inputNonFinite", [N("inputNaN"), N("inputInf")]);
        AnyInRow("rowNonFinite", "inputNonFinite");
        Node("IsNaN", "scoreNaN", [scores]);
        AnyInRow("rowScoreNaN", "scoreNaN");
        Node("Max", "rowMissingFloat", [N("rowNonFinite"), N("rowScoreNaN")]);
        Node("Cast", "rowMissing", [N("rowMissingFloat")], node => WriteAttribute(node, "to", DataTypeBool));
        Node("Constant", "nan", [], node => WriteAttribute(node, "value", t => WriteFloatTensor(t, N("nan"), Tensor.Wrap([float.NaN], [1]))));
        Node("Constant", "noPrediction", [], node => WriteAttribute(node, "value", t => WriteInt64Tensor(t, NoPrediction)));
        WriteNode(graph, "Where", [N("rowMissing"), N("nan"), scores], ScoreName);
        WriteNode(graph, "Where", [N("rowMissing"), N("noPrediction"), labels], PredictedLabelIndexName);
    }

    /// <summary>
    /// Writes nodes that deskew the rows of <paramref name="x"/> [N, H·W] as <see cref="ImageDeskew"/> does, and returns
    /// the name of the result [N, H·W]: the moments from row sums (ReduceSum, MatMul against the row indices), the
    /// shear as a sampling grid normalised to [−1, 1] with align_corners, GridSample (bilinear, zeros outside), and the
    /// input unchanged where an image has no positive ink.
    /// </summary>
    private static string WriteDeskew(ProtoWriter graph, string x, ImageDeskew deskew)
    {
        int h = deskew.Height, w = deskew.Width;
        double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0, sy = 2.0 / (h - 1), sx = 2.0 / (w - 1);
        string N(string name) => InternalPrefix + "deskew." + name;
        void Node(string op, string output, string[] inputs, Action<ProtoWriter>? attributes = null) =>
            WriteNode(graph, op, inputs, N(output), attributes);
        void Floats(string name, int[] shape, Func<int, double> value) => Node("Constant", name, [], node =>
            WriteAttribute(node, "value", t => WriteFloatTensor(t, N(name),
                Tensor.Wrap(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(i => (float)value(i)).ToArray(), shape))));
        void Ints(string name, params long[] values) => Node("Constant", name, [], node => WriteAttribute(node, "value", t => WriteInt64Tensor(t, values)));
        void Sum(string output, string input, string axes, bool keep) =>
            Node("ReduceSum", output, [input, N(axes)], node => WriteAttribute(node, "keepdims", keep ? 1 : 0));

        Ints("imageShape", -1, h, w);
        Ints("rowShape", -1, (long)h * w);
        Ints("axis1", 1);
        Ints("axis2", 2);
        Ints("axis3", 3);
        Floats("rowIndex", [h, 1], r => r);
        Floats("rowIndexSquared", [h, 1], r => (double)r * r);
        Floats("columnIndex", [1, 1, w], c => c);
        Floats("zero", [1], _ => 0);
        Floats("one", [1], _ => 1);
        Floats("minRowVariance", [1], _ => ImageDeskew.MinRowVariance);
        Floats("centreX", [1], _ => cx);
        Floats("centreY", [1], _ => cy);
        Floats("scaleX", [1], _ => sx);
        Floats("scaleY", [1], _ => sy);
        // The parts of the normalised grid that do not depend on the image: c·sx − 1 [1,1,W], (r − cy)·sx [1,H,1],
        // r·sy − 1 [1,H,1], and zeros [1,1,W] to broadcast the rows' coordinate over the columns.
        Floats("gridColumn", [1, 1, w], c => c * sx - 1);
        Floats("gridShear", [1, h, 1], r => (r - cy) * sx);
        Floats("gridRow", [1, h, 1], r => r * sy - 1);
        Floats("zeroColumns", [1, 1, w], _ => 0);

        Node("Reshape", "image", [x, N("imageShape")]);
        Sum("rowSum", N("image"), "axis2", keep: false);
        Node("Mul", "inkX", [N("image"), N("columnIndex")]);
        Sum("rowX", N("inkX"), "axis2", keep: false);
        Sum("total", N("rowSum"), "axis1", keep: true);
        Node("MatMul", "sumY", [N("rowSum"), N("rowIndex")]);
        Node("MatMul", "sumYY", [N("rowSum"), N("rowIndexSquared")]);
        Sum("sumX", N("rowX"), "axis1", keep: true);
        Node("MatMul", "sumYX", [N("rowX"), N("rowIndex")]);
        Node("Greater", "inked", [N("total"), N("zero")]);
        Node("Where", "safeTotal", [N("inked"), N("total"), N("one")]);
        Node("Div", "my", [N("sumY"), N("safeTotal")]);
        Node("Div", "mx", [N("sumX"), N("safeTotal")]);
        Node("Div", "meanYY", [N("sumYY"), N("safeTotal")]);
        Node("Mul", "mySquared", [N("my"), N("my")]);
        Node("Sub", "varY", [N("meanYY"), N("mySquared")]);
        Node("Div", "meanYX", [N("sumYX"), N("safeTotal")]);
        Node("Mul", "myMx", [N("my"), N("mx")]);
        Node("Sub", "covYX", [N("meanYX"), N("myMx")]);
        Node("Greater", "slanted", [N("varY"), N("minRowVariance")]);
        Node("Where", "safeVarY", [N("slanted"), N("varY"), N("one")]);
        Node("Div", "shear", [N("covYX"), N("safeVarY")]);
        Node("Where", "alpha", [N("slanted"), N("shear"), N("zero")]);
        // x: c·sx − 1 + (mx − cx)·sx + α·(r − cy)·sx; y: r·sy − 1 + (my − cy)·sy.
        Node("Sub", "dx", [N("mx"), N("centreX")]);
        Node("Mul", "dxScaled", [N("dx"), N("scaleX")]);
        Node("Unsqueeze", "dxGrid", [N("dxScaled"), N("axis2")]);
        Node("Unsqueeze", "alphaGrid", [N("alpha"), N("axis2")]);
        Node("Mul", "shearGrid", [N("alphaGrid"), N("gridShear")]);
        Node("Add", "columnShift", [N("dxGrid"), N("shearGrid")]);
        Node("Add", "gridX", [N("gridColumn"), N("columnShift")]);
        Node("Sub", "dy", [N("my"), N("centreY")]);
        Node("Mul", "dyScaled", [N("dy"), N("scaleY")]);
        Node("Unsqueeze", "dyGrid", [N("dyScaled"), N("axis2")]);
        Node("Add", "rowShift", [N("gridRow"), N("dyGrid")]);
        Node("Add", "gridY", [N("rowShift"), N("zeroColumns")]);
        Node("Unsqueeze", "gridX1", [N("gridX"), N("axis3")]);
        Node("Unsqueeze", "gridY1", [N("gridY"), N("axis3")]);
        Node("Concat", "grid", [N("gridX1"), N("gridY1")], node => WriteAttribute(node, "axis", 3));
        Node("Unsqueeze", "channel", [N("image"), N("axis1")]);
        Node("GridSample", "sampled", [N("channel"), N("grid")], node => WriteAttribute(node, "align_corners", 1));
        Node("Reshape", "rows", [N("sampled"), N("rowShape")]);
        Node("Where", "out", [N("inked"), N("rows"), x]);
        return N("out");
    }

    private static void WriteOpset(ProtoWriter model, string domain, long version) => model.WriteMessage(ModelOpsetImport, opset =>
    {
        opset.WriteString(OpsetDomain, domain);
        opset.WriteInt64(OpsetVersion, version);
    });

    private static void WriteNode(ProtoWriter graph, string opType, string[] inputs, string output,
        Action<ProtoWriter>? writeAttributes = null, string? name = null, string? domain = null) => graph.WriteMessage(GraphNode, node =>
    {
        foreach (string input in inputs) node.WriteString(NodeInput, input);
        node.WriteString(NodeOutput, output);
        node.WriteString(NodeName, name ?? output);
        node.WriteString(NodeOpType, opType);
        if (domain is not null) node.WriteString(NodeDomain, domain);
        writeAttributes?.Invoke(node);
    });

    private static void WriteAttribute(ProtoWriter node, string name, long value) => node.WriteMessage(NodeAttribute, attribute =>
    {
        attribute.WriteString(AttributeName, name);
        attribute.WriteInt64(AttributeType, AttributeTypeInt);
        attribute.WriteInt64(AttributeInt, value);
    });

    private static void WriteAttribute(ProtoWriter node, string name, IEnumerable<long> values) => node.WriteMessage(NodeAttribute, attribute =>
    {
        attribute.WriteString(AttributeName, name);
        attribute.WriteInt64(AttributeType, AttributeTypeInts);
        foreach (long value in values) attribute.WriteInt64(AttributeInts, value);
    });

    private static void WriteAttribute(ProtoWriter node, string name, IEnumerable<string> values) => node.WriteMessage(NodeAttribute, attribute =>
    {
        attribute.WriteString(AttributeName, name);
        attribute.WriteInt64(AttributeType, AttributeTypeStrings);
        foreach (string value in values) attribute.WriteString(AttributeStrings, value);
    });

    private static void WriteAttribute(ProtoWriter node, string name, Action<ProtoWriter> writeTensor) => node.WriteMessage(NodeAttribute, attribute =>
    {
        attribute.WriteString(AttributeName, name);
        attribute.WriteInt64(AttributeType, AttributeTypeTensor);
        attribute.WriteMessage(AttributeTensor, writeTensor);
    });

    private static void WriteFloatTensor(ProtoWriter tensor, string name, Tensor value)
    {
        foreach (int dim in value.Shape) tensor.WriteInt64(TensorDims, dim);
        tensor.WriteInt64(TensorDataType, DataTypeFloat);
        tensor.WriteString(TensorName, name);
        tensor.WriteFloatsAsBytes(TensorRawData, value.AsSpan());
    }

    // An int64 vector, for axes and shapes.
    private static void WriteInt64Tensor(ProtoWriter tensor, params long[] values)
    {
        tensor.WriteInt64(TensorDims, values.Length);
        tensor.WriteInt64(TensorDataType, DataTypeInt64);
        foreach (long value in values) tensor.WriteInt64(TensorInt64Data, value);
    }

    // The string tensor [["one"]] that ML.NET's exporter also feeds its slot-name LabelEncoder.
    private static void WriteStringTensor(ProtoWriter tensor)
    {
        tensor.WriteInt64(TensorDims, 1);
        tensor.WriteInt64(TensorDims, 1);
        tensor.WriteInt64(TensorDataType, DataTypeString);
        tensor.WriteString(TensorStringData, "one");
    }

    // A negative dimension is written as the symbolic batch dimension.
    private static void WriteValueInfo(ProtoWriter value, string name, int elementType, long[] shape)
    {
        value.WriteString(ValueInfoName, name);
        value.WriteMessage(ValueInfoType, type => type.WriteMessage(TypeTensorType, tensorType =>
        {
            tensorType.WriteInt64(TensorTypeElemType, elementType);
            tensorType.WriteMessage(TensorTypeShape, shapeProto =>
            {
                foreach (long dim in shape)
                {
                    shapeProto.WriteMessage(ShapeDim, dimension =>
                    {
                        if (dim < 0) dimension.WriteString(DimParam, BatchDimension);
                        else dimension.WriteInt64(DimValue, dim);
                    });
                }
            });
        }));
    }

    private static ((string Name, OnnxLayout Layout, int Features) Input, OrderedDictionary<string, Tensor> Initializers) ReadGraph(
        ProtoReader reader)
    {
        var initializers = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        (string Name, OnnxLayout Layout, int Features)? input = null;
        while (reader.TryReadTag(out int field, out int wireType))
        {
            switch (field)
            {
                case GraphInitializer:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "initializer");
                    var (name, tensor) = ReadFloatTensor(reader.ReadMessage());
                    if (!initializers.TryAdd(name, tensor)) throw reader.Fail($"initializer '{name}' appears twice");
                    break;
                case GraphInput:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "input");
                    if (input is not null) throw reader.Fail("the graph has more than one input");
                    input = ReadInput(reader.ReadMessage());
                    break;
                default:
                    reader.Skip(field, wireType);
                    break;
            }
        }
        if (input is null) throw reader.Fail("the graph has no input");
        return (input.Value, initializers);
    }

    private static (string Key, string Value) ReadEntry(ProtoReader reader)
    {
        string key = "", value = "";
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (field is EntryKey or EntryValue)
            {
                reader.Expect(wireType, ProtoReader.LengthDelimited, "metadata entry");
                if (field == EntryKey) key = reader.ReadString();
                else value = reader.ReadString();
            }
            else
            {
                reader.Skip(field, wireType);
            }
        }
        return (key, value);
    }

    private static (string Name, Tensor Tensor) ReadFloatTensor(ProtoReader reader)
    {
        var dims = new List<long>();
        long dataType = 0;
        string? name = null;
        ReadOnlySpan<byte> raw = default;
        bool hasRaw = false;
        var floats = new List<float>();
        while (reader.TryReadTag(out int field, out int wireType))
        {
            switch (field)
            {
                case TensorDims:
                    ReadInt64s(ref reader, wireType, dims, "dims");
                    break;
                case TensorDataType:
                    reader.Expect(wireType, ProtoReader.Varint, "data_type");
                    dataType = (long)reader.ReadVarint();
                    break;
                case TensorFloatData when wireType == ProtoReader.Fixed32:
                    floats.Add(BitConverter.UInt32BitsToSingle(reader.ReadFixed32()));
                    break;
                case TensorFloatData:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "float_data");
                    var packed = reader.ReadMessage();
                    while (!packed.End) floats.Add(BitConverter.UInt32BitsToSingle(packed.ReadFixed32()));
                    break;
                case TensorName:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "tensor name");
                    name = reader.ReadString();
                    break;
                case TensorRawData:
                    reader.Expect(wireType, ProtoReader.LengthDelimited, "raw_data");
                    raw = reader.ReadLengthDelimited();
                    hasRaw = true;
                    break;
                case TensorDataLocation:
                    reader.Expect(wireType, ProtoReader.Varint, "data_location");
                    if (reader.ReadVarint() != 0) throw reader.Fail($"initializer '{name}' keeps its data in an external file");
                    break;
                default:
                    reader.Skip(field, wireType);
                    break;
            }
        }
        if (name is null) throw reader.Fail("an initializer has no name");
        if (dataType != DataTypeFloat) throw reader.Fail($"initializer '{name}' has data type {dataType}, not float");
        var shape = new int[dims.Count];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            // Checked one factor at a time, so the product never overflows before it is compared.
            if (dims[i] is < 0 or > int.MaxValue) throw reader.Fail($"initializer '{name}' has dimension {dims[i]}");
            shape[i] = (int)dims[i];
            count *= shape[i];
            if (count > Array.MaxLength) throw reader.Fail($"initializer '{name}' is too large");
        }
        if (hasRaw && floats.Count > 0) throw reader.Fail($"initializer '{name}' has both raw_data and float_data");
        long given = hasRaw ? raw.Length : floats.Count * (long)sizeof(float);
        if (given != count * sizeof(float))
        {
            throw reader.Fail($"initializer '{name}' has {given} bytes of data for shape [{string.Join(", ", shape)}]");
        }
        // Only now, with the element count backed by bytes actually present, is the array allocated.
        var data = hasRaw ? new float[count] : floats.ToArray();
        for (int i = 0; i < data.Length && hasRaw; i++)
        {
            data[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * sizeof(float)));
        }
        return (name, Tensor.Wrap(data, shape));
    }

    private static (string Name, OnnxLayout Layout, int Features) ReadInput(ProtoReader reader)
    {
        string? name = null;
        long elementType = 0;
        var dims = new List<long?>();
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (field == ValueInfoName)
            {
                reader.Expect(wireType, ProtoReader.LengthDelimited, "input name");
                name = reader.ReadString();
            }
            else if (field == ValueInfoType)
            {
                reader.Expect(wireType, ProtoReader.LengthDelimited, "input type");
                var type = reader.ReadMessage();
                while (type.TryReadTag(out int typeField, out int typeWireType))
                {
                    if (typeField != TypeTensorType)
                    {
                        type.Skip(typeField, typeWireType);
                        continue;
                    }
                    type.Expect(typeWireType, ProtoReader.LengthDelimited, "tensor_type");
                    ReadTensorType(type.ReadMessage(), ref elementType, dims);
                }
            }
            else
            {
                reader.Skip(field, wireType);
            }
        }
        if (string.IsNullOrEmpty(name)) throw reader.Fail("the graph input has no name");
        if (elementType != DataTypeFloat) throw reader.Fail($"input '{name}' has element type {elementType}, not float");
        // Row: [F]; Batch: [N, F] with N symbolic.
        var layout = dims.Count == 1 ? OnnxLayout.Row : OnnxLayout.Batch;
        long? features = dims.Count > 0 ? dims[^1] : null;
        if (dims.Count is not (1 or 2) || (dims.Count == 2 && dims[0] is not null) || features is not (> 0 and <= int.MaxValue))
        {
            string shape = string.Join(", ", dims.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? BatchDimension));
            throw reader.Fail($"input '{name}' has shape [{shape}], not [F] or [N, F]");
        }
        return (name, layout, (int)features.Value);
    }

    private static void ReadTensorType(ProtoReader reader, ref long elementType, List<long?> dims)
    {
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (field == TensorTypeElemType)
            {
                reader.Expect(wireType, ProtoReader.Varint, "elem_type");
                elementType = (long)reader.ReadVarint();
            }
            else if (field == TensorTypeShape)
            {
                reader.Expect(wireType, ProtoReader.LengthDelimited, "shape");
                var shape = reader.ReadMessage();
                while (shape.TryReadTag(out int shapeField, out int shapeWireType))
                {
                    if (shapeField != ShapeDim)
                    {
                        shape.Skip(shapeField, shapeWireType);
                        continue;
                    }
                    shape.Expect(shapeWireType, ProtoReader.LengthDelimited, "dim");
                    dims.Add(ReadDimension(shape.ReadMessage()));
                }
            }
            else
            {
                reader.Skip(field, wireType);
            }
        }
    }

    // A dimension's fixed size, or null when it is symbolic or absent.
    private static long? ReadDimension(ProtoReader reader)
    {
        long? value = null;
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (field == DimValue && wireType == ProtoReader.Varint) value = (long)reader.ReadVarint();
            else reader.Skip(field, wireType);
        }
        return value;
    }

    private static void ReadInt64s(ref ProtoReader reader, int wireType, List<long> values, string what)
    {
        if (wireType == ProtoReader.Varint)
        {
            values.Add((long)reader.ReadVarint());
            return;
        }
        reader.Expect(wireType, ProtoReader.LengthDelimited, what);
        var packed = reader.ReadMessage();
        while (!packed.End) values.Add((long)packed.ReadVarint());
    }
}
