// The consumer test's application: a program a user writes after `dotnet add package Minibatch.ML`, outside this
// repository. scripts/consumer-test.sh copies it into a fresh `dotnet new console` project.
//
//   dotnet run -- pipeline          fit the trainer in an ML.NET pipeline, save, load, predict; exit 1 unless sane
//   dotnet run -- torchsharp        the same fit on the TorchSharp engine (needs Minibatch.ML.TorchSharp, WITH_TORCHSHARP)
//   dotnet run -- write-idx DIR     write a small IDX image set under MNIST's four names for `minibatch train --data DIR`
using System.Buffers.Binary;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch;

const int Features = 6, Classes = 3;

try
{
    return args switch
    {
        ["pipeline"] => Pipeline(engine: null),
#if WITH_TORCHSHARP
        ["torchsharp"] => Pipeline(new Microsoft.ML.Minibatch.TorchSharp.TorchSharpEngine(threads: 1)),
#endif
        ["write-idx", string directory] => WriteIdx(directory),
        _ => Fail("usage: pipeline | torchsharp | write-idx DIR"),
    };
}
catch (Exception e)
{
    return Fail(e.ToString());
}

// Three classes of points around three centres in six dimensions; the label is a string, as users' labels often are.
static List<Row> Rows(int count, int seed)
{
    var random = new Random(seed);
    var rows = new List<Row>(count);
    for (int i = 0; i < count; i++)
    {
        int k = i % Classes;
        var x = new float[Features];
        for (int j = 0; j < Features; j++)
            x[j] = (j % Classes == k ? 2.5f : 0f) + (float)(random.NextDouble() * 2 - 1);
        rows.Add(new Row { Features = x, Label = $"class-{k}" });
    }
    return rows;
}

static int Pipeline(TrainingEngine? engine)
{
    var ml = new MLContext(seed: 1);
    IDataView train = ml.Data.LoadFromEnumerable(Rows(450, seed: 1));
    IDataView test = ml.Data.LoadFromEnumerable(Rows(150, seed: 2));

    var options = new MinibatchTrainer.Options
    {
        HiddenLayers = [16], BatchSize = 32, NumberOfEpochs = 15, LearningRate = 0.05f, Momentum = 0.9f, Seed = 1,
    };
    if (engine != null) options.Engine = engine;
    var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
        .Append(ml.MulticlassClassification.Trainers.Minibatch(options))
        .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel"));
    ITransformer model = pipeline.Fit(train);

    MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
    Console.WriteLine($"held-out accuracy {metrics.MicroAccuracy:F4}, log-loss {metrics.LogLoss:F4}");
    if (metrics.MicroAccuracy < 0.9) return Fail($"accuracy {metrics.MicroAccuracy} is below 0.9 on well-separated classes");
    if (engine != null) return 0;

    string path = Path.Combine(Path.GetTempPath(), $"consumer-{Guid.NewGuid():N}.zip");
    try
    {
        ml.Model.Save(model, train.Schema, path);
        ITransformer loaded = new MLContext(seed: 2).Model.Load(path, out DataViewSchema inputSchema);
        if (inputSchema.GetColumnOrNull("Features") == null) return Fail("the loaded model's input schema has no Features column");

        var before = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
        var after = ml.Model.CreatePredictionEngine<Row, Prediction>(loaded);
        int agree = 0, right = 0;
        List<Row> rows = Rows(150, seed: 2);
        foreach (Row row in rows)
        {
            Prediction p = before.Predict(row), q = after.Predict(row);
            if (q.Score.Length != Classes) return Fail($"the loaded model gives {q.Score.Length} scores, not {Classes}");
            if (Math.Abs(q.Score.Sum() - 1) > 1e-4) return Fail($"the loaded model's scores sum to {q.Score.Sum()}, not 1");
            float worst = p.Score.Zip(q.Score, (a, b) => Math.Abs(a - b)).Max();
            if (worst > 1e-4) return Fail($"the loaded model scores {worst} away from the trained one");
            if (p.PredictedClass == q.PredictedClass) agree++;
            if (q.PredictedClass == row.Label) right++;
        }
        Console.WriteLine($"saved, loaded and predicted: {agree}/{rows.Count} predictions agree, {right} right");
        if (agree != rows.Count) return Fail("the loaded model predicts differently from the trained one");
        if (right < 0.9 * rows.Count) return Fail($"the loaded model gets only {right} of {rows.Count} right");
        return 0;
    }
    finally
    {
        File.Delete(path);
    }
}

// 10 × 10 images of four classes (a horizontal bar, a vertical bar, a diagonal, a frame) at random places, with noise.
static int WriteIdx(string directory)
{
    Directory.CreateDirectory(directory);
    var random = new Random(3);
    foreach ((string prefix, int count) in new[] { ("train", 600), ("t10k", 200) })
    {
        const int side = 10;
        var pixels = new byte[count * side * side];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            int k = i % 4, at = random.Next(2, side - 2);
            labels[i] = (byte)k;
            Span<byte> image = pixels.AsSpan(i * side * side, side * side);
            for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++)
            {
                bool ink = k switch
                {
                    0 => r == at,
                    1 => c == at,
                    2 => r == c,
                    _ => r == 1 || r == side - 2 || c == 1 || c == side - 2,
                };
                image[r * side + c] = (byte)(ink ? 200 + random.Next(56) : random.Next(40));
            }
        }
        Write(Path.Combine(directory, $"{prefix}-images-idx3-ubyte"), 0x00000803, [count, side, side], pixels);
        Write(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte"), 0x00000801, [count], labels);
    }
    Console.WriteLine($"wrote a 10 x 10, 4-class IDX set (600 training and 200 test images) to {directory}");
    return 0;

    static void Write(string path, int magic, int[] dimensions, byte[] data)
    {
        using var file = File.Create(path);
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, magic);
        file.Write(word);
        foreach (int d in dimensions)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            file.Write(word);
        }
        file.Write(data);
    }
}

static int Fail(string message)
{
    Console.Error.WriteLine($"consumer test: {message}");
    return 1;
}

/// <summary>One row: six features and a string label.</summary>
sealed class Row
{
    /// <summary>The features.</summary>
    [VectorType(6)] public float[] Features { get; set; } = new float[6];

    /// <summary>The class, as text.</summary>
    public string Label { get; set; } = "";
}

/// <summary>What the pipeline adds.</summary>
sealed class Prediction
{
    /// <summary>The probability of each class.</summary>
    public float[] Score { get; set; } = [];

    /// <summary>The predicted class, mapped back to its text.</summary>
    public string PredictedClass { get; set; } = "";
}
