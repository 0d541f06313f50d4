using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Tests.OptimTests;

/// <summary>
/// Sgd and Adam over real Parameters: the PyTorch golden trajectories replayed through Grad,
/// ZeroGrad, LearningRate changes and skipped parameters, and PyTorch's argument checks.
/// </summary>
[TestClass]
public sealed class OptimizerTests
{
    private static Parameter[] MakeParameters(OptimGolden c) =>
        c.Initial.Select((values, i) => new Parameter(Tensor.FromArray(values, c.Shapes[i]))).ToArray();

    /// <summary>Replays a golden case: sets each Grad (or null), applies the step's lr, steps, compares.</summary>
    private static int Replay(OptimGolden c, Parameter[] parameters, Optimizer optimizer)
    {
        int differing = 0;
        for (int s = 0; s < c.Steps.Length; s++)
        {
            GoldenStep step = c.Steps[s];
            if (step.LearningRate is double lr) optimizer.LearningRate = lr;
            for (int i = 0; i < parameters.Length; i++)
                parameters[i].Grad = step.Grads[i] is float[] g ? Tensor.FromArray(g, c.Shapes[i]) : null;
            optimizer.Step();
            for (int i = 0; i < parameters.Length; i++)
                differing += OptimGolden.AssertClose(step.After[i], parameters[i].AsSpan(), $"{c.Name} step {s} {c.ParamNames[i]}");
        }
        Assert.AreEqual(c.Steps.Length, optimizer.StepCount);
        return differing;
    }

    [TestMethod]
    public void Sgd_matches_torch_optim_SGD_on_every_golden_case()
    {
        int differing = 0, cases = 0;
        foreach (OptimGolden c in OptimGolden.Load("optim_sgd_golden.json"))
        {
            Parameter[] ps = MakeParameters(c);
            var sgd = new Sgd(ps, c.Option("lr", double.NaN), c.Option("momentum", 0), c.Option("dampening", 0),
                c.Option("weight_decay", 0), c.Flag("nesterov"), c.Flag("maximize"));
            differing += Replay(c, ps, sgd);
            cases++;
        }
        Assert.AreEqual(10, cases);
        Assert.AreEqual(0, differing, "elements differing in any bit from PyTorch");
    }

    [TestMethod]
    public void Adam_matches_torch_optim_Adam_on_every_golden_case() => AssertAdamFamilyMatchesGolden("optim_adam_golden.json",
        // PyTorch's defaults must be ours.
        ps => new Adam(ps),
        (ps, c, beta1, beta2) => new Adam(ps, c.Option("lr", 1e-3), beta1, beta2, c.Option("eps", 1e-8), c.Option("weight_decay", 0), c.Flag("amsgrad"), c.Flag("maximize")));

    [TestMethod]
    public void AdamW_matches_torch_optim_AdamW_on_every_golden_case() => AssertAdamFamilyMatchesGolden("optim_adamw_golden.json",
        // PyTorch's defaults, weight decay 0.01 included, must be ours.
        ps => new AdamW(ps),
        (ps, c, beta1, beta2) => new AdamW(ps, c.Option("lr", 1e-3), beta1, beta2, c.Option("eps", 1e-8), c.Option("weight_decay", 1e-2), c.Flag("amsgrad"), c.Flag("maximize")));

    /// <summary>Replays every golden case of <paramref name="file"/> (the "default" case with the optimizer's own defaults)
    /// and requires PyTorch's values to the bit and per-parameter step counts.</summary>
    private static void AssertAdamFamilyMatchesGolden(string file, Func<Parameter[], AdamOptimizer> withDefaults,
        Func<Parameter[], OptimGolden, double, double, AdamOptimizer> withOptions)
    {
        int differing = 0, cases = 0;
        foreach (OptimGolden c in OptimGolden.Load(file))
        {
            Parameter[] ps = MakeParameters(c);
            (double beta1, double beta2) = c.Betas();
            AdamOptimizer adam = c.Name == "default" ? withDefaults(ps) : withOptions(ps, c, beta1, beta2);
            differing += Replay(c, ps, adam);
            // "s" had no grad on two of the ten steps: its own step count t must not have advanced then.
            Assert.AreEqual(10L, adam.GetParameterStepCount(0), c.Name);
            Assert.AreEqual(8L, adam.GetParameterStepCount(2), c.Name);
            cases++;
        }
        Assert.AreEqual(8, cases);
        Assert.AreEqual(0, differing, "elements differing in any bit from PyTorch");
    }

    [TestMethod]
    public void AdamW_decays_the_weights_apart_from_the_gradient()
    {
        // Hand-computed: with a zero gradient Adam's moments stay 0, so the only change is p·(1 − lr·wd);
        // Adam's L2 decay instead feeds wd·p into the moments and moves p by about lr.
        var p = new Parameter(Tensor.FromArray([2f, -4f], 2)) { Grad = Tensor.FromArray([0f, 0f], 2) };
        var adamW = new AdamW([p], learningRate: 0.1, weightDecay: 0.5);
        adamW.Step();
        CollectionAssert.AreEqual(new[] { 2f * 0.95f, -4f * 0.95f }, p.ToArray());

        var q = new Parameter(Tensor.FromArray([2f, -4f], 2)) { Grad = Tensor.FromArray([0f, 0f], 2) };
        new Adam([q], learningRate: 0.1, weightDecay: 0.5).Step();
        Assert.AreEqual(1.9, q.ToArray()[0], 1e-6, "Adam: the first step moves by lr·sign(wd·p)");
    }

    [TestMethod]
    public void AdamW_state_dict_resumes_exactly()
    {
        OptimGolden c = OptimGolden.Load("optim_adamw_golden.json").Single(g => g.Name == "amsgrad_weight_decay");
        Parameter[] ps = MakeParameters(c);
        var first = new AdamW(ps, 0.1, weightDecay: 0.5, amsGrad: true);
        for (int s = 0; s < 5; s++)
        {
            for (int i = 0; i < ps.Length; i++) ps[i].Grad = c.Steps[s].Grads[i] is float[] g ? Tensor.FromArray(g, c.Shapes[i]) : null;
            first.Step();
        }
        var resumed = new AdamW(ps, 0.1, weightDecay: 0.5, amsGrad: true);
        resumed.LoadStateDict(first.StateDict());
        for (int s = 5; s < c.Steps.Length; s++)
        {
            for (int i = 0; i < ps.Length; i++) ps[i].Grad = c.Steps[s].Grads[i] is float[] g ? Tensor.FromArray(g, c.Shapes[i]) : null;
            resumed.Step();
            for (int i = 0; i < ps.Length; i++)
                CollectionAssert.AreEqual(c.Steps[s].After[i], ps[i].ToArray(), $"step {s} {c.ParamNames[i]}");
        }
    }

    [TestMethod]
    public void AdamW_rejects_what_PyTorch_rejects()
    {
        var p = new Parameter(Tensor.FromArray([1f], 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdamW([p], weightDecay: -0.01));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdamW([p], beta1: 1.0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdamW([p], epsilon: double.NaN));
        Assert.AreEqual(0.01, new AdamW([p]).WeightDecay, "PyTorch's default");
    }

    [TestMethod]
    public void Step_uses_the_gradient_computed_by_Backward()
    {
        // loss = Σ w·x, so dloss/dw = x and one plain step gives w − lr·x.
        var w = new Parameter(Tensor.FromArray([1f, 2f, 3f], 3));
        Tensor x = Tensor.FromArray([0.5f, -1f, 4f], 3);
        (w * x).Sum().Backward();
        var sgd = new Sgd([w], learningRate: 0.25);
        sgd.Step();
        CollectionAssert.AreEqual(new[] { 1f - 0.125f, 2f + 0.25f, 3f - 1f }, w.ToArray());
    }

    [TestMethod]
    public void ZeroGrad_zeroes_in_place_and_setToNone_drops_the_gradients()
    {
        var a = new Parameter(Tensor.FromArray([1f, 2f], 2));
        var b = new Parameter(Tensor.FromArray([3f], 1));
        a.Grad = Tensor.FromArray([5f, 6f], 2);
        Tensor aGrad = a.Grad;
        var sgd = new Sgd([a, b], learningRate: 0.1, weightDecay: 0.5);

        sgd.ZeroGrad();
        Assert.AreSame(aGrad, a.Grad, "zeroed in place, so backward can accumulate into the same buffer");
        CollectionAssert.AreEqual(new[] { 0f, 0f }, a.Grad!.ToArray());
        Assert.IsNull(b.Grad, "a parameter without a gradient keeps none");

        // A zero gradient still takes part: weight decay alone moves a: p − 0.1·(0 + 0.5·p) = 0.95·p.
        sgd.Step();
        CollectionAssert.AreEqual(new[] { 0.95f, 1.9f }, a.ToArray());

        sgd.ZeroGrad(setToNone: true);
        Assert.IsNull(a.Grad);
        sgd.Step();
        CollectionAssert.AreEqual(new[] { 0.95f, 1.9f }, a.ToArray(), "no gradient: skipped, weight decay not applied");
    }

    [TestMethod]
    public void Parameters_without_grad_are_skipped_and_keep_no_momentum_state()
    {
        var a = new Parameter(Tensor.FromArray([1f], 1));
        var b = new Parameter(Tensor.FromArray([1f], 1));
        var sgd = new Sgd([a, b], learningRate: 1, momentum: 0.5);
        a.Grad = Tensor.FromArray([1f], 1);
        sgd.Step();
        Assert.AreEqual(0f, a.AsSpan()[0]);
        Assert.AreEqual(1f, b.AsSpan()[0]);
        Assert.IsNull(sgd.GetMomentumBuffer(1));
        CollectionAssert.AreEqual(new[] { 1f }, sgd.GetMomentumBuffer(0));

        // b's first gradient starts its buffer (a copy of g), independent of a's.
        b.Grad = Tensor.FromArray([2f], 1);
        sgd.Step();
        CollectionAssert.AreEqual(new[] { 2f }, sgd.GetMomentumBuffer(1));
        Assert.AreEqual(-1f, b.AsSpan()[0]);
        CollectionAssert.AreEqual(new[] { 1.5f }, sgd.GetMomentumBuffer(0)); // 0.5·1 + 1
        Assert.AreEqual(-1.5f, a.AsSpan()[0]);
    }

    [TestMethod]
    public void A_learning_rate_change_takes_effect_on_the_next_step()
    {
        var p = new Parameter(Tensor.FromArray([1f], 1));
        var sgd = new Sgd([p], learningRate: 0.5);
        p.Grad = Tensor.FromArray([1f], 1);
        sgd.Step();
        Assert.AreEqual(0.5f, p.AsSpan()[0]);
        sgd.LearningRate = 0.125;
        Assert.AreEqual(0.125, sgd.LearningRate);
        sgd.Step();
        Assert.AreEqual(0.375f, p.AsSpan()[0]);
    }

    [TestMethod]
    public void Training_the_lesson_MLP_with_Sgd_lowers_the_loss()
    {
        var generator = new Generator(1);
        var model = new Sequential(new Linear(6, 5, generator: generator), new ReLU(), new Linear(5, 3, generator: generator));
        Tensor x = Tensor.Randn(generator, 32, 6);
        var y = new IntTensor(Enumerable.Range(0, 32).Select(i => i % 3).ToArray(), 32);
        var sgd = new Sgd(model.Parameters(), learningRate: 0.5);
        float first = 0, last = 0;
        for (int epoch = 0; epoch < 50; epoch++)
        {
            Tensor loss = Functional.CrossEntropy(model.Forward(x), y);
            if (epoch == 0) first = loss.Item();
            last = loss.Item();
            loss.Backward();
            sgd.Step();
            sgd.ZeroGrad();
        }
        Assert.IsLessThan(first * 0.8f, last, $"loss went from {first} to {last}");
    }

    private static Parameter[] OneParameter() => [new Parameter(Tensor.FromArray([1f], 1))];

    private static void AssertOutOfRange(Action create, string paramName, string valueText)
    {
        ArgumentOutOfRangeException e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(create);
        Assert.AreEqual(paramName, e.ParamName);
        StringAssert.Contains(e.Message, valueText);
    }

    [TestMethod]
    public void Sgd_rejects_what_PyTorch_rejects()
    {
        AssertOutOfRange(() => new Sgd(OneParameter(), -0.1), "learningRate", "-0.1");
        AssertOutOfRange(() => new Sgd(OneParameter(), double.NaN), "learningRate", "NaN");
        AssertOutOfRange(() => new Sgd(OneParameter(), double.PositiveInfinity), "learningRate", "Infinity");
        AssertOutOfRange(() => new Sgd(OneParameter(), 0.1, momentum: -0.5), "momentum", "-0.5");
        AssertOutOfRange(() => new Sgd(OneParameter(), 0.1, weightDecay: -1e-4), "weightDecay", "-0.0001");
        AssertOutOfRange(() => new Sgd(OneParameter(), 0.1, dampening: double.NaN), "dampening", "NaN");

        ArgumentException nesterov = Assert.ThrowsExactly<ArgumentException>(() => new Sgd(OneParameter(), 0.1, nesterov: true));
        Assert.AreEqual("nesterov", nesterov.ParamName);
        Assert.ThrowsExactly<ArgumentException>(() => new Sgd(OneParameter(), 0.1, momentum: 0.9, dampening: 0.1, nesterov: true));

        // What PyTorch accepts, we accept: lr 0, momentum 0 with dampening, nesterov with momentum.
        _ = new Sgd(OneParameter(), 0);
        _ = new Sgd(OneParameter(), 0.1, momentum: 0, dampening: 0.3);
        _ = new Sgd(OneParameter(), 0.1, momentum: 0.9, nesterov: true);
    }

    [TestMethod]
    public void Adam_rejects_what_PyTorch_rejects()
    {
        AssertOutOfRange(() => new Adam(OneParameter(), -1e-3), "learningRate", "-0.001");
        AssertOutOfRange(() => new Adam(OneParameter(), double.NaN), "learningRate", "NaN");
        AssertOutOfRange(() => new Adam(OneParameter(), epsilon: -1e-8), "epsilon", "-1E-08");
        AssertOutOfRange(() => new Adam(OneParameter(), beta1: 1.0), "beta1", "index 0: 1");
        AssertOutOfRange(() => new Adam(OneParameter(), beta1: -0.1), "beta1", "-0.1");
        AssertOutOfRange(() => new Adam(OneParameter(), beta2: 1.5), "beta2", "index 1: 1.5");
        AssertOutOfRange(() => new Adam(OneParameter(), beta2: double.NaN), "beta2", "NaN");
        AssertOutOfRange(() => new Adam(OneParameter(), weightDecay: -0.1), "weightDecay", "-0.1");

        var adam = new Adam(OneParameter(), beta1: 0, beta2: 0, epsilon: 0); // the boundaries PyTorch allows
        Assert.AreEqual(1e-3, adam.LearningRate);
    }

    [TestMethod]
    public void LearningRate_setter_and_parameter_lists_are_checked()
    {
        var sgd = new Sgd(OneParameter(), 0.1);
        AssertOutOfRange(() => sgd.LearningRate = -1, "LearningRate", "-1");
        AssertOutOfRange(() => sgd.LearningRate = double.NaN, "LearningRate", "NaN");
        Assert.AreEqual(0.1, sgd.LearningRate, "a rejected value leaves the rate unchanged");

        Assert.AreEqual("parameters", Assert.ThrowsExactly<ArgumentException>(() => new Sgd([], 0.1)).ParamName);
        Parameter p = OneParameter()[0];
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new Adam([p, p])).Message, "more than once");
        Assert.ThrowsExactly<ArgumentNullException>(() => new Sgd(null!, 0.1));
    }

    /// <summary>
    /// Runs the first half of a golden case, saves parameters and optimizer state through
    /// StateDictFile, rebuilds everything from the bytes and runs the second half: the result must
    /// equal PyTorch's uninterrupted run.
    /// </summary>
    private static void ResumeHalfway(OptimGolden c, Func<Parameter[], Optimizer> create)
    {
        Parameter[] ps = MakeParameters(c);
        Optimizer first = create(ps);
        int half = c.Steps.Length / 2;
        for (int s = 0; s < half; s++)
        {
            if (c.Steps[s].LearningRate is double lr) first.LearningRate = lr;
            for (int i = 0; i < ps.Length; i++)
                ps[i].Grad = c.Steps[s].Grads[i] is float[] g ? Tensor.FromArray(g, c.Shapes[i]) : null;
            first.Step();
        }
        using var weights = new MemoryStream();
        using var state = new MemoryStream();
        StateDictFile.Save(ps.Select((p, i) => new KeyValuePair<string, Tensor>(c.ParamNames[i], p)), weights);
        StateDictFile.Save(first.StateDict(), state);

        weights.Position = 0;
        state.Position = 0;
        OrderedDictionary<string, Tensor> loadedWeights = StateDictFile.Load(weights);
        Parameter[] resumed = c.ParamNames.Select(n => new Parameter(loadedWeights[n])).ToArray();
        Optimizer second = create(resumed);
        second.LoadStateDict(StateDictFile.Load(state));
        for (int s = half; s < c.Steps.Length; s++)
        {
            if (c.Steps[s].LearningRate is double lr) second.LearningRate = lr;
            for (int i = 0; i < resumed.Length; i++)
                resumed[i].Grad = c.Steps[s].Grads[i] is float[] g ? Tensor.FromArray(g, c.Shapes[i]) : null;
            second.Step();
        }
        for (int i = 0; i < resumed.Length; i++)
            CollectionAssert.AreEqual(c.Steps[^1].After[i], resumed[i].ToArray(), $"{c.Name} {c.ParamNames[i]} after resuming");
    }

    [TestMethod]
    public void Training_resumed_from_saved_optimizer_state_matches_the_uninterrupted_PyTorch_run()
    {
        OptimGolden momentum = OptimGolden.Load("optim_sgd_golden.json").Single(c => c.Name == "momentum_lr_schedule");
        ResumeHalfway(momentum, ps => new Sgd(ps, 0.1, momentum: 0.9));
        OptimGolden amsgrad = OptimGolden.Load("optim_adam_golden.json").Single(c => c.Name == "amsgrad_weight_decay");
        ResumeHalfway(amsgrad, ps => new Adam(ps, 0.1, weightDecay: 0.1, amsGrad: true));
    }

    [TestMethod]
    public void Optimizer_state_dict_has_PyTorch_style_keys_and_rejects_mismatches()
    {
        var a = new Parameter(Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2));
        var b = new Parameter(Tensor.FromArray([1f], 1));
        var adam = new Adam([a, b]);
        a.Grad = Tensor.FromArray([1f, 1f, 1f, 1f], 2, 2);
        adam.Step();
        OrderedDictionary<string, Tensor> sd = adam.StateDict();
        CollectionAssert.AreEqual(new[] { "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq" }, sd.Keys.ToArray(), "b had no grad, so no state");
        Assert.AreEqual(1f, sd["state.0.step"].Item());
        CollectionAssert.AreEqual(new[] { 2, 2 }, sd["state.0.exp_avg"].GetShape());
        CollectionAssert.AreEqual(new[] { 0.1f, 0.1f, 0.1f, 0.1f }, sd["state.0.exp_avg"].ToArray()); // (1 − 0.9)·1

        var fresh = new Adam([a, b]);
        var bad = new OrderedDictionary<string, Tensor>(sd) { ["state.5.exp_avg"] = Tensor.Zeros(4) };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => fresh.LoadStateDict(bad)).Message, "state.5.exp_avg");
        var wrongSize = new OrderedDictionary<string, Tensor>(sd) { ["state.0.exp_avg"] = Tensor.Zeros(3) };
        Assert.ThrowsExactly<ArgumentException>(() => fresh.LoadStateDict(wrongSize));
        var incomplete = new OrderedDictionary<string, Tensor>(sd);
        incomplete.Remove("state.0.exp_avg_sq");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => fresh.LoadStateDict(incomplete)).Message, "lacks 'exp_avg_sq'");
        Assert.AreEqual(0L, fresh.GetParameterStepCount(0), "a rejected load changes nothing");
        Assert.ThrowsExactly<ArgumentException>(() => new Sgd([a, b], 0.1).LoadStateDict(sd), "plain SGD has no state to load");
    }
}
