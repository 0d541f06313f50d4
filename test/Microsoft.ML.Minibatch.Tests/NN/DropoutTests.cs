using System.Text.Json;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;
using F = Microsoft.ML.Minibatch.NN.Functional;

namespace Microsoft.ML.Minibatch.Tests.NNTests;

/// <summary>
/// Dropout against PyTorch 1.13's CPU <c>F.dropout</c> (Fixtures/make_dropout_golden.py): the same masks and values bit
/// for bit after the same seed, the same gradient; mask statistics and scaling on a large input; eval mode and the
/// edge probabilities; and the gradient against central finite differences.
/// </summary>
[TestClass]
public sealed class DropoutTests
{
    private static float[] Floats(JsonElement a) => a.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    [TestMethod]
    public void Masks_values_and_gradients_equal_PyTorch_bit_for_bit()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "dropout_golden.json")));
        int cases = 0;
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            int[] shape = c.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            double p = c.GetProperty("p").GetDouble();
            var x = Tensor.FromArray(Floats(c.GetProperty("x")), shape);
            x.RequiresGrad = true;
            var weights = Tensor.FromArray(Floats(c.GetProperty("c")), shape);
            var dropout = new Dropout(p, new Generator((ulong)c.GetProperty("seed").GetInt32()));
            Tensor first = dropout.Forward(x);
            Tensor second = dropout.Forward(x.Detach());
            (first * weights).Sum().Backward();
            string where = $"seed {c.GetProperty("seed")} p {p}";
            CollectionAssert.AreEqual(Floats(c.GetProperty("first")), first.ToArray(), where + " first call");
            CollectionAssert.AreEqual(Floats(c.GetProperty("second")), second.ToArray(), where + " second call");
            CollectionAssert.AreEqual(Floats(c.GetProperty("grad")), x.Grad!.ToArray(), where + " gradient");
            cases++;
        }
        Assert.AreEqual(6, cases);
    }

    [TestMethod]
    [DataRow(0.1)]
    [DataRow(0.5)]
    [DataRow(0.8)]
    public void Keeps_one_minus_p_of_the_elements_and_scales_them_by_its_inverse(double p)
    {
        const int n = 200_000;
        var x = Tensor.Full(2f, n);
        float[] y = F.Dropout(x, p, training: true, new Generator(11)).ToArray();
        int kept = y.Count(v => v != 0);
        double expected = n * (1 - p), sigma = Math.Sqrt(n * p * (1 - p));
        Assert.IsLessThan(5 * sigma, Math.Abs(kept - expected), $"kept {kept}, expected {expected} ± {sigma:F0}");
        float scaled = 2f * (1f / (float)(1 - p));
        Assert.IsTrue(y.All(v => v == 0 || v == scaled), "every kept element is x / (1 − p)");
        Assert.AreEqual(2.0, y.Average(v => (double)v), 10 * 2 * sigma / n * (1 / (1 - p)), "the mean is preserved");
    }

    [TestMethod]
    public void Eval_mode_and_p_zero_pass_the_input_through_and_p_one_zeroes()
    {
        var x = Tensor.FromArray([1f, -2f, 3f], 3);
        var layer = new Dropout(0.5, new Generator(1));
        layer.Eval();
        Assert.AreSame(x, layer.Forward(x));
        Assert.AreSame(x, F.Dropout(x, 0, training: true));
        CollectionAssert.AreEqual(new[] { 0f, 0f, 0f }, F.Dropout(x, 1, training: true).ToArray().Select(v => Math.Abs(v)).ToArray());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Dropout(1.5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => F.Dropout(x, -0.1));
    }

    [TestMethod]
    public void Repr_is_PyTorchs()
    {
        Assert.AreEqual("Dropout(p=0.5, inplace=False)", new Dropout().ToString());
        Assert.AreEqual("Dropout(p=0.0, inplace=False)", new Dropout(0).ToString());
        Assert.AreEqual("Dropout(p=0.25, inplace=False)", new Dropout(0.25).ToString());
    }

    [TestMethod]
    public void Gradient_matches_central_finite_differences()
    {
        // f(x) = Σ c·dropout(x) with the mask fixed by re-seeding: differentiate numerically in double.
        const int n = 40;
        var rng = new Generator(3);
        float[] xs = Tensor.Randn(rng, n).ToArray(), cs = Tensor.Randn(rng, n).ToArray();
        double F64(float[] values)
        {
            float[] y = F.Dropout(Tensor.FromArray(values, n), 0.4, true, new Generator(9)).ToArray();
            double sum = 0;
            for (int i = 0; i < n; i++) sum += (double)cs[i] * y[i];
            return sum;
        }
        var x = Tensor.FromArray((float[])xs.Clone(), n);
        x.RequiresGrad = true;
        (F.Dropout(x, 0.4, true, new Generator(9)) * Tensor.FromArray(cs, n)).Sum().Backward();
        float[] grad = x.Grad!.ToArray();
        const float h = 1e-2f;
        for (int i = 0; i < n; i++)
        {
            float[] plus = (float[])xs.Clone(), minus = (float[])xs.Clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (F64(plus) - F64(minus)) / ((double)plus[i] - minus[i]);
            Assert.AreEqual(numeric, grad[i], 1e-4 * Math.Max(1, Math.Abs(numeric)), $"element {i}");
        }
    }
}
