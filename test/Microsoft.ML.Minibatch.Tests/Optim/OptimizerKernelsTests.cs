using Microsoft.ML.Minibatch.Optim;

namespace Microsoft.ML.Minibatch.Tests.OptimTests;

/// <summary>
/// The span kernels replayed against torch.optim.SGD / torch.optim.Adam trajectories
/// (Fixtures/optim_*_golden.json) and against hand-computed single steps.
/// </summary>
[TestClass]
public sealed class OptimizerKernelsTests
{
    [TestMethod]
    public void Sgd_kernel_follows_every_PyTorch_trajectory()
    {
        IReadOnlyList<OptimGolden> cases = OptimGolden.Load("optim_sgd_golden.json");
        Assert.IsGreaterThanOrEqualTo(10, cases.Count);
        int differing = 0;
        foreach (OptimGolden c in cases)
        {
            double lr = c.Option("lr", double.NaN);
            double momentum = c.Option("momentum", 0), dampening = c.Option("dampening", 0), weightDecay = c.Option("weight_decay", 0);
            bool nesterov = c.Flag("nesterov"), maximize = c.Flag("maximize");
            float[][] p = c.Initial.Select(x => (float[])x.Clone()).ToArray();
            float[]?[] buffers = new float[p.Length][];
            for (int s = 0; s < c.Steps.Length; s++)
            {
                GoldenStep step = c.Steps[s];
                lr = step.LearningRate ?? lr;
                for (int i = 0; i < p.Length; i++)
                {
                    if (step.Grads[i] is not float[] g) continue; // PyTorch skips params without grad
                    bool first = buffers[i] is null;
                    buffers[i] ??= new float[p[i].Length];
                    OptimizerKernels.SgdStep(p[i], g, momentum != 0 ? buffers[i] : [], first, lr, momentum, dampening, weightDecay, nesterov, maximize);
                }
                for (int i = 0; i < p.Length; i++)
                    differing += OptimGolden.AssertClose(step.After[i], p[i], $"{c.Name} step {s} {c.ParamNames[i]}");
            }
        }
        // PyTorch's CPU add_/addcmul_ kernels fuse the multiply-add; ours do too, so the float32
        // trajectories agree to the bit, not merely to 1e-5.
        Assert.AreEqual(0, differing, "elements differing in any bit from PyTorch");
    }

    [TestMethod]
    public void Adam_kernel_follows_every_PyTorch_trajectory()
    {
        IReadOnlyList<OptimGolden> cases = OptimGolden.Load("optim_adam_golden.json");
        Assert.IsGreaterThanOrEqualTo(8, cases.Count);
        int differing = 0;
        foreach (OptimGolden c in cases)
        {
            double lr = c.Option("lr", 1e-3), eps = c.Option("eps", 1e-8), weightDecay = c.Option("weight_decay", 0);
            (double beta1, double beta2) = c.Betas();
            bool amsgrad = c.Flag("amsgrad"), maximize = c.Flag("maximize");
            float[][] p = c.Initial.Select(x => (float[])x.Clone()).ToArray();
            float[][] m = p.Select(x => new float[x.Length]).ToArray();
            float[][] v = p.Select(x => new float[x.Length]).ToArray();
            float[][] vMax = p.Select(x => new float[x.Length]).ToArray();
            long[] t = new long[p.Length];
            for (int s = 0; s < c.Steps.Length; s++)
            {
                GoldenStep step = c.Steps[s];
                lr = step.LearningRate ?? lr;
                for (int i = 0; i < p.Length; i++)
                {
                    if (step.Grads[i] is not float[] g) continue;
                    OptimizerKernels.AdamStep(p[i], g, m[i], v[i], amsgrad ? vMax[i] : [], ++t[i], lr, beta1, beta2, eps, weightDecay, amsgrad, maximize);
                }
                for (int i = 0; i < p.Length; i++)
                    differing += OptimGolden.AssertClose(step.After[i], p[i], $"{c.Name} step {s} {c.ParamNames[i]}");
            }
        }
        Assert.AreEqual(0, differing, "elements differing in any bit from PyTorch");
    }

    [TestMethod]
    public void Sgd_first_momentum_step_copies_the_gradient_then_accumulates()
    {
        // Hand-computed: p = 1, g = 2, lr = 0.5, momentum = 0.5, dampening = 0.5.
        // Step 1: buf = 2, p = 1 − 0.5·2 = 0. Step 2 (g = 2): buf = 0.5·2 + 0.5·2 = 2, p = 0 − 1 = −1.
        float[] p = [1f];
        float[] buf = new float[1];
        OptimizerKernels.SgdStep(p, [2f], buf, firstStep: true, 0.5, 0.5, 0.5, 0, false, false);
        Assert.AreEqual(2f, buf[0]);
        Assert.AreEqual(0f, p[0]);
        OptimizerKernels.SgdStep(p, [2f], buf, firstStep: false, 0.5, 0.5, 0.5, 0, false, false);
        Assert.AreEqual(2f, buf[0]);
        Assert.AreEqual(-1f, p[0]);
    }

    [TestMethod]
    public void Adam_first_step_moves_each_element_by_lr_times_sign_of_gradient()
    {
        // At t = 1, m̂ = g and v̂ = g², so the step is lr·g/(|g| + eps) ≈ lr·sign(g) for |g| ≫ eps.
        float[] p = new float[1000];
        float[] g = new float[1000];
        for (int i = 0; i < g.Length; i++) g[i] = (i % 7 - 3) * 0.25f + (i % 2 == 0 ? 0.01f : -0.01f);
        OptimizerKernels.AdamStep(p, g, new float[1000], new float[1000], [], 1, 0.01, 0.9, 0.999, 1e-8, 0, false, false);
        for (int i = 0; i < p.Length; i++)
            Assert.AreEqual(-0.01 * Math.Sign(g[i]), p[i], 1e-7, $"element {i}");
    }

    [TestMethod]
    public void Kernels_cover_lengths_that_span_several_chunks_and_a_tail()
    {
        // 1301 = 2 full chunks + a tail; every element must be updated identically to a one-element call.
        const int n = 1301;
        float[] p = new float[n], buf = new float[n], g = new float[n];
        for (int i = 0; i < n; i++) { p[i] = MathF.Sin(i); g[i] = MathF.Cos(i * 0.37f); }
        float[] single = (float[])p.Clone(), singleBuf = new float[n];
        for (int step = 0; step < 2; step++)
        {
            OptimizerKernels.SgdStep(p, g, buf, step == 0, 0.1, 0.9, 0.1, 0.01, true, false);
            for (int i = 0; i < n; i++)
                OptimizerKernels.SgdStep(single.AsSpan(i, 1), g.AsSpan(i, 1), singleBuf.AsSpan(i, 1), step == 0, 0.1, 0.9, 0.1, 0.01, true, false);
        }
        CollectionAssert.AreEqual(single, p);
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    public void Adam_on_many_elements_updates_each_as_a_one_element_call_does(bool decoupled, bool maximize)
    {
        // 1301 elements: whole vectors (in registers where the hardware fuses multiply-adds) and a tail; a
        // one-element call takes the chunked path every time.
        const int n = 1301;
        float[] p = new float[n], m = new float[n], v = new float[n], g = new float[n];
        for (int i = 0; i < n; i++) { p[i] = MathF.Sin(i); g[i] = MathF.Cos(i * 0.37f); }
        float[] single = (float[])p.Clone(), singleM = new float[n], singleV = new float[n];
        for (long step = 1; step <= 3; step++)
        {
            OptimizerKernels.AdamStep(p, g, m, v, [], step, 1e-2, 0.9, 0.999, 1e-8, 0.01, false, maximize, decoupled);
            for (int i = 0; i < n; i++)
                OptimizerKernels.AdamStep(single.AsSpan(i, 1), g.AsSpan(i, 1), singleM.AsSpan(i, 1), singleV.AsSpan(i, 1), [], step, 1e-2, 0.9, 0.999, 1e-8, 0.01, false, maximize, decoupled);
        }
        CollectionAssert.AreEqual(single, p, "parameters");
        CollectionAssert.AreEqual(singleM, m, "first moments");
        CollectionAssert.AreEqual(singleV, v, "second moments");
    }

    [TestMethod]
    public void Kernels_reject_mismatched_lengths()
    {
        Assert.ThrowsExactly<ArgumentException>(() => OptimizerKernels.SgdStep(new float[3], new float[2], [], true, 0.1, 0, 0, 0, false, false));
        Assert.ThrowsExactly<ArgumentException>(() => OptimizerKernels.SgdStep(new float[3], new float[3], new float[2], true, 0.1, 0.9, 0, 0, false, false));
        Assert.ThrowsExactly<ArgumentException>(() => OptimizerKernels.AdamStep(new float[3], new float[3], new float[3], new float[3], [], 1, 0.1, 0.9, 0.999, 1e-8, 0, true, false));
    }
}
