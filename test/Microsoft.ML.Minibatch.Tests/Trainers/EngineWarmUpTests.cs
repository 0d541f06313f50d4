using static Microsoft.ML.Minibatch.Tests.Trainers.TrainerTestData;

namespace Microsoft.ML.Minibatch.Tests.Trainers;

/// <summary>
/// A trainer warms the engine up on a background thread when it is created (<c>EngineWarmUp</c>); that work shares
/// nothing with anybody's training, so fits running beside any number of warm-ups give the same bits.
/// </summary>
[TestClass]
public sealed class EngineWarmUpTests
{
    [TestMethod]
    public void Fits_beside_warm_ups_of_every_kind_give_the_same_model_bit_for_bit()
    {
        var rows = new MLContext(1).Data.LoadFromEnumerable(KeyRows(200, 3));
        var options = Small(epochs: 4);
        options.Sampler = SamplerKind.Random;
        options.Momentum = 0.9f;
        options.DropoutRate = 0.2f;
        var reference = new MLContext(1).MulticlassClassification.Trainers.Minibatch(options).Fit(rows);

        // The warm-ups are started by these constructions and run while the fits below do.
        var kinds = new List<MinibatchTrainer.Options>();
        foreach (var optimizer in new[] { OptimizerKind.Sgd, OptimizerKind.Adam, OptimizerKind.AdamW })
            foreach (var schedule in new[] { LearningRateSchedule.Constant, LearningRateSchedule.OneCycle, LearningRateSchedule.Cosine })
                kinds.Add(new MinibatchTrainer.Options { Optimizer = optimizer, LearningRateSchedule = schedule, HiddenLayers = [300, 7, 2], DropoutRate = 0.5f });
        for (int round = 0; round < 3; round++)
        {
            foreach (var kind in kinds) new MLContext(round).MulticlassClassification.Trainers.Minibatch(kind);
            AssertSameWeights(reference, new MLContext(1).MulticlassClassification.Trainers.Minibatch(options).Fit(rows));
        }
    }
}
