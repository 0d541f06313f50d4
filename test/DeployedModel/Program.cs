using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

// Usage: DeployedModel MODEL.zip FEATURES.bin OUT.tsv
// FEATURES.bin: int32 row count, int32 feature count, then the rows' float32 features (little-endian).
// OUT.tsv: one line per row through Transform ("PredictedLabel<TAB>score0<TAB>score1…", scores in round-trip form), then
// "engine" lines from a PredictionEngine for the first rows, then the PredictedLabel key values.
// Or: DeployedModel --concurrent MODEL.zip FEATURES.bin MODE THREADS ROUNDS (see ConcurrentLoad).
if (args.Length > 0 && args[0] == "--concurrent") return ConcurrentLoad.Run(args[1..]);
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: DeployedModel MODEL.zip FEATURES.bin OUT.tsv");
    return 2;
}

var ml = new MLContext(seed: 0);
ITransformer model = ml.Model.Load(args[0], out DataViewSchema inputSchema);
var inputs = Rows.Read(args[1]);
var definition = Rows.Definition(inputs[0].Features.Length, Rows.FeatureColumn(inputSchema));
IDataView data = ml.Data.LoadFromEnumerable(inputs, definition);
IDataView scored = model.Transform(data);

using var output = new StreamWriter(args[2]);
var outputDefinition = SchemaDefinition.Create(typeof(Output), SchemaDefinition.Direction.Write);
foreach (var o in ml.Data.CreateEnumerable<Output>(scored, reuseRowObject: false, schemaDefinition: outputDefinition))
    output.WriteLine(Line(o));

var engine = ml.Model.CreatePredictionEngine<Rows.Input, Output>(model, inputSchemaDefinition: definition, outputSchemaDefinition: outputDefinition);
foreach (var input in inputs.Take(20))
    output.WriteLine("engine\t" + Line(engine.Predict(input)));

VBuffer<ReadOnlyMemory<char>> keyValues = default;
var predicted = scored.Schema["PredictedLabel"];
if (predicted.Annotations.Schema.GetColumnOrNull("KeyValues")?.Type is VectorDataViewType { ItemType: TextDataViewType })
{
    predicted.GetKeyValues(ref keyValues);
    output.WriteLine("keyvalues\t" + string.Join('\t', keyValues.DenseValues()));
}
return 0;

static string Line(Output o) => o.PredictedLabel.ToString(CultureInfo.InvariantCulture) + "\t"
    + string.Join('\t', o.Score.Select(s => s.ToString("R", CultureInfo.InvariantCulture)));

/// <summary>The rows a FEATURES.bin file holds, and how ML.NET is to read them.</summary>
internal static class Rows
{
    public static List<Input> Read(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        int rows = reader.ReadInt32(), features = reader.ReadInt32();
        var inputs = new List<Input>(rows);
        for (int r = 0; r < rows; r++)
        {
            var x = new float[features];
            for (int j = 0; j < features; j++) x[j] = reader.ReadSingle();
            inputs.Add(new Input { Features = x });
        }
        return inputs;
    }

    /// <summary>The model's feature column: the first vector of floats in the input schema saved with it.</summary>
    public static string FeatureColumn(DataViewSchema inputSchema) =>
        inputSchema.First(c => c.Type is VectorDataViewType { ItemType: NumberDataViewType n } && n.RawType == typeof(float)).Name;

    public static SchemaDefinition Definition(int features, string featureColumn)
    {
        var definition = SchemaDefinition.Create(typeof(Input));
        definition[0].ColumnName = featureColumn;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        return definition;
    }

    internal sealed class Input
    {
        public float[] Features { get; set; } = [];
    }
}

internal sealed class Output
{
    public uint PredictedLabel { get; set; }
    public float[] Score { get; set; } = [];
}
