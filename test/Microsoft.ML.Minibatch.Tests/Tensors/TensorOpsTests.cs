using Microsoft.ML.Minibatch.Tensors;
using F = Microsoft.ML.Minibatch.NN.Functional;

namespace Microsoft.ML.Minibatch.Tests.TensorsTests;

/// <summary>Forward values of the tensor operations on small hand-computed cases.</summary>
[TestClass]
public sealed class TensorOpsTests
{
    private static Tensor M(float[] values, params int[] shape) => Tensor.FromArray(values, shape);

    [TestMethod]
    public void Creation_HasTheRequestedShapeAndValues()
    {
        var z = Tensor.Zeros(2, 3);
        CollectionAssert.AreEqual(new[] { 2, 3 }, z.GetShape());
        Assert.AreEqual(6, z.ElementCount);
        Assert.AreEqual(2, z.Rank);
        Assert.AreEqual(3, z.Size(-1));
        Assert.IsTrue(z.ToArray().All(v => v == 0));
        Assert.IsTrue(Tensor.Ones(4).ToArray().All(v => v == 1));
        var like = Tensor.ZerosLike(Tensor.Ones(3, 2));
        CollectionAssert.AreEqual(new[] { 3, 2 }, like.GetShape());
        Assert.IsTrue(like.ToArray().All(v => v == 0));
        Assert.IsTrue(Tensor.Full(2.5f, 2, 2).ToArray().All(v => v == 2.5f));
        Assert.AreEqual(0, Tensor.Scalar(3).Rank);
        Assert.AreEqual(3f, Tensor.Scalar(3).Item());
        CollectionAssert.AreEqual(new[] { 1 }, Tensor.FromArray([3f]).GetShape(), "no shape means 1-dimensional, as torch.tensor([3.])");
        CollectionAssert.AreEqual(new[] { 0f, 1f, 2f, 3f }, Tensor.Arange(4).ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 1.5f, 2f, 2.5f }, Tensor.Arange(1, 3, 0.5f).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, IntTensor.Arange(3).ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => Tensor.FromArray([1f, 2f, 3f], 2, 2));
        Assert.ThrowsExactly<InvalidOperationException>(() => Tensor.Zeros(2).Item());
    }

    [TestMethod]
    public void Wrap_SharesTheCallersArray_FromArrayCopies()
    {
        var buffer = new float[] { 1, 2, 3, 4 };
        var wrapped = Tensor.Wrap(buffer, 2, 2);
        var copied = Tensor.FromArray(buffer, 2, 2);
        buffer[0] = 9;
        Assert.AreEqual(9f, wrapped.AsSpan()[0]);
        Assert.AreEqual(1f, copied.AsSpan()[0]);
    }

    [TestMethod]
    public void Broadcasting_RowColumnAndScalar()
    {
        var m = M([1, 2, 3, 4, 5, 6], 2, 3);
        CollectionAssert.AreEqual(new[] { 11f, 22f, 33f, 14f, 25f, 36f }, (m + M([10, 20, 30], 3)).ToArray());
        CollectionAssert.AreEqual(new[] { 0f, 1f, 2f, 0f, 1f, 2f }, (m - M([1, 4], 2, 1)).ToArray());
        CollectionAssert.AreEqual(new[] { 2f, 4f, 6f, 8f, 10f, 12f }, (M([2], 1) * m).ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 0.5f, 1f / 3, 0.25f, 0.2f, 1f / 6 }, (1f / m).ToArray());
        CollectionAssert.AreEqual(new[] { 9f, 8f, 7f, 6f, 5f, 4f }, (10f - m).ToArray());
        // Column divided by row: [2,1] / [3] -> [2,3].
        var outer = M([6, 12], 2, 1) / M([1, 2, 3], 3);
        CollectionAssert.AreEqual(new[] { 2, 3 }, outer.GetShape());
        CollectionAssert.AreEqual(new[] { 6f, 3f, 2f, 12f, 6f, 4f }, outer.ToArray());
    }

    [TestMethod]
    public void UnaryOps_HaveExpectedValues()
    {
        var x = M([-1, 0, 2], 3);
        CollectionAssert.AreEqual(new[] { 0f, 0f, 2f }, x.Relu().ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 0f, -2f }, (-x).ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 0f, 4f }, x.Pow(2).ToArray());
        Assert.AreEqual(MathF.E, M([1], 1).Exp().Item(), 1e-6f);
        Assert.AreEqual(0f, M([1], 1).Log().Item());
        Assert.AreEqual(0.5f, M([0], 1).Sigmoid().Item());
        Assert.AreEqual(3f, M([9], 1).Sqrt().Item());
    }

    [TestMethod]
    public void Reductions_HaveExpectedValues()
    {
        var m = M([1, 5, 3, 4, 2, 6], 2, 3);
        Assert.AreEqual(21f, m.Sum().Item());
        Assert.AreEqual(3.5f, m.Mean().Item());
        CollectionAssert.AreEqual(new[] { 9f, 12f }, m.Sum(1).ToArray());
        CollectionAssert.AreEqual(new[] { 2, 1 }, m.Sum(-1, keepDim: true).GetShape());
        CollectionAssert.AreEqual(new[] { 5f, 7f, 9f }, m.Sum(0).ToArray());
        CollectionAssert.AreEqual(new[] { 2.5f, 3.5f, 4.5f }, m.Mean(0).ToArray());
        var (values, indices) = m.Max(1);
        CollectionAssert.AreEqual(new[] { 5f, 6f }, values.ToArray());
        CollectionAssert.AreEqual(new[] { 1, 2 }, indices.ToArray());
        CollectionAssert.AreEqual(new[] { 1, 0, 1 }, m.ArgMax(0).ToArray());
        CollectionAssert.AreEqual(new[] { 0 }, M([7, 7, 1], 1, 3).ArgMax(1).ToArray(), "ties go to the first maximum");
        // PyTorch 1.13: tensor([[-0., 0., -1.]]).argmax(1) is 0, [[0., -0.]] is 0, [[1., nan, 5., nan]] is 1.
        CollectionAssert.AreEqual(new[] { 0, 0, 1 }, new[] { M([-0f, 0f, -1f], 1, 3), M([0f, -0f], 1, 2), M([1, float.NaN, 5, float.NaN], 1, 4) }
            .Select(t => t.ArgMax(1).ToArray()[0]).ToArray(), "−0 equals +0; the first NaN is the maximum");
        var lse = M([0, 0, float.NegativeInfinity, float.NegativeInfinity], 2, 2).LogSumExp(-1).ToArray();
        Assert.AreEqual(MathF.Log(2), lse[0], 1e-6f);
        Assert.AreEqual(float.NegativeInfinity, lse[1]);
    }

    [TestMethod]
    public void MatMul_MultipliesMatrices()
    {
        var a = M([1, 2, 3, 4, 5, 6], 2, 3);
        var b = M([7, 8, 9, 10, 11, 12], 3, 2);
        CollectionAssert.AreEqual(new[] { 58f, 64f, 139f, 154f }, a.MatMul(b).ToArray());
        CollectionAssert.AreEqual(new[] { 58f, 64f, 139f, 154f }, Tensor.MatMul(a, b.T(), false, true).ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 4f, 2f, 5f, 3f, 6f }, a.T().ToArray());
    }

    [TestMethod]
    public void Linear_IsInputTimesWeightTransposedPlusBias()
    {
        var x = M([1, 2, 3, 4], 2, 2);
        var w = M([1, 0, 0, 1, 1, 1], 3, 2);
        var b = M([0.5f, -1, 0], 3);
        CollectionAssert.AreEqual(new[] { 1.5f, 1f, 3f, 3.5f, 3f, 7f }, F.Linear(x, w, b).ToArray());
    }

    [TestMethod]
    public void Indexing_PickIndexSelectAndSlice()
    {
        var m = M([1, 2, 3, 4, 5, 6], 3, 2);
        CollectionAssert.AreEqual(new[] { 2f, 3f, 6f }, m.Pick(new IntTensor([1, 0, 1])).ToArray());
        CollectionAssert.AreEqual(new[] { 5f, 6f, 1f, 2f }, m.IndexSelect(new IntTensor([2, 0])).ToArray());
        var slice = m.Slice(1, 2);
        CollectionAssert.AreEqual(new[] { 3f, 4f, 5f, 6f }, slice.ToArray());
        slice.AsSpan()[0] = 30;
        Assert.AreEqual(30f, m.AsSpan()[2], "a slice is a view");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => m.Slice(2, 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => m.IndexSelect(new IntTensor([3])));
    }

    [TestMethod]
    public void Reshape_InfersMinusOne_AndSharesStorage()
    {
        var x = Tensor.Arange(6);
        var r = x.Reshape(-1, 3);
        CollectionAssert.AreEqual(new[] { 2, 3 }, r.GetShape());
        r.AsSpan()[5] = 50;
        Assert.AreEqual(50f, x.AsSpan()[5]);
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, r.Unsqueeze(0).GetShape());
        CollectionAssert.AreEqual(new[] { 2, 3 }, r.Unsqueeze(0).Squeeze(0).GetShape());
        CollectionAssert.AreEqual(new[] { 6 }, r.Flatten().GetShape());
    }

    [TestMethod]
    public void InPlaceOps_UpdateTheTensor()
    {
        var x = M([1, 2, 3], 3);
        x.AddInPlace(M([1, 1, 1], 3), alpha: 2);
        CollectionAssert.AreEqual(new[] { 3f, 4f, 5f }, x.ToArray());
        x.SubInPlace(M([1, 2, 3], 3), alpha: 0.5f);
        CollectionAssert.AreEqual(new[] { 2.5f, 3f, 3.5f }, x.ToArray());
        x.MulInPlace(2).AddInPlace(1).DivInPlace(2);
        CollectionAssert.AreEqual(new[] { 3f, 3.5f, 4f }, x.ToArray());
        x.MulInPlace(M([2, 0, 1], 3));
        CollectionAssert.AreEqual(new[] { 6f, 0f, 4f }, x.ToArray());
        x.CopyFrom(M([7, 8, 9], 3));
        CollectionAssert.AreEqual(new[] { 7f, 8f, 9f }, x.ToArray());
        x.FillInPlace(1);
        CollectionAssert.AreEqual(new[] { 1f, 1f, 1f }, x.ToArray());
        x.ZeroInPlace();
        CollectionAssert.AreEqual(new[] { 0f, 0f, 0f }, x.ToArray());
    }

    [TestMethod]
    public void Accuracy_IsTheShareOfRowsWhoseArgmaxIsTheTarget()
    {
        var scores = M([0.1f, 0.9f, 0.8f, 0.2f, 0.3f, 0.7f, 0.6f, 0.4f], 4, 2);
        Assert.AreEqual(0.75f, F.Accuracy(scores, new IntTensor([1, 0, 1, 1])));
        // As PyTorch's argmax: a row's first NaN is its largest value, −0 equals +0 (the first one counts).
        Assert.AreEqual(1f, F.Accuracy(M([1, float.NaN, 5, float.NaN, -0f, 0f, 0f, 0f], 2, 4), new IntTensor([1, 0])));
    }

    [TestMethod]
    public void Softmax_RowsSumToOne_AndSurviveHugeLogits()
    {
        var p = F.Softmax(M([1, 2, 3, 1e4f, -1e4f, 1e4f], 2, 3)).ToArray();
        Assert.AreEqual(1f, p[0] + p[1] + p[2], 1e-6f);
        CollectionAssert.AreEqual(new[] { 0.5f, 0f, 0.5f }, p[3..]);
    }
}
