using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;
using F = Microsoft.ML.Minibatch.NN.Functional;

// Test namespaces end in "Tests": a namespace "…Tests.Autograd" (or ".Functional") would hide the Autograd
// (or Functional) class from every test under Microsoft.ML.Minibatch.Tests.
namespace Microsoft.ML.Minibatch.Tests.AutogradTests;

/// <summary>
/// Every differentiable operation's float analytic gradient against central differences of an independent,
/// straightforward double-precision reference written here.
/// </summary>
[TestClass]
public sealed class GradientCheckTests
{
    private sealed record Input(double[] Values, int[] Shape);

    private static Input Random(int seed, double low, double high, params int[] shape)
    {
        var rng = new Random(seed);
        int n = shape.Aggregate(1, (a, b) => a * b);
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            // Keep values a little away from kinks (ReLU at 0, ties in max) so finite differences are valid.
            double v;
            do v = low + (high - low) * rng.NextDouble(); while (Math.Abs(v) < 0.05);
            values[i] = Math.Round(v, 3);
        }
        return new Input(values, shape);
    }

    /// <summary>
    /// Checks op's value and the gradient of Σ w ⊙ op(inputs) for fixed weights w against the double reference.
    /// </summary>
    private static void Check(Func<Tensor[], Tensor> op, Func<double[][], double[]> reference, params Input[] inputs)
    {
        var tensors = inputs.Select(i =>
        {
            var t = Tensor.FromArray(i.Values.Select(v => (float)v).ToArray(), i.Shape);
            t.RequiresGrad = true;
            return t;
        }).ToArray();
        var output = op(tensors);
        var asDouble = inputs.Select(i => i.Values.Select(v => (double)(float)v).ToArray()).ToArray();
        var expected = reference(asDouble);
        Assert.AreEqual(expected.Length, output.ElementCount, "output size");
        var weights = new double[expected.Length];
        var rng = new Random(99);
        for (int i = 0; i < weights.Length; i++) weights[i] = Math.Round(rng.NextDouble() * 2 - 1, 3);

        var actual = output.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5 + 1e-5 * Math.Abs(expected[i]), $"value [{i}]");
        }

        var w = Tensor.FromArray(weights.Select(v => (float)v).ToArray(), output.GetShape());
        (output * w).Sum().Backward();

        const double h = 1e-6;
        for (int k = 0; k < inputs.Length; k++)
        {
            var grad = tensors[k].Grad;
            Assert.IsNotNull(grad, $"input {k} received no gradient");
            var analytic = grad.ToArray();
            for (int j = 0; j < asDouble[k].Length; j++)
            {
                double saved = asDouble[k][j];
                asDouble[k][j] = saved + h;
                double plus = Dot(reference(asDouble), weights);
                asDouble[k][j] = saved - h;
                double minus = Dot(reference(asDouble), weights);
                asDouble[k][j] = saved;
                double numeric = (plus - minus) / (2 * h);
                Assert.AreEqual(numeric, analytic[j], 1e-4 + 1e-3 * Math.Abs(numeric), $"d/d input{k}[{j}]");
            }
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static double[] Map(double[] x, Func<double, double> f) => x.Select(f).ToArray();

    private static double[] Zip(double[] a, double[] b, Func<double, double, double> f) => a.Zip(b, f).ToArray();

    // Reference broadcasting for [m, n] with [n] (row), [m, 1] (column), [1] (scalar) or [m, n].
    private static double At(double[] v, int[] shape, int i, int j, int n) => shape switch
    {
        [1] => v[0],
        [_] => v[j],
        [_, 1] => v[i],
        _ => v[i * n + j],
    };

    private static Func<double[][], double[]> Broadcast2D(int m, int n, int[] shapeA, int[] shapeB, Func<double, double, double> f) => x =>
    {
        var result = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                result[i * n + j] = f(At(x[0], shapeA, i, j, n), At(x[1], shapeB, i, j, n));
        return result;
    };

    public static IEnumerable<object[]> BinaryCases()
    {
        string[] ops = ["add", "sub", "mul", "div"];
        int[][] shapes = [[3, 4], [4], [3, 1], [1]];
        foreach (var op in ops)
            foreach (var shape in shapes)
            {
                yield return [op, new[] { 3, 4 }, shape];
                yield return [op, shape, new[] { 3, 4 }];
            }
    }

    [TestMethod]
    [DynamicData(nameof(BinaryCases))]
    public void BroadcastingBinaryOps(string op, int[] shapeA, int[] shapeB)
    {
        Func<Tensor, Tensor, Tensor> ours = op switch
        {
            "add" => (a, b) => a + b,
            "sub" => (a, b) => a - b,
            "mul" => (a, b) => a * b,
            _ => (a, b) => a / b,
        };
        Func<double, double, double> reference = op switch
        {
            "add" => (a, b) => a + b,
            "sub" => (a, b) => a - b,
            "mul" => (a, b) => a * b,
            _ => (a, b) => a / b,
        };
        // Divisors stay away from zero.
        Check(t => ours(t[0], t[1]), Broadcast2D(3, 4, shapeA, shapeB, reference),
            Random(1, -2, 2, shapeA), Random(2, 0.5, 2, shapeB));
    }

    [TestMethod]
    public void GeneralBroadcast_ThroughAnIndexMap()
    {
        // [2, 1, 3] with [4, 1]: neither a row, a column nor a scalar pattern.
        Check(t => t[0] * t[1], x =>
        {
            var r = new double[2 * 4 * 3];
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 4; b++)
                    for (int c = 0; c < 3; c++)
                        r[(a * 4 + b) * 3 + c] = x[0][a * 3 + c] * x[1][b];
            return r;
        }, Random(3, -1, 1, 2, 1, 3), Random(4, -1, 1, 4, 1));
    }

    [TestMethod]
    public void SameTensorOnBothSides_AccumulatesBothContributions()
    {
        Check(t => t[0] * t[0], x => Map(x[0], v => v * v), Random(5, -2, 2, 3, 4));
    }

    [TestMethod]
    public void ScalarOps()
    {
        var x = Random(6, 0.5, 3, 2, 5);
        Check(t => t[0] + 1.5f, r => Map(r[0], v => v + 1.5), x);
        Check(t => t[0] - 1.5f, r => Map(r[0], v => v - 1.5), x);
        Check(t => t[0] * -2.5f, r => Map(r[0], v => v * -2.5), x);
        Check(t => t[0] / 4f, r => Map(r[0], v => v / 4), x);
        Check(t => 3f - t[0], r => Map(r[0], v => 3 - v), x);
        Check(t => 3f / t[0], r => Map(r[0], v => 3 / v), x);
        Check(t => -t[0], r => Map(r[0], v => -v), x);
    }

    [TestMethod]
    public void UnaryOps()
    {
        var any = Random(7, -2, 2, 3, 4);
        var positive = Random(8, 0.2, 3, 3, 4);
        Check(t => t[0].Exp(), r => Map(r[0], Math.Exp), any);
        Check(t => t[0].Log(), r => Map(r[0], Math.Log), positive);
        Check(t => t[0].Sqrt(), r => Map(r[0], Math.Sqrt), positive);
        Check(t => t[0].Relu(), r => Map(r[0], v => Math.Max(v, 0)), any);
        Check(t => F.Relu(t[0]), r => Map(r[0], v => Math.Max(v, 0)), any);
        Check(t => t[0].Sigmoid(), r => Map(r[0], v => 1 / (1 + Math.Exp(-v))), any);
        Check(t => t[0].Tanh(), r => Map(r[0], Math.Tanh), any);
        Check(t => t[0].Pow(3), r => Map(r[0], v => v * v * v), any);
        Check(t => t[0].Pow(0.5f), r => Map(r[0], Math.Sqrt), positive);
        Check(t => t[0].Clone(), r => r[0].ToArray(), any);
    }

    private static double[] ReduceAlong(double[] x, int[] shape, int dim, Func<IEnumerable<double>, double> f)
    {
        int outer = shape.Take(dim).Aggregate(1, (a, b) => a * b);
        int size = shape[dim];
        int inner = shape.Skip(dim + 1).Aggregate(1, (a, b) => a * b);
        var result = new double[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
                result[o * inner + i] = f(Enumerable.Range(0, size).Select(s => x[(o * size + s) * inner + i]));
        return result;
    }

    private static double LogSumExp(IEnumerable<double> values)
    {
        var v = values.ToArray();
        double m = v.Max();
        return m + Math.Log(v.Sum(e => Math.Exp(e - m)));
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(-1)]
    public void Reductions(int dim)
    {
        int[] shape = [2, 3, 4];
        int d = dim < 0 ? dim + 3 : dim;
        var x = Random(9, -3, 3, shape);
        Check(t => t[0].Sum(dim), r => ReduceAlong(r[0], shape, d, v => v.Sum()), x);
        Check(t => t[0].Sum(dim, keepDim: true), r => ReduceAlong(r[0], shape, d, v => v.Sum()), x);
        Check(t => t[0].Mean(dim), r => ReduceAlong(r[0], shape, d, v => v.Average()), x);
        Check(t => t[0].Max(dim).Values, r => ReduceAlong(r[0], shape, d, v => v.Max()), x);
        Check(t => t[0].LogSumExp(dim), r => ReduceAlong(r[0], shape, d, LogSumExp), x);
        Check(t => t[0].LogSumExp(dim, keepDim: true), r => ReduceAlong(r[0], shape, d, LogSumExp), x);
    }

    [TestMethod]
    public void FullReductions()
    {
        var x = Random(10, -3, 3, 3, 5);
        Check(t => t[0].Sum(), r => [r[0].Sum()], x);
        Check(t => t[0].Mean(), r => [r[0].Average()], x);
    }

    private static double[] MatMulReference(double[] a, double[] b, int m, int k, int n, bool ta, bool tb)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = s;
            }
        return c;
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void MatMul_WithTransposedOperands(bool ta, bool tb)
    {
        int m = 3, k = 4, n = 5;
        var a = Random(11, -1, 1, ta ? [k, m] : [m, k]);
        var b = Random(12, -1, 1, tb ? [n, k] : [k, n]);
        Check(t => Tensor.MatMul(t[0], t[1], ta, tb), r => MatMulReference(r[0], r[1], m, k, n, ta, tb), a, b);
    }

    [TestMethod]
    public void ShapeOps()
    {
        var x = Random(13, -1, 1, 3, 4);
        Check(t => t[0].T(), r =>
        {
            var y = new double[12];
            for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) y[j * 3 + i] = r[0][i * 4 + j];
            return y;
        }, x);
        Check(t => t[0].Reshape(2, -1) * 2f, r => Map(r[0], v => v * 2), x);
        Check(t => t[0].Unsqueeze(0).Flatten().Squeeze(0) * 2f, r => Map(r[0], v => v * 2), x);
        Check(t => t[0].Slice(1, 2), r => r[0].Skip(4).Take(8).ToArray(), x);
        Check(t => t[0].IndexSelect(new IntTensor([2, 0, 2])), r =>
            [.. r[0].Skip(8).Take(4), .. r[0].Take(4), .. r[0].Skip(8).Take(4)], x);
        Check(t => t[0].Pick(new IntTensor([3, 0, 1])), r => [r[0][3], r[0][4], r[0][9]], x);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Linear_IsOneFusedNode_WithCorrectGradients(bool withBias)
    {
        int m = 4, inF = 3, outF = 2;
        var inputs = new List<Input> { Random(14, -1, 1, m, inF), Random(15, -1, 1, outF, inF) };
        if (withBias) inputs.Add(Random(16, -1, 1, outF));
        Check(t => F.Linear(t[0], t[1], withBias ? t[2] : null), r =>
        {
            var y = MatMulReference(r[0], r[1], m, inF, outF, false, true);
            if (withBias) for (int i = 0; i < m; i++) for (int j = 0; j < outF; j++) y[i * outF + j] += r[2][j];
            return y;
        }, [.. inputs]);
    }

    private static double[] LogSoftmaxReference(double[] x, int n) =>
        Enumerable.Range(0, x.Length / n).SelectMany(r =>
        {
            var row = x.Skip(r * n).Take(n).ToArray();
            double lse = LogSumExp(row);
            return row.Select(v => v - lse);
        }).ToArray();

    [TestMethod]
    public void LogSoftmaxAndSoftmax()
    {
        var x = Random(17, -4, 4, 3, 5);
        Check(t => F.LogSoftmax(t[0]), r => LogSoftmaxReference(r[0], 5), x);
        Check(t => F.Softmax(t[0]), r => Map(LogSoftmaxReference(r[0], 5), Math.Exp), x);
        Check(t => new LogSoftmax(1).Forward(t[0]), r => LogSoftmaxReference(r[0], 5), x);
    }

    [TestMethod]
    [DataRow(Reduction.Mean)]
    [DataRow(Reduction.Sum)]
    [DataRow(Reduction.None)]
    public void NllAndCrossEntropy(Reduction reduction)
    {
        int[] target = [4, 0, 2];
        var x = Random(18, -4, 4, 3, 5);
        double[] Reduce(double[] perRow) => reduction switch
        {
            Reduction.Mean => [perRow.Average()],
            Reduction.Sum => [perRow.Sum()],
            _ => perRow,
        };
        Check(t => F.Nll(t[0], new IntTensor(target), reduction),
            r => Reduce(target.Select((c, i) => -r[0][i * 5 + c]).ToArray()), x);
        Check(t => F.CrossEntropy(t[0], new IntTensor(target), reduction),
            r => Reduce(target.Select((c, i) => -LogSoftmaxReference(r[0], 5)[i * 5 + c]).ToArray()), x);
    }
}
