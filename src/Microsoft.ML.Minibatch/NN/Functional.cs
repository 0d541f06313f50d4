using System.Numerics;
using System.Runtime.InteropServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// Stateless neural-network functions (PyTorch's <c>torch.nn.functional</c>): activations, the fused linear map,
/// numerically stable log-softmax and losses, and accuracy.
/// </summary>
public static class Functional
{
    /// <summary>log Σ exp(x) along <paramref name="dim"/> with the max trick (PyTorch's <c>x.logsumexp(dim)</c>).</summary>
    /// <param name="input">The values.</param>
    /// <param name="dim">The dimension to reduce.</param>
    /// <param name="keepDim">Keep the reduced dimension with size 1.</param>
    public static Tensor LogSumExp(Tensor input, int dim = -1, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.LogSumExp(dim, keepDim);
    }

    /// <summary>max(x, 0), element-wise (PyTorch's <c>F.relu</c>).</summary>
    /// <param name="input">The values.</param>
    public static Tensor Relu(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Relu();
    }

    /// <summary>
    /// Dropout (PyTorch's <c>F.dropout(input, p, training)</c> on the CPU): in training, each element is kept with
    /// probability 1 − p and scaled by 1 / (1 − p) (inverted dropout), else zeroed; otherwise the input itself is returned.
    /// </summary>
    /// <remarks>
    /// The mask is drawn as torch 1.13's CPU <c>bernoulli_(1 − p)</c> draws it without MKL: one 64-bit draw per element,
    /// in order, kept when its 53-bit uniform is below 1 − p; the kept elements are multiplied by the float32
    /// 1 / (1 − p). With <c>new Generator(s)</c> this gives the mask and the values of <c>torch.manual_seed(s)</c> followed
    /// by <c>F.dropout</c>, bit for bit. The gradient is the output gradient times the same mask and scale.
    /// </remarks>
    /// <param name="input">The input.</param>
    /// <param name="p">The probability of zeroing an element, in [0, 1].</param>
    /// <param name="training">Whether to drop (PyTorch's <c>training</c>); false returns <paramref name="input"/>.</param>
    /// <param name="generator">Where the mask is drawn from; <see cref="Generator.Default"/> when null.</param>
    /// <returns>The input with dropped elements zeroed and the others scaled.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability has to be between 0 and 1.");
        if (!training || p == 0 || input.ElementCount == 0) return input;
        if (p == 1) return input * 0f;
        generator ??= Generator.Default;
        double keep = 1 - p;
        float scale = 1f / (float)keep;
        // The mask is an operation's buffer like any other: from the active TensorArena when training in one.
        var noise = Tensor.Empty(input.GetShape());
        Span<float> mask = noise.AsSpan();
        // NextDouble() < keep, without the doubles: the draw's low 53 bits u give u·2^-53 < keep exactly when
        // u < ⌈keep·2^53⌉ (both sides are exact). The draws come a block at a time.
        long threshold = (long)Math.Ceiling(keep * (1UL << 53));
        Span<uint> draws = stackalloc uint[1024];
        for (int start = 0; start < mask.Length; start += draws.Length / 2)
        {
            int n = Math.Min(draws.Length / 2, mask.Length - start);
            generator.NextUInt32s(draws[..(2 * n)]);
            KeepMask(draws[..(2 * n)], threshold, scale, mask.Slice(start, n));
        }
        return input * noise;
    }

    /// <summary>
    /// mask[i] = scale when the low 53 bits of the 64-bit draw (pairs[2i] high, pairs[2i + 1] low) are below
    /// <paramref name="threshold"/>, else 0. Without branches: a kept element is a coin flip, which a branch would
    /// mispredict a third of the time at p = 0.3 (that was most of dropout's cost on wide layers).
    /// </summary>
    private static void KeepMask(ReadOnlySpan<uint> pairs, long threshold, float scale, Span<float> mask)
    {
        const long Low53 = (1L << 53) - 1;
        const long High21 = (1L << 21) - 1;
        int scaleBits = BitConverter.SingleToInt32Bits(scale);
        int i = 0;
        if (Vector.IsHardwareAccelerated && BitConverter.IsLittleEndian)
        {
            // A pair read as one little-endian long holds the high word in its low half: u = (low half & 2²¹−1)
            // shifted up, or'ed with the high half shifted down. u and threshold are below 2⁶³, so a signed compare
            // is exact; its all-ones lanes, narrowed to 32 bits, select the scale's bits.
            ReadOnlySpan<long> words = MemoryMarshal.Cast<uint, long>(pairs);
            var high21 = new Vector<long>(High21);
            var limit = new Vector<long>(threshold);
            var scaleVector = new Vector<int>(scaleBits);
            int lanes = Vector<long>.Count;
            for (; i <= mask.Length - 2 * lanes; i += 2 * lanes)
            {
                var w0 = new Vector<long>(words[i..]);
                var w1 = new Vector<long>(words[(i + lanes)..]);
                Vector<long> kept0 = Vector.LessThan(Vector.ShiftLeft(w0 & high21, 32) | Vector.ShiftRightLogical(w0, 32), limit);
                Vector<long> kept1 = Vector.LessThan(Vector.ShiftLeft(w1 & high21, 32) | Vector.ShiftRightLogical(w1, 32), limit);
                Vector.AsVectorSingle(Vector.Narrow(kept0, kept1) & scaleVector).CopyTo(mask[i..]);
            }
        }

        for (; i < mask.Length; i++)
        {
            long u = (long)((((ulong)pairs[2 * i] << 32) | pairs[2 * i + 1]) & Low53);
            // u − threshold is negative (all ones after the arithmetic shift) exactly when the element is kept.
            mask[i] = BitConverter.Int32BitsToSingle(scaleBits & (int)((u - threshold) >> 63));
        }
    }

    /// <summary>
    /// y = x·Wᵀ + b in one fused operation with one autograd node (PyTorch's <c>F.linear</c>).
    /// </summary>
    /// <param name="input">[…, in] (the leading dimensions are treated as rows).</param>
    /// <param name="weight">[out, in].</param>
    /// <param name="bias">[out], or null.</param>
    /// <returns>[…, out].</returns>
    /// <exception cref="ArgumentException">The shapes do not fit; the message names them.</exception>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2 || input.Rank == 0 || input.Size(-1) != weight.Size(1))
        {
            throw new ArgumentException(
                $"Shapes {input.ShapeString} and {weight.ShapeString} do not match for Linear (input [..., in] and weight [out, in]).", nameof(input));
        }
        int outFeatures = weight.Size(0), inFeatures = weight.Size(1);
        if (bias is not null && (bias.Rank != 1 || bias.Size(0) != outFeatures))
        {
            throw new ArgumentException(
                $"Shapes {bias.ShapeString} and {weight.ShapeString} do not match for Linear (bias must be [out]).", nameof(bias));
        }
        int rows = inFeatures == 0 ? input.Size(0) : input.ElementCount / inFeatures;
        var shape = input.GetShape();
        shape[^1] = outFeatures;
        var output = Tensor.Empty(shape, zeroed: inFeatures == 0);
        var y = output.AsSpan();
        Gemm.Multiply(input.AsSpan(), false, weight.AsSpan(), true, y, rows, outFeatures, inFeatures);
        if (bias is not null)
        {
            ReadOnlySpan<float> b = bias.AsSpan();
            for (int i = 0; i < rows; i++)
            {
                var row = y.Slice(i * outFeatures, outFeatures);
                TensorPrimitives.Add(row, b, row);
            }
        }
        if (Autograd.IsGradEnabled && (input.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false)))
        {
            Record(output, new LinearNode(input, weight, bias, output, rows));
        }
        return output;
    }

    /// <summary>
    /// log-softmax along the last dimension, x − logsumexp(x), computed stably in one pass with one autograd node
    /// (PyTorch's <c>F.log_softmax(x, dim=-1)</c>).
    /// </summary>
    /// <param name="input">The logits.</param>
    /// <param name="dim">The dimension; only the last one is supported (−1, or Rank − 1).</param>
    public static Tensor LogSoftmax(Tensor input, int dim = -1)
    {
        int n = LastDimension(input, dim, "LogSoftmax");
        var output = Tensor.Empty(input.GetShape());
        RowKernels.LogSoftmax(input.AsSpan(), output.AsSpan(), n == 0 ? 0 : input.ElementCount / n, n);
        if (Autograd.IsGradEnabled && input.RequiresGrad) Record(output, new LogSoftmaxNode(input, output, n));
        return output;
    }

    /// <summary>softmax along the last dimension, computed stably (PyTorch's <c>F.softmax(x, dim=-1)</c>).</summary>
    /// <param name="input">The logits.</param>
    /// <param name="dim">The dimension; only the last one is supported.</param>
    public static Tensor Softmax(Tensor input, int dim = -1)
    {
        int n = LastDimension(input, dim, "Softmax");
        var output = Tensor.Empty(input.GetShape());
        RowKernels.Softmax(input.AsSpan(), output.AsSpan(), n == 0 ? 0 : input.ElementCount / n, n);
        if (Autograd.IsGradEnabled && input.RequiresGrad) Record(output, new SoftmaxNode(input, output, n));
        return output;
    }

    /// <summary>
    /// The negative log-likelihood of the targets given log-probabilities (PyTorch's <c>F.nll_loss</c>):
    /// −input[i, target[i]], reduced as asked.
    /// </summary>
    /// <param name="input">Log-probabilities [n, c].</param>
    /// <param name="target">Class indices [n], each in [0, c).</param>
    /// <param name="reduction">Mean (default), Sum, or None for one loss per row.</param>
    public static Tensor Nll(Tensor input, IntTensor target, Reduction reduction = Reduction.Mean)
    {
        var (rows, cols) = CheckClassification(input, target, "Nll");
        var x = input.AsSpan();
        var t = target.AsSpan();
        Tensor output;
        if (reduction == Reduction.None)
        {
            output = Tensor.Empty([rows]);
            var y = output.AsSpan();
            for (int i = 0; i < rows; i++) y[i] = -x[i * cols + t[i]];
        }
        else
        {
            float sum = 0;
            for (int i = 0; i < rows; i++) sum -= x[i * cols + t[i]];
            output = Tensor.Empty([]);
            output.AsSpan()[0] = reduction == Reduction.Mean ? sum / rows : sum;
        }
        if (Autograd.IsGradEnabled && input.RequiresGrad)
        {
            Record(output, new NllNode(input, output, target.ToArray(), ReductionCode(reduction)));
        }
        return output;
    }

    /// <summary>
    /// Cross-entropy of logits against class targets, log-softmax and NLL fused into one stable operation with one
    /// autograd node (PyTorch's <c>F.cross_entropy</c>). Logits of ±10⁴ stay finite.
    /// </summary>
    /// <param name="input">Logits [n, c].</param>
    /// <param name="target">Class indices [n], each in [0, c).</param>
    /// <param name="reduction">Mean over the batch (default), Sum, or None.</param>
    public static Tensor CrossEntropy(Tensor input, IntTensor target, Reduction reduction = Reduction.Mean)
    {
        var (rows, cols) = CheckClassification(input, target, "CrossEntropy");
        var x = input.AsSpan();
        var t = target.AsSpan();
        // The softmax is kept for the backward pass: d loss / d logits = softmax − onehot(target).
        var softmax = Tensor.NewBuffer(rows * cols);
        var shifted = Tensor.NewBuffer(cols);
        var output = Tensor.Empty(reduction == Reduction.None ? [rows] : []);
        var losses = reduction == Reduction.None ? output.AsSpan() : default;
        float sum = 0;
        for (int i = 0; i < rows; i++)
        {
            var p = softmax.AsSpan(i * cols, cols);
            // loss = −log_softmax[target] = log Σ exp(x − m) − (x[target] − m), with the max subtracted first
            // so large logits keep their precision (see RowKernels.LogSoftmax).
            float logSum = RowKernels.ShiftedLogSum(x.Slice(i * cols, cols), shifted, p, out float expSum);
            float loss = logSum - shifted[t[i]];
            TensorPrimitives.Divide(p, expSum, p);
            if (reduction == Reduction.None) losses[i] = loss;
            else sum += loss;
        }
        if (reduction != Reduction.None) output.AsSpan()[0] = reduction == Reduction.Mean ? sum / rows : sum;
        if (Autograd.IsGradEnabled && input.RequiresGrad)
        {
            Record(output, new CrossEntropyNode(input, output, softmax, target, ReductionCode(reduction)));
        }
        return output;
    }

    /// <summary>
    /// The fraction of rows whose largest logit is at the target class (the seeds' <c>accuracy</c>:
    /// <c>(argmax(out, 1) == target).float().mean()</c>).
    /// </summary>
    /// <param name="output">Scores [n, c].</param>
    /// <param name="target">Class indices [n].</param>
    public static float Accuracy(Tensor output, IntTensor target)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(target);
        if (output.Rank != 2 || target.Rank != 1 || target.ElementCount != output.Size(0))
        {
            throw new ArgumentException(
                $"Shapes {output.ShapeString} and {target.ShapeString} do not match for Accuracy (expected [n, c] and [n]).", nameof(target));
        }
        int rows = output.Size(0), cols = output.Size(1);
        if (rows == 0) return float.NaN;
        if (cols == 0) return 0f;
        ReadOnlySpan<float> x = output.AsSpan();
        var t = target.AsSpan();
        int correct = 0;
        for (int i = 0; i < rows; i++)
        {
            if (RowKernels.ArgMax(x.Slice(i * cols, cols), cols) == t[i]) correct++;
        }
        return (float)correct / rows;
    }

    private static (int Rows, int Cols) CheckClassification(Tensor input, IntTensor target, string operation)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (input.Rank != 2 || target.Rank != 1 || target.ElementCount != input.Size(0))
        {
            throw new ArgumentException(
                $"Shapes {input.ShapeString} and {target.ShapeString} do not match for {operation} (expected [n, c] and [n]).", nameof(target));
        }
        int cols = input.Size(1);
        foreach (int t in target.AsSpan())
        {
            if ((uint)t >= (uint)cols)
            {
                throw new ArgumentOutOfRangeException(nameof(target), t, $"Target {t} is out of bounds for {cols} classes.");
            }
        }
        return (input.Size(0), cols);
    }

    private static int LastDimension(Tensor input, int dim, string operation)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank == 0) throw new ArgumentException($"{operation} needs a tensor with at least one dimension.", nameof(input));
        int d = dim < 0 ? dim + input.Rank : dim;
        if (d != input.Rank - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), dim,
                $"{operation} supports only the last dimension ({input.Rank - 1} or −1) of shape {input.ShapeString}.");
        }
        return input.Size(-1);
    }

    private static int ReductionCode(Reduction reduction) => reduction switch
    {
        Reduction.None => 0,
        Reduction.Mean => 1,
        Reduction.Sum => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Unknown reduction."),
    };

    private static void Record(Tensor output, AutogradNode node)
    {
        output._gradFn = node;
        output.RequiresGrad = true;
    }
}
