using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;
using F = Microsoft.ML.Minibatch.NN.Functional;

namespace Microsoft.ML.Minibatch.Tests.TensorsTests;

[TestClass]
public sealed class TensorArenaTests
{
    private static float[][] Train(bool useArena)
    {
        var generator = new Generator(4);
        var model = new Sequential(new Linear(12, 6, generator: generator), new ReLU(), new Linear(6, 3, generator: generator));
        var x = Tensor.Randn(generator, 32, 12);
        var y = new IntTensor(Enumerable.Range(0, 32).Select(i => i % 3).ToArray());
        var arena = new TensorArena();
        for (int step = 0; step < 5; step++)
        {
            arena.Reset();
            using (useArena ? arena.Activate() : default)
            {
                F.CrossEntropy(model.Forward(x), y).Backward();
            }
            using (Autograd.NoGrad())
            {
                foreach (var p in model.Parameters()) p.SubInPlace(p.Grad!, 0.5f);
            }
            model.ZeroGrad();
        }
        return model.Parameters().Select(p => p.ToArray()).ToArray();
    }

    [TestMethod]
    public void TrainingInsideAnArena_GivesBitwiseTheSameModel()
    {
        var plain = Train(false);
        var pooled = Train(true);
        for (int i = 0; i < plain.Length; i++) CollectionAssert.AreEqual(plain[i], pooled[i]);
    }

    [TestMethod]
    public void Reset_ReusesStorage_AndPublicFactoriesNeverUseTheArena()
    {
        var arena = new TensorArena();
        var x = Tensor.FromArray([1f, 2f, 3f]);
        Tensor first, persistent;
        using (arena.Activate())
        {
            first = x * 2f;
            persistent = Tensor.Zeros(3);
            Assert.AreSame(arena, TensorArena.Current);
        }
        Assert.IsNull(TensorArena.Current);
        long capacity = arena.CapacityInFloats;
        arena.Reset();
        using (arena.Activate())
        {
            var second = x * 3f;
            Assert.AreEqual(capacity, arena.CapacityInFloats, "the second step must not grow the arena");
            // The first result's storage was handed out again: it now shows the second result.
            CollectionAssert.AreEqual(second.ToArray(), first.ToArray());
        }
        CollectionAssert.AreEqual(new[] { 0f, 0f, 0f }, persistent.ToArray());
    }
}
