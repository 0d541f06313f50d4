namespace Microsoft.ML.Minibatch.Onnx;

/// <summary>
/// The field numbers and enum values of onnx.proto that <see cref="OnnxMlp"/> writes and reads. They are part of the
/// ONNX file format, so they never change.
/// </summary>
internal static class OnnxProto
{
    /// <summary>ModelProto.ir_version.</summary>
    public const int ModelIrVersion = 1;
    /// <summary>ModelProto.producer_name.</summary>
    public const int ModelProducerName = 2;
    /// <summary>ModelProto.producer_version.</summary>
    public const int ModelProducerVersion = 3;
    /// <summary>ModelProto.graph.</summary>
    public const int ModelGraph = 7;
    /// <summary>ModelProto.opset_import.</summary>
    public const int ModelOpsetImport = 8;
    /// <summary>ModelProto.metadata_props.</summary>
    public const int ModelMetadataProps = 14;

    /// <summary>OperatorSetIdProto.domain.</summary>
    public const int OpsetDomain = 1;
    /// <summary>OperatorSetIdProto.version.</summary>
    public const int OpsetVersion = 2;

    /// <summary>StringStringEntryProto.key.</summary>
    public const int EntryKey = 1;
    /// <summary>StringStringEntryProto.value.</summary>
    public const int EntryValue = 2;

    /// <summary>GraphProto.node.</summary>
    public const int GraphNode = 1;
    /// <summary>GraphProto.name.</summary>
    public const int GraphName = 2;
    /// <summary>GraphProto.initializer.</summary>
    public const int GraphInitializer = 5;
    /// <summary>GraphProto.input.</summary>
    public const int GraphInput = 11;
    /// <summary>GraphProto.output.</summary>
    public const int GraphOutput = 12;

    /// <summary>NodeProto.input.</summary>
    public const int NodeInput = 1;
    /// <summary>NodeProto.output.</summary>
    public const int NodeOutput = 2;
    /// <summary>NodeProto.name.</summary>
    public const int NodeName = 3;
    /// <summary>NodeProto.op_type.</summary>
    public const int NodeOpType = 4;
    /// <summary>NodeProto.attribute.</summary>
    public const int NodeAttribute = 5;
    /// <summary>NodeProto.domain.</summary>
    public const int NodeDomain = 7;

    /// <summary>AttributeProto.name.</summary>
    public const int AttributeName = 1;
    /// <summary>AttributeProto.i.</summary>
    public const int AttributeInt = 3;
    /// <summary>AttributeProto.t.</summary>
    public const int AttributeTensor = 5;
    /// <summary>AttributeProto.ints.</summary>
    public const int AttributeInts = 8;
    /// <summary>AttributeProto.strings.</summary>
    public const int AttributeStrings = 9;
    /// <summary>AttributeProto.type.</summary>
    public const int AttributeType = 20;
    /// <summary>AttributeProto.AttributeType.INT.</summary>
    public const int AttributeTypeInt = 2;
    /// <summary>AttributeProto.AttributeType.TENSOR.</summary>
    public const int AttributeTypeTensor = 4;
    /// <summary>AttributeProto.AttributeType.INTS.</summary>
    public const int AttributeTypeInts = 7;
    /// <summary>AttributeProto.AttributeType.STRINGS.</summary>
    public const int AttributeTypeStrings = 8;

    /// <summary>TensorProto.dims.</summary>
    public const int TensorDims = 1;
    /// <summary>TensorProto.data_type.</summary>
    public const int TensorDataType = 2;
    /// <summary>TensorProto.float_data.</summary>
    public const int TensorFloatData = 4;
    /// <summary>TensorProto.string_data.</summary>
    public const int TensorStringData = 6;
    /// <summary>TensorProto.int64_data.</summary>
    public const int TensorInt64Data = 7;
    /// <summary>TensorProto.name.</summary>
    public const int TensorName = 8;
    /// <summary>TensorProto.raw_data.</summary>
    public const int TensorRawData = 9;
    /// <summary>TensorProto.data_location (1 = EXTERNAL).</summary>
    public const int TensorDataLocation = 14;

    /// <summary>TensorProto.DataType.FLOAT.</summary>
    public const int DataTypeFloat = 1;
    /// <summary>TensorProto.DataType.INT64.</summary>
    public const int DataTypeInt64 = 7;
    /// <summary>TensorProto.DataType.STRING.</summary>
    public const int DataTypeString = 8;
    /// <summary>TensorProto.DataType.BOOL.</summary>
    public const int DataTypeBool = 9;

    /// <summary>ValueInfoProto.name.</summary>
    public const int ValueInfoName = 1;
    /// <summary>ValueInfoProto.type.</summary>
    public const int ValueInfoType = 2;
    /// <summary>TypeProto.tensor_type.</summary>
    public const int TypeTensorType = 1;
    /// <summary>TypeProto.Tensor.elem_type.</summary>
    public const int TensorTypeElemType = 1;
    /// <summary>TypeProto.Tensor.shape.</summary>
    public const int TensorTypeShape = 2;
    /// <summary>TensorShapeProto.dim.</summary>
    public const int ShapeDim = 1;
    /// <summary>TensorShapeProto.Dimension.dim_value.</summary>
    public const int DimValue = 1;
    /// <summary>TensorShapeProto.Dimension.dim_param.</summary>
    public const int DimParam = 2;
}
