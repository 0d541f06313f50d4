using Microsoft.ML;
using static Microsoft.ML.Minibatch.Tests.Trainers.TrainerTestData;

namespace Microsoft.ML.Minibatch.Tests.Recipes;

/// <summary>
/// <see cref="OptimizerKind.AdamW"/> through the trainer: the rule itself is checked against torch.optim.AdamW
/// (OptimizerTests) and libtorch (TorchSharpEngineTests); here, that the option reaches it. With WeightDecay 0 the
/// decoupled decay vanishes and AdamW is Adam to the bit; with a decay it is neither Adam nor Adam's L2 decay.
/// </summary>
[TestClass]
public sealed class AdamWTrainerTests
{
    private static MinibatchTransformer Fit(OptimizerKind kind, float weightDecay)
    {
        var ml = new MLContext(seed: 1);
        var o = Small(4);
        o.Optimizer = kind;
        o.LearningRate = 0.05f;
        o.WeightDecay = weightDecay;
        return ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(KeyRows(64, 3)));
    }

    [TestMethod]
    public void AdamW_without_decay_is_Adam_bit_for_bit()
    {
        AssertSameWeights(Fit(OptimizerKind.Adam, 0), Fit(OptimizerKind.AdamW, 0));
    }

    [TestMethod]
    public void AdamW_with_decay_differs_from_Adam_with_L2_decay_and_keeps_smaller_weights()
    {
        var adamW = Fit(OptimizerKind.AdamW, 0.5f);
        var adamL2 = Fit(OptimizerKind.Adam, 0.5f);
        var plain = Fit(OptimizerKind.Adam, 0);
        CollectionAssert.AreNotEqual(Weights(adamL2)[0], Weights(adamW)[0]);
        static double Norm(MinibatchTransformer m) => Weights(m).SelectMany(w => w).Sum(v => (double)v * v);
        Assert.IsLessThan(Norm(plain), Norm(adamW), "decoupled decay shrinks the weights");
        Assert.AreEqual(OptimizerKind.AdamW, adamW.TrainingOptions.Optimizer);
    }
}
