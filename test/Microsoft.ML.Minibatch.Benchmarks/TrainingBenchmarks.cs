using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>
/// The parts of one training batch of the seeds' workload (784-50-10, batch 64, SGD lr 0.5) on synthetic MNIST-shaped
/// data, each as the fit loop runs it (intermediates from a <see cref="TensorArena"/> reset per call), and scoring.
/// Allocated bytes per operation (MemoryDiagnoser) show what the steady-state loop still allocates.
/// </summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
    private const int Features = 784, Hidden = 50, Classes = 10, BatchSize = 64, ScoreRows = 10_000;

    private readonly TensorArena _arena = new();
    private Sequential _model = null!;
    private Sgd _optimizer = null!;
    private Tensor _batch = null!;
    private IntTensor _labels = null!;
    private Tensor _logits = null!;
    private Parameter _weight = null!, _bias = null!;
    private Tensor _linearGradient = null!;
    private ByteImageDataset _dataset = null!;
    private int[] _indices = null!;
    private Tensor _gatherFeatures = null!;
    private IntTensor _gatherLabels = null!;
    private MinibatchTransformer _transformer = null!;
    private IDataView _scoreRows = null!;
    private float[] _scoreFeatures = null!, _scores = null!;
    private ITransformer _loaded = null!;
    private PredictionEngine<Digit, DigitPrediction> _engine = null!, _loadedEngine = null!;
    private Digit[] _digits = null!;

    public sealed class Digit
    {
        [VectorType(TrainingBenchmarks.Features)] public float[] Features { get; set; } = [];
    }

    public sealed class DigitPrediction
    {
        public uint PredictedLabel { get; set; }
        public float[] Score { get; set; } = [];
    }

    /// <summary>Builds the model, a batch, a 60,000-image byte dataset and a 10,000-row view, all from fixed seeds.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var generator = new Generator(1);
        _model = MinibatchNetwork.Create(Features, [Hidden], Classes, generator);
        _optimizer = new Sgd(_model.Parameters(), 0.5);
        _batch = Tensor.Rand(generator, BatchSize, Features);
        var random = new Random(1);
        _labels = new IntTensor(Enumerable.Range(0, BatchSize).Select(_ => random.Next(Classes)).ToArray());
        _logits = Tensor.Randn(generator, BatchSize, Classes);
        _logits.RequiresGrad = true;
        var first = (Linear)_model.Children().First();
        _weight = first.Weight;
        _bias = first.Bias!;
        _linearGradient = Tensor.Randn(generator, BatchSize, Hidden);

        var pixels = new byte[60_000 * Features];
        random.NextBytes(pixels);
        var labelBytes = Enumerable.Range(0, 60_000).Select(_ => (byte)random.Next(Classes)).ToArray();
        _dataset = new ByteImageDataset(pixels, labelBytes, Features);
        _indices = Enumerable.Range(0, BatchSize).Select(_ => random.Next(60_000)).ToArray();
        _gatherFeatures = Tensor.Zeros(BatchSize, Features);
        _gatherLabels = new IntTensor(new int[BatchSize]);

        _transformer = MinibatchTransformer.FromNetwork(_model);
        _scoreFeatures = new float[ScoreRows * Features];
        for (int i = 0; i < _scoreFeatures.Length; i++) _scoreFeatures[i] = pixels[i] / 255f;
        _scoreRows = new IdxDataView(new TensorDataset(Tensor.Wrap(_scoreFeatures, ScoreRows, Features),
            new IntTensor(labelBytes[..ScoreRows].Select(b => (int)b).ToArray())), labelBytes[..ScoreRows], Classes);
        _scores = new float[ScoreRows * Classes];
        var ml = new MLContext(seed: 1);
        using (var zip = new MemoryStream())
        {
            ml.Model.Save(_transformer, _scoreRows.Schema, zip);
            zip.Position = 0;
            _loaded = ml.Model.Load(zip, out _);
        }
        _engine = ml.Model.CreatePredictionEngine<Digit, DigitPrediction>(_transformer);
        _loadedEngine = ml.Model.CreatePredictionEngine<Digit, DigitPrediction>(_loaded);
        _digits = ml.Data.CreateEnumerable<Digit>(_scoreRows, reuseRowObject: false).ToArray();
        // One step first, so that momentum-free SGD and the arena are in their steady state.
        TrainingStep();
    }

    /// <summary>Fused linear forward and backward: [64,784]·[50,784]ᵀ + b, then the weight and bias gradients.</summary>
    [Benchmark]
    public void LinearForwardBackward()
    {
        _arena.Reset();
        using (_arena.Activate())
        {
            Functional.Linear(_batch, _weight, _bias).Backward(_linearGradient);
        }
        _weight.Grad?.AsSpan().Clear();
        _bias.Grad?.AsSpan().Clear();
    }

    /// <summary>Fused log-softmax + NLL (cross-entropy) forward on [64,10] logits.</summary>
    [Benchmark]
    public float CrossEntropyForward()
    {
        _arena.Reset();
        using (Autograd.NoGrad())
        using (_arena.Activate())
        {
            return Functional.CrossEntropy(_logits, _labels).Item();
        }
    }

    /// <summary>Fused cross-entropy forward and backward on [64,10] logits.</summary>
    [Benchmark]
    public void CrossEntropyForwardBackward()
    {
        _arena.Reset();
        using (_arena.Activate())
        {
            Functional.CrossEntropy(_logits, _labels).Backward();
        }
        _logits.Grad?.AsSpan().Clear();
    }

    /// <summary>Gathering 64 random MNIST-sized byte images into a float batch (the DataLoader's collate).</summary>
    [Benchmark]
    public void GatherBatch() => _dataset.Gather(_indices, _gatherFeatures, _gatherLabels);

    /// <summary>SGD step and zero grad over the 39,760 parameters of 784-50-10.</summary>
    [Benchmark]
    public void OptimizerStep()
    {
        _optimizer.Step();
        _optimizer.ZeroGrad();
    }

    /// <summary>One whole training step of 784-50-10 at batch 64: forward, cross-entropy, backward, SGD step, zero grad.</summary>
    [Benchmark]
    public float TrainingStep()
    {
        _arena.Reset();
        float loss;
        using (_arena.Activate())
        {
            var lossTensor = Functional.CrossEntropy(_model.Forward(_batch), _labels);
            loss = lossTensor.Item();
            lossTensor.Backward();
        }
        _optimizer.Step();
        _optimizer.ZeroGrad();
        return loss;
    }

    /// <summary>Scoring 10,000 rows through <c>Transform</c> and a cursor reading Score and PredictedLabel.</summary>
    [Benchmark]
    public uint TransformScore10000() => ReadScores(_transformer.Transform(_scoreRows));

    /// <summary>The model as plain ML.NET loads it back: ONNX Runtime inside ML.NET's own components.</summary>
    [Benchmark]
    public uint LoadedChainTransformScore10000() => ReadScores(_loaded.Transform(_scoreRows));

    /// <summary>10,000 single predictions through ML.NET's PredictionEngine on our transformer (our row mapper).</summary>
    [Benchmark]
    public uint PredictionEngine10000() => PredictEach(_engine);

    /// <summary>The same through a PredictionEngine on the loaded ML.NET chain.</summary>
    [Benchmark]
    public uint LoadedChainPredictionEngine10000() => PredictEach(_loadedEngine);

    private uint PredictEach(PredictionEngine<Digit, DigitPrediction> engine)
    {
        uint sum = 0;
        foreach (var digit in _digits) sum += engine.Predict(digit).PredictedLabel;
        return sum;
    }

    private static uint ReadScores(IDataView scored)
    {
        var columns = scored.Schema;
        using var cursor = scored.GetRowCursor(new[] { columns["Score"], columns["PredictedLabel"] });
        var scoreGetter = cursor.GetGetter<VBuffer<float>>(columns["Score"]);
        var labelGetter = cursor.GetGetter<uint>(columns["PredictedLabel"]);
        VBuffer<float> score = default;
        uint label = 0, sum = 0;
        while (cursor.MoveNext())
        {
            scoreGetter(ref score);
            labelGetter(ref label);
            sum += label;
        }
        return sum;
    }

    /// <summary>Scoring the same 10,000 rows directly with <see cref="MinibatchTransformer.Score"/>.</summary>
    [Benchmark]
    public int DirectScore10000() => _transformer.Score(_scoreFeatures, _scores);
}
