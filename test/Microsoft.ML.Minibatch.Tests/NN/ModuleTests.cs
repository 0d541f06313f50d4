using System.Text.Json;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Tests.TensorsTests;
using F = Microsoft.ML.Minibatch.NN.Functional;

namespace Microsoft.ML.Minibatch.Tests.NNTests;

[TestClass]
public sealed class ModuleTests
{
    private static readonly JsonElement s_generator = EngineFixture.Load("engine_generator.json");
    private static readonly JsonElement s_mlp = EngineFixture.Load("engine_mlp.json");

    private static Sequential SeedsModel(ulong seed = 1)
    {
        var generator = new Generator(seed);
        return new Sequential(new Linear(784, 50, generator: generator), new ReLU(), new Linear(50, 10, generator: generator));
    }

    /// <summary>The seeds' hand-written model: two layers registered under attribute names.</summary>
    private sealed class TwoLayer : Module
    {
        public TwoLayer(int nIn, int nHidden, int nOut, Generator generator)
        {
            L1 = RegisterModule("l1", new Linear(nIn, nHidden, generator: generator));
            L2 = RegisterModule("l2", new Linear(nHidden, nOut, generator: generator));
        }

        public Linear L1 { get; }

        public Linear L2 { get; }

        public override Tensor Forward(Tensor input) => L2.Forward(F.Relu(L1.Forward(input)));
    }

    [TestMethod]
    public void NamedParameters_OfTheSeedsSequential_HavePyTorchsNamesShapesAndOrder()
    {
        var named = SeedsModel().NamedParameters().ToArray();
        var names = s_generator.GetProperty("sequential_names").EnumerateArray().Select(e => e.GetString()).ToArray();
        var shapes = s_generator.GetProperty("sequential_shapes").EnumerateArray().Select(e => e.Ints()).ToArray();
        CollectionAssert.AreEqual(names, named.Select(p => p.Name).ToArray());
        for (int i = 0; i < shapes.Length; i++) CollectionAssert.AreEqual(shapes[i], named[i].Parameter.GetShape(), names[i]);
        Assert.AreEqual(4, SeedsModel().Parameters().Count());
    }

    [TestMethod]
    public void ToString_IsPyTorchsRepr()
    {
        Assert.AreEqual(s_generator.GetProperty("sequential_repr").GetString(), SeedsModel().ToString());
        Assert.AreEqual("Linear(in_features=3, out_features=2, bias=False)", new Linear(3, 2, bias: false, new Generator(0)).ToString());
        Assert.AreEqual("LogSoftmax(dim=1)", new LogSoftmax(1).ToString());
    }

    [TestMethod]
    public void CustomModule_NamesParametersWithAttributeNames()
    {
        var model = new TwoLayer(4, 3, 2, new Generator(0));
        CollectionAssert.AreEqual(new[] { "l1.weight", "l1.bias", "l2.weight", "l2.bias" }, model.NamedParameters().Select(p => p.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "l1", "l2" }, model.NamedChildren().Select(c => c.Name).ToArray());
        Assert.AreSame(model.L1, model.Children().First());
        Assert.AreEqual("TwoLayer(\n  (l1): Linear(in_features=4, out_features=3, bias=True)\n  (l2): Linear(in_features=3, out_features=2, bias=True)\n)", model.ToString());
    }

    [TestMethod]
    public void NamedSequential_UsesTheGivenNames_AndAddContinuesByPosition()
    {
        var model = new Sequential([("hidden", (Module)new Linear(2, 3, generator: new Generator(0))), ("act", new ReLU())]);
        CollectionAssert.AreEqual(new[] { "hidden.weight", "hidden.bias" }, model.NamedParameters().Select(p => p.Name).ToArray());
        model.Add(new Linear(3, 1, generator: new Generator(0)));
        CollectionAssert.AreEqual(new[] { "hidden", "act", "2" }, model.NamedChildren().Select(c => c.Name).ToArray());
        Assert.AreEqual(3, model.Count);
        CollectionAssert.AreEqual(new[] { 5, 1 }, model.Forward(Tensor.Zeros(5, 2)).GetShape());
    }

    [TestMethod]
    public void LinearWithoutBias_HasOnlyWeight()
    {
        var layer = new Linear(3, 2, bias: false, new Generator(0));
        CollectionAssert.AreEqual(new[] { "weight" }, layer.NamedParameters().Select(p => p.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "weight" }, layer.StateDict().Keys.ToArray());
        Assert.IsNull(layer.Bias);
    }

    [TestMethod]
    public void RegisterNames_WithDots_OrClashingKinds_AreRejected()
    {
        var module = new Sequential(new ReLU());
        Assert.ThrowsExactly<ArgumentException>(() => module.RegisterModule("a.b", new ReLU()));
        Assert.ThrowsExactly<ArgumentException>(() => module.RegisterParameter("", null));
        module.RegisterParameter("scale", new Parameter(Tensor.Ones(1)));
        Assert.ThrowsExactly<ArgumentException>(() => module.RegisterModule("scale", new ReLU()));
    }

    [TestMethod]
    public void TrainAndEval_PropagateToEveryDescendant()
    {
        var model = SeedsModel();
        Assert.IsTrue(model.IsTraining);
        model.Eval();
        Assert.IsTrue(model.NamedModules().All(m => !m.Module.IsTraining));
        model.Train();
        Assert.IsTrue(model.NamedModules().All(m => m.Module.IsTraining));
        Assert.AreEqual(4, model.NamedModules().Count()); // itself and three children
    }

    [TestMethod]
    public void StateDict_RoundTrips_IntoAFreshModel()
    {
        var source = SeedsModel(1);
        var target = SeedsModel(2);
        var state = source.StateDict();
        CollectionAssert.AreEqual(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }, state.Keys.ToArray());
        var result = target.LoadStateDict(state);
        Assert.AreEqual(0, result.MissingKeys.Count);
        Assert.AreEqual(0, result.UnexpectedKeys.Count);
        foreach (var ((name, a), (_, b)) in source.NamedParameters().Zip(target.NamedParameters()))
        {
            CollectionAssert.AreEqual(a.ToArray(), b.ToArray(), name);
            Assert.AreNotSame(a, b);
        }
        // The loaded model owns its values: changing the source afterwards does not leak into it.
        using (Autograd.NoGrad()) source.Parameters().First().FillInPlace(7);
        Assert.AreNotEqual(7f, target.Parameters().First().AsSpan()[0]);
    }

    [TestMethod]
    public void StateDict_SharesStorageWithTheParameters()
    {
        var model = SeedsModel();
        var state = model.StateDict();
        using (Autograd.NoGrad()) ((Linear)model[0]).Bias!.FillInPlace(3);
        Assert.AreEqual(3f, state["0.bias"].AsSpan()[0]);
        Assert.IsFalse(state["0.bias"].RequiresGrad);
    }

    [TestMethod]
    public void LoadStateDict_ShapeMismatch_NamesTheKeyAndBothShapes_AndCopiesNothing()
    {
        var model = SeedsModel();
        var before = model.Parameters().First().ToArray();
        var state = SeedsModel(5).StateDict();
        state["2.weight"] = Tensor.Zeros(10, 49);
        var error = Assert.ThrowsExactly<ArgumentException>(() => model.LoadStateDict(state, strict: false));
        StringAssert.Contains(error.Message, "2.weight");
        StringAssert.Contains(error.Message, "[10, 49]");
        StringAssert.Contains(error.Message, "[10, 50]");
        CollectionAssert.AreEqual(before, model.Parameters().First().ToArray());
    }

    [TestMethod]
    public void LoadStateDict_Strict_ReportsMissingAndUnexpectedKeys()
    {
        var model = SeedsModel();
        var state = SeedsModel(3).StateDict();
        state.Remove("0.bias");
        state["3.weight"] = Tensor.Zeros(1);
        var error = Assert.ThrowsExactly<ArgumentException>(() => model.LoadStateDict(state));
        StringAssert.Contains(error.Message, "Missing key(s) in state_dict: \"0.bias\"");
        StringAssert.Contains(error.Message, "Unexpected key(s) in state_dict: \"3.weight\"");
    }

    [TestMethod]
    public void LoadStateDict_NonStrict_LoadsWhatMatches_AndReportsTheRest()
    {
        var model = SeedsModel();
        var other = SeedsModel(3);
        var state = other.StateDict();
        state.Remove("0.bias");
        state["extra"] = Tensor.Zeros(1);
        var result = model.LoadStateDict(state, strict: false);
        CollectionAssert.AreEqual(new[] { "0.bias" }, result.MissingKeys.ToArray());
        CollectionAssert.AreEqual(new[] { "extra" }, result.UnexpectedKeys.ToArray());
        CollectionAssert.AreEqual(other.StateDict()["0.weight"].ToArray(), model.StateDict()["0.weight"].ToArray());
    }

    [TestMethod]
    public void ZeroGrad_ZeroesAccumulatedGradients()
    {
        var model = SeedsModel();
        var x = Tensor.Rand(new Generator(9), 4, 784);
        F.CrossEntropy(model.Forward(x), new IntTensor([1, 2, 3, 4])).Backward();
        Assert.IsTrue(model.Parameters().All(p => p.Grad is not null && p.Grad.ToArray().Any(v => v != 0)));
        var buffers = model.Parameters().Select(p => p.Grad).ToArray();
        model.ZeroGrad();
        Assert.IsTrue(model.Parameters().All(p => p.Grad!.ToArray().All(v => v == 0)));
        CollectionAssert.AreEqual(buffers, model.Parameters().Select(p => p.Grad).ToArray(), "zeroed in place, not replaced");
        model.ZeroGrad(setToNone: true);
        Assert.IsTrue(model.Parameters().All(p => p.Grad is null));
    }

    private static Sequential MlpFromFixture()
    {
        var model = new Sequential(new Linear(6, 5, generator: new Generator(0)), new ReLU(), new Linear(5, 3, generator: new Generator(0)));
        var state = new Dictionary<string, Tensor>
        {
            ["0.weight"] = Tensor.FromArray(s_mlp.GetProperty("w1").Floats(), 5, 6),
            ["0.bias"] = Tensor.FromArray(s_mlp.GetProperty("b1").Floats()),
            ["2.weight"] = Tensor.FromArray(s_mlp.GetProperty("w2").Floats(), 3, 5),
            ["2.bias"] = Tensor.FromArray(s_mlp.GetProperty("b2").Floats()),
        };
        model.LoadStateDict(state);
        return model;
    }

    [TestMethod]
    public void LinearReluLinear_ForwardBackwardAndSgdStep_MatchPyTorch()
    {
        var model = MlpFromFixture();
        var x = Tensor.FromArray(s_mlp.GetProperty("x").Floats(), s_mlp.GetProperty("x_shape").Ints());
        x.RequiresGrad = true;
        var target = new IntTensor(s_mlp.GetProperty("target").Ints());

        var logits = model.Forward(x);
        var loss = F.CrossEntropy(logits, target);
        EngineFixture.AssertClose(s_mlp.GetProperty("logits").Floats(), logits.AsSpan(), what: "logits");
        EngineFixture.AssertClose([s_mlp.GetProperty("loss").GetSingle()], loss.AsSpan(), what: "loss");
        Assert.AreEqual("AddmmBackward", logits.GradFn!.Name);
        loss.Backward();
        var grads = s_mlp.GetProperty("grads");
        foreach (var (name, parameter) in model.NamedParameters())
        {
            EngineFixture.AssertClose(grads.GetProperty(name).Floats(), parameter.Grad!.AsSpan(), what: name);
        }
        EngineFixture.AssertClose(s_mlp.GetProperty("x_grad").Floats(), x.Grad!.AsSpan(), what: "x.grad");

        using (Autograd.NoGrad())
        {
            foreach (var p in model.Parameters()) p.SubInPlace(p.Grad!, 0.5f);
        }
        var after = F.CrossEntropy(model.Forward(x), target);
        EngineFixture.AssertClose([s_mlp.GetProperty("loss_after_sgd_step").GetSingle()], after.AsSpan(), what: "loss after step");
    }

    [TestMethod]
    public void SameSeed_GivesBitwiseSameParameters_AfterAShortTrainingRun()
    {
        static float[][] Train(ulong seed)
        {
            var generator = new Generator(seed);
            var model = new Sequential(new Linear(20, 8, generator: generator), new ReLU(), new Linear(8, 3, generator: generator));
            var x = Tensor.Randn(generator, 64, 20);
            var y = new IntTensor(Enumerable.Range(0, 64).Select(i => i % 3).ToArray());
            for (int step = 0; step < 10; step++)
            {
                var batch = Tensor.Randperm(64, generator).ToArray().Take(16).ToArray();
                var loss = F.CrossEntropy(model.Forward(x.IndexSelect(batch)), new IntTensor(batch.Select(i => y[i]).ToArray()));
                loss.Backward();
                using (Autograd.NoGrad())
                {
                    foreach (var p in model.Parameters()) p.SubInPlace(p.Grad!, 0.5f);
                }
                model.ZeroGrad();
            }
            return model.Parameters().Select(p => p.ToArray()).ToArray();
        }

        var first = Train(7);
        var second = Train(7);
        var other = Train(8);
        for (int i = 0; i < first.Length; i++) CollectionAssert.AreEqual(first[i], second[i]);
        CollectionAssert.AreNotEqual(first[0], other[0]);
    }
}
