using System.Numerics;
using System.Numerics.Tensors;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Optim;

/// <summary>
/// The update rules of <c>Sgd</c> and <c>Adam</c> as vectorised kernels over flat spans.
/// </summary>
/// <remarks>
/// The operation order and the fused multiply-adds mirror PyTorch's CPU kernels (torch 1.13/2.x,
/// single-tensor path): its <c>add_(x, alpha)</c> and <c>addcmul_</c> evaluate as
/// <c>fmadd(x, alpha, self)</c> on AVX2 hardware, so a fused multiply-add (<see cref="FusedMultiplyAddKernel"/>,
/// fast on every instruction-set path) at exactly those places reproduces PyTorch's float32 results bit for bit
/// (the golden tests check it).
/// Hyperparameters arrive as doubles, as Python floats do in PyTorch, and are rounded to float at the
/// same points PyTorch rounds them (scalar arguments of float32 kernels); derived scalars such as
/// Adam's step size are computed in double first, as PyTorch computes them in Python.
/// Work proceeds in chunks so temporaries live on the stack and stay in L1.
/// </remarks>
internal static class OptimizerKernels
{
    /// <summary>Elements per chunk; three stack buffers of this size stay well inside L1.</summary>
    private const int ChunkSize = 512;

    /// <summary>
    /// From how many elements an SGD step runs split over threads: where the fused multiply-adds are emulated, the step
    /// is bound by arithmetic and splits sooner (the lesson's weights included); elsewhere only where it streams from L3.
    /// </summary>
    private static int SgdSplitLength => FusedMultiplyAddKernel.Emulated ? SplitRanges.MinComputeBoundLength : SplitRanges.MinLength;

    /// <summary>
    /// One SGD step for one parameter, PyTorch's rule:
    /// d = ±g (+ weightDecay·p); buf = d on the first step, else momentum·buf + (1 − dampening)·d;
    /// d = nesterov ? d + momentum·buf : buf; p = p − lr·d.
    /// </summary>
    /// <param name="param">Parameter values, updated in place.</param>
    /// <param name="grad">Gradient, same length.</param>
    /// <param name="momentumBuffer">Momentum buffer (same length) when <paramref name="momentum"/> ≠ 0, else empty.</param>
    /// <param name="firstStep">Whether the momentum buffer is uninitialised (it is then set to d).</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="momentum">Momentum factor.</param>
    /// <param name="dampening">Dampening for momentum.</param>
    /// <param name="weightDecay">L2 penalty.</param>
    /// <param name="nesterov">Nesterov momentum.</param>
    /// <param name="maximize">Ascend instead of descend.</param>
    internal static unsafe void SgdStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> momentumBuffer, bool firstStep,
        double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool maximize)
    {
        if (grad.Length != param.Length)
            throw new ArgumentException($"Gradient length {grad.Length} differs from parameter length {param.Length}.", nameof(grad));
        if (momentum != 0 && momentumBuffer.Length != param.Length)
            throw new ArgumentException($"Momentum buffer length {momentumBuffer.Length} differs from parameter length {param.Length}.", nameof(momentumBuffer));

        fixed (float* p = param)
        fixed (float* g = grad)
        fixed (float* buf = momentum != 0 ? momentumBuffer : default)
        {
            var pass = new SgdPass
            {
                Param = p, Grad = g, MomentumBuffer = buf, FirstStep = firstStep, Lr = lr, Momentum = momentum,
                Dampening = dampening, WeightDecay = weightDecay, Nesterov = nesterov, Maximize = maximize,
            };
            SplitRanges.Run(ref pass, param.Length, SgdSplitLength);
        }
    }

    /// <summary><see cref="SgdStep"/> on a range of the elements: what each thread runs when a long parameter is split.</summary>
    private unsafe struct SgdPass : IRangePass
    {
        public float* Param;
        public float* Grad;
        public float* MomentumBuffer;
        public bool FirstStep;
        public double Lr;
        public double Momentum;
        public double Dampening;
        public double WeightDecay;
        public bool Nesterov;
        public bool Maximize;

        public readonly void Run(int from, int to)
        {
            var param = new Span<float>(Param + from, to - from);
            var grad = new ReadOnlySpan<float>(Grad + from, to - from);
            float negLr = (float)-Lr;
            float mom = (float)Momentum;
            float oneMinusDampening = (float)(1 - Dampening);
            float wd = (float)WeightDecay;

            // Plain SGD, the lesson's case: one fused pass, no temporaries.
            if (Momentum == 0 && WeightDecay == 0 && !Maximize)
            {
                FusedMultiplyAddKernel.Run(grad, negLr, param, param);
                return;
            }

            Span<float> scratch = stackalloc float[ChunkSize];
            for (int start = 0; start < param.Length; start += ChunkSize)
            {
                int n = Math.Min(ChunkSize, param.Length - start);
                Span<float> p = param.Slice(start, n);
                scoped ReadOnlySpan<float> g = grad.Slice(start, n);
                Span<float> tmp = scratch[..n];

                // d = maximize ? -g : g, then d += weightDecay·p (PyTorch: d_p.add(param, alpha=weight_decay)).
                scoped ReadOnlySpan<float> d = g;
                if (Maximize)
                {
                    TensorPrimitives.Negate(g, tmp);
                    d = tmp;
                }
                if (WeightDecay != 0)
                {
                    FusedMultiplyAddKernel.Run(p, wd, d, tmp);
                    d = tmp;
                }

                if (Momentum != 0)
                {
                    var buf = new Span<float>(MomentumBuffer + from + start, n);
                    if (FirstStep)
                    {
                        d.CopyTo(buf);
                    }
                    else
                    {
                        // buf.mul_(momentum).add_(d, alpha=1 - dampening): two roundings, the second fused.
                        TensorPrimitives.Multiply(buf, mom, buf);
                        FusedMultiplyAddKernel.Run(d, oneMinusDampening, buf, buf);
                    }
                    if (Nesterov)
                    {
                        FusedMultiplyAddKernel.Run(buf, mom, d, tmp);
                        d = tmp;
                    }
                    else
                    {
                        d = buf;
                    }
                }

                FusedMultiplyAddKernel.Run(d, negLr, p, p);
            }
        }
    }

    /// <summary>
    /// One Adam step for one parameter, PyTorch's rule (L2 weight decay added to the gradient,
    /// bias corrections 1 − β^t, step size lr / bc1, denominator sqrt(v) / sqrt(bc2) + eps).
    /// </summary>
    /// <param name="param">Parameter values, updated in place.</param>
    /// <param name="grad">Gradient, same length.</param>
    /// <param name="expAvg">First moment m, updated in place.</param>
    /// <param name="expAvgSq">Second moment v, updated in place.</param>
    /// <param name="maxExpAvgSq">Running maximum of v when <paramref name="amsgrad"/>, else empty.</param>
    /// <param name="step">This parameter's step count including this step (1 on the first step).</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="beta1">Decay of the first moment.</param>
    /// <param name="beta2">Decay of the second moment.</param>
    /// <param name="eps">Added to the denominator.</param>
    /// <param name="weightDecay">L2 penalty.</param>
    /// <param name="amsgrad">Use the running maximum of v.</param>
    /// <param name="maximize">Ascend instead of descend.</param>
    /// <param name="decoupledWeightDecay">AdamW's rule: instead of adding weightDecay·p to the gradient, first scale the
    /// parameter by 1 − lr·weightDecay (PyTorch's <c>param.mul_(1 - lr * weight_decay)</c>).</param>
    internal static unsafe void AdamStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq,
        Span<float> maxExpAvgSq, long step, double lr, double beta1, double beta2, double eps, double weightDecay,
        bool amsgrad, bool maximize, bool decoupledWeightDecay = false)
    {
        if (grad.Length != param.Length)
            throw new ArgumentException($"Gradient length {grad.Length} differs from parameter length {param.Length}.", nameof(grad));
        if (expAvg.Length != param.Length || expAvgSq.Length != param.Length)
            throw new ArgumentException($"Moment buffers ({expAvg.Length}, {expAvgSq.Length}) differ from parameter length {param.Length}.", nameof(expAvg));
        if (amsgrad && maxExpAvgSq.Length != param.Length)
            throw new ArgumentException($"AMSGrad buffer length {maxExpAvgSq.Length} differs from parameter length {param.Length}.", nameof(maxExpAvgSq));
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1L);

        fixed (float* p = param)
        fixed (float* g = grad)
        fixed (float* m = expAvg)
        fixed (float* v = expAvgSq)
        fixed (float* vMax = amsgrad ? maxExpAvgSq : default)
        {
            var pass = new AdamPass
            {
                Param = p, Grad = g, ExpAvg = m, ExpAvgSq = v, MaxExpAvgSq = vMax, Step = step, Lr = lr, Beta1 = beta1,
                Beta2 = beta2, Eps = eps, WeightDecay = weightDecay, AmsGrad = amsgrad, Maximize = maximize,
                DecoupledWeightDecay = decoupledWeightDecay,
            };
            // A square root and two divisions an element: split sooner than a pass that only streams memory (the
            // lesson's weights on Zen 3, AVX2: 52 → 42 µs a step).
            SplitRanges.Run(ref pass, param.Length, SplitRanges.MinComputeBoundLength);
        }
    }

    /// <summary><see cref="AdamStep"/> on a range of the elements: what each thread runs when a long parameter is split.</summary>
    private unsafe struct AdamPass : IRangePass
    {
        public float* Param;
        public float* Grad;
        public float* ExpAvg;
        public float* ExpAvgSq;
        public float* MaxExpAvgSq;
        public long Step;
        public double Lr;
        public double Beta1;
        public double Beta2;
        public double Eps;
        public double WeightDecay;
        public bool AmsGrad;
        public bool Maximize;
        public bool DecoupledWeightDecay;

        public readonly void Run(int from, int to)
        {
            int length = to - from;
            var param = new Span<float>(Param + from, length);
            var grad = new ReadOnlySpan<float>(Grad + from, length);
            var expAvg = new Span<float>(ExpAvg + from, length);
            var expAvgSq = new Span<float>(ExpAvgSq + from, length);

            // Scalars exactly as PyTorch derives them: Python (double) arithmetic, then rounded to float
            // where they enter a float32 kernel.
            double biasCorrection1 = 1 - Math.Pow(Beta1, Step);
            double biasCorrection2 = 1 - Math.Pow(Beta2, Step);
            float negStepSize = (float)-(Lr / biasCorrection1);
            float biasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2);
            float b1 = (float)Beta1, oneMinusB1 = (float)(1 - Beta1);
            float b2 = (float)Beta2, oneMinusB2 = (float)(1 - Beta2);
            float epsF = (float)Eps;
            float wd = (float)WeightDecay;
            // AdamW: 1 − lr·wd in Python (double), rounded once where it enters mul_.
            float decay = (float)(1 - Lr * WeightDecay);

            // Where the hardware fuses multiply-adds, whole vectors go through every operation in registers, one
            // pass instead of eleven over the chunk; the rest (a last partial vector, AMSGrad, other machines) below.
            // (Everything the loop reads is a local: stores through the pointers could otherwise alias this struct's
            // fields, and the JIT would read them again every step.)
            int fused = AmsGrad || !FusedMultiplyAddKernel.InHardware ? 0 : length - (length % Vector<float>.Count);
            float* ps = Param + from, gs = Grad + from, ms = ExpAvg + from, vs = ExpAvgSq + from;
            bool maximize = Maximize, decoupled = WeightDecay != 0 && DecoupledWeightDecay, coupled = WeightDecay != 0 && !DecoupledWeightDecay;
            Vector<float> decayV = new(decay), wdV = new(wd), b1V = new(b1), oneMinusB1V = new(oneMinusB1), b2V = new(b2);
            Vector<float> oneMinusB2V = new(oneMinusB2), bc2V = new(biasCorrection2Sqrt), epsV = new(epsF), stepV = new(negStepSize);
            for (int i = 0; i < fused; i += Vector<float>.Count)
            {
                var g = Vector.Load(gs + i);
                var p = Vector.Load(ps + i);
                if (maximize) g = -g;
                if (decoupled) p *= decayV;
                else if (coupled) g = Vector.FusedMultiplyAdd(p, wdV, g);
                var m = Vector.FusedMultiplyAdd(g, oneMinusB1V, Vector.Load(ms + i) * b1V);
                var v = Vector.FusedMultiplyAdd(g * oneMinusB2V, g, Vector.Load(vs + i) * b2V);
                var denom = (Vector.SquareRoot(v) / bc2V) + epsV;
                (p + ((m * stepV) / denom)).Store(ps + i);
                m.Store(ms + i);
                v.Store(vs + i);
            }

            Span<float> scratch = stackalloc float[3 * ChunkSize];
            for (int start = fused; start < param.Length; start += ChunkSize)
            {
                int n = Math.Min(ChunkSize, param.Length - start);
                Span<float> p = param.Slice(start, n);
                Span<float> m = expAvg.Slice(start, n);
                Span<float> v = expAvgSq.Slice(start, n);
                Span<float> gBuf = scratch.Slice(0, n);
                Span<float> t1 = scratch.Slice(ChunkSize, n);
                Span<float> t2 = scratch.Slice(2 * ChunkSize, n);

                scoped ReadOnlySpan<float> g = grad.Slice(start, n);
                if (Maximize)
                {
                    TensorPrimitives.Negate(g, gBuf);
                    g = gBuf;
                }
                if (WeightDecay != 0 && DecoupledWeightDecay)
                {
                    TensorPrimitives.Multiply(p, decay, p);
                }
                else if (WeightDecay != 0)
                {
                    FusedMultiplyAddKernel.Run(p, wd, g, gBuf);
                    g = gBuf;
                }

                // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                TensorPrimitives.Multiply(m, b1, m);
                FusedMultiplyAddKernel.Run(g, oneMinusB1, m, m);

                // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2): (value·g) rounded, then fused ·g + v.
                TensorPrimitives.Multiply(v, b2, v);
                TensorPrimitives.Multiply(g, oneMinusB2, t1);
                FusedMultiplyAddKernel.Run(t1, g, v, v);

                ReadOnlySpan<float> second = v;
                if (AmsGrad)
                {
                    var vMax = new Span<float>(MaxExpAvgSq + from + start, n);
                    TensorPrimitives.Max(vMax, v, vMax);
                    second = vMax;
                }

                // denom = (sqrt(v) / sqrt(bc2)).add_(eps)
                TensorPrimitives.Sqrt(second, t1);
                TensorPrimitives.Divide(t1, biasCorrection2Sqrt, t1);
                TensorPrimitives.Add(t1, epsF, t1);

                // param.addcdiv_(exp_avg, denom, value=-step_size): p + (value·m) / denom.
                TensorPrimitives.Multiply(m, negStepSize, t2);
                TensorPrimitives.Divide(t2, t1, t2);
                TensorPrimitives.Add(p, t2, p);
            }
        }
    }
}
