using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;
using F = Microsoft.ML.Minibatch.NN.Functional;

// Test namespaces end in "Tests": a namespace "…Tests.Autograd" (or ".Functional") would hide the Autograd
// (or Functional) class from every test under Microsoft.ML.Minibatch.Tests.
namespace Microsoft.ML.Minibatch.Tests.AutogradTests;

[TestClass]
public sealed class AutogradSemanticsTests
{
    private static Tensor Leaf(params float[] values)
    {
        var t = Tensor.FromArray(values);
        t.RequiresGrad = true;
        return t;
    }

    [TestMethod]
    public void Gradients_Accumulate_UntilZeroed()
    {
        var x = Leaf(1, 2, 3);
        (x * x).Sum().Backward();          // d/dx = 2x
        CollectionAssert.AreEqual(new[] { 2f, 4f, 6f }, x.Grad!.ToArray());
        (x * 3f).Sum().Backward();         // + 3
        CollectionAssert.AreEqual(new[] { 5f, 7f, 9f }, x.Grad!.ToArray());
        x.Grad.ZeroInPlace();
        x.Sum().Backward();
        CollectionAssert.AreEqual(new[] { 1f, 1f, 1f }, x.Grad!.ToArray());
    }

    [TestMethod]
    public void Backward_OnNonScalar_WithoutGradient_Throws()
    {
        var x = Leaf(1, 2, 3);
        var y = x * 2f;
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => y.Backward());
        StringAssert.Contains(error.Message, "[3]");
        // With an explicit gradient it works: vector-Jacobian product.
        y.Backward(Tensor.FromArray([1f, 0f, -1f]));
        CollectionAssert.AreEqual(new[] { 2f, 0f, -2f }, x.Grad!.ToArray());
    }

    [TestMethod]
    public void Backward_OnTensorWithoutGrad_Throws()
    {
        Assert.ThrowsExactly<InvalidOperationException>(() => Tensor.FromArray([1f]).Sum().Backward());
    }

    [TestMethod]
    public void DiamondGraph_RunsEachNodeOnce_AndSumsBothPaths()
    {
        // y = a·b + a, with a = 2x: dy/dx = 2(b + 1)
        var x = Leaf(1, -2);
        var a = x * 2f;
        var b = a.Exp();
        (a * b + a).Sum().Backward();
        var expected = x.ToArray().Select(v => 2 * (MathF.Exp(2 * v) * (1 + 2 * v) + 1)).ToArray();
        var actual = x.Grad!.ToArray();
        for (int i = 0; i < 2; i++) Assert.AreEqual(expected[i], actual[i], 1e-5f * Math.Abs(expected[i]));
    }

    [TestMethod]
    public void NoGrad_StopsRecording_Nests_AndRestores()
    {
        var x = Leaf(1, 2);
        Assert.IsTrue(Autograd.IsGradEnabled);
        using (Autograd.NoGrad())
        {
            var y = x * 2f;
            Assert.IsFalse(y.RequiresGrad);
            Assert.IsNull(y.GradFn);
            using (Autograd.NoGrad())
            {
                Assert.IsFalse(Autograd.IsGradEnabled);
            }
            Assert.IsFalse(Autograd.IsGradEnabled, "leaving the inner scope must not re-enable recording");
            using (Autograd.EnableGrad())
            {
                Assert.IsNotNull((x * 2f).GradFn);
            }
        }
        Assert.IsTrue(Autograd.IsGradEnabled);
        Assert.IsNotNull((x * 2f).GradFn);
    }


    [TestMethod]
    public void NoGrad_IsPerThread()
    {
        using (Autograd.NoGrad())
        {
            // A dedicated thread: waiting on a Task could run it inline on this thread.
            bool other = false;
            var thread = new Thread(() => other = Autograd.IsGradEnabled);
            thread.Start();
            thread.Join();
            Assert.IsTrue(other);
            Assert.IsFalse(Autograd.IsGradEnabled);
        }
    }

    [TestMethod]
    public void Detach_SharesStorage_ButCutsTheGraph()
    {
        var x = Leaf(1, 2);
        var d = (x * 3f).Detach();
        Assert.IsFalse(d.RequiresGrad);
        Assert.IsTrue(d.IsLeaf);
        var y = (x * d).Sum();       // d is a constant: dy/dx = d = 3x
        y.Backward();
        CollectionAssert.AreEqual(new[] { 3f, 6f }, x.Grad!.ToArray());

        var view = x.Detach();
        using (Autograd.NoGrad()) x.FillInPlace(5);
        CollectionAssert.AreEqual(new[] { 5f, 5f }, view.ToArray());
    }

    [TestMethod]
    public void GradFnNames_ArePyTorchLike()
    {
        var generator = new Generator(0);
        var x = Tensor.Rand(generator, 4, 3);
        var model = new Sequential(new Linear(3, 5, generator: generator), new ReLU(), new Linear(5, 2, generator: generator));
        var hidden = model[0].Forward(x);
        Assert.AreEqual("AddmmBackward", hidden.GradFn!.Name);
        Assert.AreEqual("ReluBackward", model[1].Forward(hidden).GradFn!.Name);
        var logits = model.Forward(x);
        var logProbs = F.LogSoftmax(logits);
        Assert.AreEqual("LogSoftmaxBackward", logProbs.GradFn!.Name);
        var target = new IntTensor([0, 1, 1, 0]);
        Assert.AreEqual("NllLossBackward", F.Nll(logProbs, target).GradFn!.Name);
        Assert.AreEqual("CrossEntropyBackward", F.CrossEntropy(logits, target).GradFn!.Name);
        Assert.AreEqual("MmBackward", F.Linear(x, ((Linear)model[0]).Weight).GradFn!.Name);
        Assert.AreEqual("IndexBackward", logProbs.Pick(target).GradFn!.Name);
        Assert.AreEqual("MeanBackward", logits.Mean().GradFn!.Name);
        Assert.AreEqual("LogsumexpBackward", logits.LogSumExp(-1).GradFn!.Name);
        Assert.AreEqual("ExpBackward", logits.Exp().GradFn!.Name);
        // The graph is walkable: the loss's inputs lead back to the layer output.
        var loss = F.Nll(logProbs, target);
        Assert.AreSame(logProbs, loss.GradFn!.Inputs.Single());
        Assert.AreEqual("tensor([0, 1, 1, 0], shape=[4])", target.ToString());
        StringAssert.Contains(loss.ToString(), "grad_fn=<NllLossBackward>");
    }

    [TestMethod]
    public void LeafFlags_FollowPyTorch()
    {
        var x = Leaf(1);
        Assert.IsTrue(x.IsLeaf);
        var y = x * 2f;
        Assert.IsFalse(y.IsLeaf);
        Assert.IsTrue(y.RequiresGrad);
        Assert.ThrowsExactly<InvalidOperationException>(() => y.RequiresGrad = false);
        y.Sum().Backward();
        Assert.IsNull(y.Grad, "interior tensors do not keep a gradient");
    }

    [TestMethod]
    public void InPlaceUpdate_OfATensorThatRequiresGrad_NeedsNoGrad()
    {
        var p = new Parameter(Tensor.Ones(2));
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => p.MulInPlace(2));
        StringAssert.Contains(error.Message, "NoGrad");
        using (Autograd.NoGrad()) p.MulInPlace(2);
        CollectionAssert.AreEqual(new[] { 2f, 2f }, p.ToArray());
    }

    [TestMethod]
    public void MatMul_ShapeMismatch_NamesBothShapes()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => Tensor.Zeros(64, 784).MatMul(Tensor.Zeros(50, 784)));
        StringAssert.Contains(error.Message, "Shapes [64, 784] and [50, 784] do not match for MatMul");
    }

    [TestMethod]
    public void ShapeMismatches_NameBothShapes()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Tensor.Zeros(3, 4) + Tensor.Zeros(3)).Message,
            "Shapes [3, 4] and [3] do not match for Add");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => F.Linear(Tensor.Zeros(64, 100), Tensor.Zeros(50, 784))).Message,
            "Shapes [64, 100] and [50, 784] do not match for Linear");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => F.CrossEntropy(Tensor.Zeros(4, 10), new IntTensor([1, 2]))).Message,
            "Shapes [4, 10] and [2] do not match for CrossEntropy");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Tensor.Zeros(2, 3).CopyFrom(Tensor.Zeros(3, 2))).Message,
            "Shapes [2, 3] and [3, 2] do not match for CopyFrom");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Tensor.Zeros(2, 3).Reshape(4, 2)).Message,
            "Shapes [2, 3] and [4, 2] do not match for Reshape");
    }

    [TestMethod]
    public void Targets_OutOfRange_AreRejected()
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => F.CrossEntropy(Tensor.Zeros(2, 3), new IntTensor([0, 3])));
        Assert.AreEqual("target", error.ParamName);
        Assert.AreEqual(3, error.ActualValue);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => F.Nll(Tensor.Zeros(2, 3), new IntTensor([-1, 0])));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).Pick(new IntTensor([0, 5])));
    }
}
