using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// Inference for a Sequential of Linear and ReLU layers (and Dropout, the identity at inference) straight on the parameters' storage: per layer one GEMM
/// over the whole batch (x·Wᵀ), the bias, ReLU in place, then a softmax per row. No autograd graph is built and
/// nothing is shared between calls except the read-only weights, so any number of threads may score at once, each
/// with its own <see cref="Scratch"/>. A deskewing model (<see cref="MinibatchTrainer.Options.Deskew"/>) deskews each
/// row first.
/// </summary>
/// <remarks>
/// A row with a NaN or infinite feature has no prediction: its probabilities are all NaN, and <see cref="ArgMax"/> of
/// such a row is -1, so PredictedLabel is key 0 (missing) — what ML.NET's own multiclass scorers give for a NaN
/// feature. The row is checked here rather than left to the arithmetic, because an infinite feature does not always
/// reach the output as NaN: it can push one logit to −∞ and leave the others finite and confident (and deskewing can
/// turn it into finite pixels).
/// </remarks>
internal sealed class MlpScorer
{
    private readonly Step[] _steps;
    private readonly ImageDeskew? _deskew;

    public MlpScorer(Sequential model, ImageDeskew? deskew = null)
    {
        var steps = new List<Step>();
        for (int i = 0; i < model.Count; i++)
        {
            switch (model[i])
            {
                case Linear linear:
                    steps.Add(new Step(linear, false));
                    break;
                case ReLU when steps.Count > 0 && !steps[^1].Relu:
                    steps[^1] = steps[^1] with { Relu = true };
                    break;
                case Dropout when steps.Count > 0:
                    break; // Inference is evaluation mode, where dropout passes its input through.
                default:
                    throw new ArgumentException($"Layer {i} ({model[i].GetType().Name}) is not supported for scoring; expected Linear and ReLU layers.", nameof(model));
            }
        }
        if (steps.Count == 0) throw new ArgumentException("The model has no Linear layer.", nameof(model));
        _steps = steps.ToArray();
        InputSize = _steps[0].Layer.InFeatures;
        OutputSize = _steps[^1].Layer.OutFeatures;
        MaxWidth = _steps.Max(s => s.Layer.OutFeatures);
        if (deskew != null && deskew.PixelCount != InputSize)
            throw new ArgumentException($"The model reads {InputSize} features, not {deskew.Height} × {deskew.Width} pixels.", nameof(deskew));
        _deskew = deskew;
    }

    public int InputSize { get; }

    public int OutputSize { get; }

    private int MaxWidth { get; }

    /// <summary>Per-caller buffers for up to a given number of rows.</summary>
    public sealed class Scratch
    {
        public float[] A = Array.Empty<float>();
        public float[] B = Array.Empty<float>();
        public float[] Deskewed = Array.Empty<float>();
    }

    /// <summary>
    /// <see cref="Score(ReadOnlySpan{float}, int, Span{float}, Scratch)"/> with buffers rented from the shared array
    /// pool for the call, so that callers without a long-lived <see cref="Scratch"/> (direct scoring, one-row prediction)
    /// do not allocate rows × width floats each time.
    /// </summary>
    public void ScorePooled(ReadOnlySpan<float> features, int rows, Span<float> probabilities)
    {
        if (rows == 0) return;
        var pool = System.Buffers.ArrayPool<float>.Shared;
        int need = checked(rows * MaxWidth);
        var scratch = new Scratch { A = pool.Rent(need), B = pool.Rent(need) };
        if (_deskew != null) scratch.Deskewed = pool.Rent(checked(rows * InputSize));
        try
        {
            Score(features, rows, probabilities, scratch);
        }
        finally
        {
            pool.Return(scratch.A);
            pool.Return(scratch.B);
            if (_deskew != null) pool.Return(scratch.Deskewed);
        }
    }

    /// <summary>Writes softmax probabilities [rows × OutputSize] for <paramref name="features"/> [rows × InputSize].</summary>
    public void Score(ReadOnlySpan<float> features, int rows, Span<float> probabilities, Scratch scratch)
    {
        if (rows == 0) return;
        long need = (long)rows * MaxWidth;
        if (scratch.A.Length < need)
        {
            scratch.A = new float[need];
            scratch.B = new float[need];
        }
        ReadOnlySpan<float> input = features;
        if (_deskew != null)
        {
            if (scratch.Deskewed.Length < (long)rows * InputSize) scratch.Deskewed = new float[(long)rows * InputSize];
            for (int r = 0; r < rows; r++)
                _deskew.Apply(features.Slice(r * InputSize, InputSize), scratch.Deskewed.AsSpan(r * InputSize, InputSize));
            input = scratch.Deskewed.AsSpan(0, rows * InputSize);
        }
        int width = InputSize;
        bool useA = true;
        Span<float> output = default;
        foreach (var step in _steps)
        {
            var layer = step.Layer;
            int outWidth = layer.OutFeatures;
            output = (useA ? scratch.A : scratch.B).AsSpan(0, rows * outWidth);
            // y = x · Wᵀ: W is stored [out × in], which is exactly Wᵀ transposed.
            Gemm.Multiply(input, false, layer.Weight.AsSpan(), true, output, rows, outWidth, width);
            var bias = layer.Bias is null ? ReadOnlySpan<float>.Empty : layer.Bias.AsSpan();
            for (int r = 0; r < rows; r++)
            {
                var row = output.Slice(r * outWidth, outWidth);
                if (!bias.IsEmpty) System.Numerics.Tensors.TensorPrimitives.Add(row, bias, row);
                if (step.Relu) System.Numerics.Tensors.TensorPrimitives.Max(row, 0f, row);
            }
            input = output;
            width = outWidth;
            useA = !useA;
        }
        for (int r = 0; r < rows; r++)
        {
            var destination = probabilities.Slice(r * width, width);
            if (System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(features.Slice(r * InputSize, InputSize)))
                Softmax(output.Slice(r * width, width), destination);
            else
                destination.Fill(float.NaN);
        }
    }

    /// <summary>Softmax as PyTorch computes it in float: subtract the maximum, exponentiate, divide by the sum.</summary>
    private static void Softmax(ReadOnlySpan<float> logits, Span<float> destination)
    {
        float max = float.NegativeInfinity;
        foreach (var v in logits) if (v > max) max = v;
        float sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float e = MathF.Exp(logits[i] - max);
            destination[i] = e;
            sum += e;
        }
        for (int i = 0; i < logits.Length; i++) destination[i] /= sum;
    }

    /// <summary>The first index of the largest value, NaNs ignored, or -1 when every value is NaN: ML.NET's arg-max
    /// for multiclass scores (first index on ties), whose -1 becomes PredictedLabel key 0, the missing key.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = -1;
        for (int i = 0; i < values.Length; i++)
            if (!float.IsNaN(values[i]) && (best < 0 || values[i] > values[best])) best = i;
        return best;
    }

    /// <summary>PredictedLabel for a row's probabilities: the key (1 … K) of <see cref="ArgMax"/>, or 0 (missing) when
    /// the row has no prediction.</summary>
    public static uint PredictedKey(ReadOnlySpan<float> probabilities) => (uint)(ArgMax(probabilities) + 1);

    private readonly record struct Step(Linear Layer, bool Relu);
}
