using System.Text.Json;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Tests.TensorsTests;
using F = Microsoft.ML.Minibatch.NN.Functional;

namespace Microsoft.ML.Minibatch.Tests.FunctionalTests;

/// <summary>Values and gradients of the losses against PyTorch 1.13 (Fixtures/engine_losses.json).</summary>
[TestClass]
public sealed class FunctionalGoldenTests
{
    private static readonly JsonElement s_golden = EngineFixture.Load("engine_losses.json");

    public static IEnumerable<object[]> Cases => [["ordinary"], ["large"]];

    private sealed record Case(Tensor Logits, IntTensor Target, Tensor Upstream, Tensor UpstreamColumn, JsonElement Golden);

    private static Case Load(string name)
    {
        var golden = s_golden.GetProperty(name);
        var shape = golden.GetProperty("shape").Ints();
        var up = golden.GetProperty("upstream").Floats();
        var column = new float[shape[0]];
        for (int i = 0; i < column.Length; i++) column[i] = up[i * shape[1]];
        return new Case(Tensor.FromArray(golden.GetProperty("logits").Floats(), shape),
            new IntTensor(golden.GetProperty("target").Ints()),
            Tensor.FromArray(up, shape), Tensor.FromArray(column), golden);
    }

    /// <summary>Runs <paramref name="op"/> on fresh logits, backpropagates like the Python script and compares both.</summary>
    private static void Check(Case c, string key, Func<Tensor, Tensor> op)
    {
        var x = c.Logits.Detach().Clone();
        x.RequiresGrad = true;
        var y = op(x);
        if (y.ElementCount == 1 && y.Rank == 0) y.Backward();
        else if (y.Rank == 2) (y * c.Upstream).Sum().Backward();
        else (y * c.UpstreamColumn).Sum().Backward();
        EngineFixture.AssertClose(c.Golden.GetProperty(key).Floats(), y.AsSpan(), what: key);
        EngineFixture.AssertClose(c.Golden.GetProperty(key + "_grad").Floats(), x.Grad!.AsSpan(), what: key + "_grad");
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void LogSoftmax_MatchesPyTorch(string name) => Check(Load(name), "log_softmax", x => F.LogSoftmax(x));

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Softmax_MatchesPyTorch(string name) => Check(Load(name), "softmax", x => F.Softmax(x));

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void LogSumExp_MatchesPyTorch(string name) => Check(Load(name), "logsumexp", x => F.LogSumExp(x, -1));

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void NllOfLogSoftmax_MatchesPyTorch_ForEveryReduction(string name)
    {
        var c = Load(name);
        Check(c, "nll_mean", x => F.Nll(F.LogSoftmax(x), c.Target));
        Check(c, "nll_sum", x => F.Nll(F.LogSoftmax(x), c.Target, Reduction.Sum));
        Check(c, "nll_none", x => F.Nll(F.LogSoftmax(x), c.Target, Reduction.None));
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Nll_OnItsOwn_MatchesPyTorch_ForEveryReduction(string name)
    {
        var c = Load(name);
        Check(c, "nllraw_mean", x => F.Nll(x, c.Target));
        Check(c, "nllraw_sum", x => F.Nll(x, c.Target, Reduction.Sum));
        Check(c, "nllraw_none", x => F.Nll(x, c.Target, Reduction.None));
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void CrossEntropy_MatchesPyTorch_ForEveryReduction(string name)
    {
        var c = Load(name);
        Check(c, "ce_mean", x => F.CrossEntropy(x, c.Target));
        Check(c, "ce_sum", x => F.CrossEntropy(x, c.Target, Reduction.Sum));
        Check(c, "ce_none", x => F.CrossEntropy(x, c.Target, Reduction.None));
    }

    [TestMethod]
    public void LossObjects_MatchPyTorch()
    {
        var c = Load("ordinary");
        Check(c, "ce_sum", x => new CrossEntropyLoss(Reduction.Sum).Forward(x, c.Target));
        Check(c, "nll_mean", x => new NllLoss().Forward(new LogSoftmax(1).Forward(x), c.Target));
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Accuracy_MatchesPyTorch(string name)
    {
        var c = Load(name);
        Assert.AreEqual(c.Golden.GetProperty("accuracy").GetSingle(), F.Accuracy(c.Logits, c.Target));
    }

    [TestMethod]
    public void TheSeedsThreeLogSoftmaxVersions_AgreeOnOrdinaryLogits()
    {
        var x = Load("ordinary").Logits;
        var naive = (x.Exp() / x.Exp().Sum(-1, keepDim: true)).Log();
        var logOfSum = x - x.Exp().Sum(-1, keepDim: true).Log();
        var withLogSumExp = x - x.LogSumExp(-1, keepDim: true);
        var expected = Load("ordinary").Golden.GetProperty("log_softmax").Floats();
        EngineFixture.AssertClose(expected, naive.AsSpan(), 1e-5, 1e-5, "naive");
        EngineFixture.AssertClose(expected, logOfSum.AsSpan(), 1e-5, 1e-5, "x - log(sum(exp))");
        EngineFixture.AssertClose(expected, withLogSumExp.AsSpan(), 1e-5, 1e-5, "x - logsumexp");
    }

    [TestMethod]
    public void NaiveLogSoftmax_Overflows_AtLargeLogits_WhereOursStaysFinite()
    {
        var x = Load("large").Logits;
        var naive = (x.Exp() / x.Exp().Sum(-1, keepDim: true)).Log();
        var logOfSum = x - x.Exp().Sum(-1, keepDim: true).Log();
        Assert.IsTrue(naive.ToArray().Any(v => !float.IsFinite(v)), "the naive version should overflow");
        Assert.IsTrue(logOfSum.ToArray().Any(v => !float.IsFinite(v)), "x - log(sum(exp(x))) should overflow");

        var target = Load("large").Target;
        Assert.IsTrue((x - x.LogSumExp(-1, keepDim: true)).ToArray().All(float.IsFinite));
        Assert.IsTrue(F.LogSoftmax(x).ToArray().All(float.IsFinite));
        Assert.IsTrue(F.LogSumExp(x).ToArray().All(float.IsFinite));
        Assert.IsTrue(float.IsFinite(F.CrossEntropy(x, target).Item()));
    }
}
