using System.Globalization;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Training;

namespace Microsoft.ML.Minibatch;

/// <summary>
/// The checks that keep a useless model from passing for a trained one. A hidden layer whose every unit outputs 0 for
/// the training rows (dead ReLUs: typically a learning rate too large for the features' scale) makes the model give
/// every row the same scores: that is an error. A last epoch whose training loss is no better than predicting the
/// class frequencies is a warning, because an input that really carries no signal ends there too.
/// </summary>
internal static class TrainingCollapse
{
    // Enough rows, spread over the whole set (it may be sorted by class), to see a unit that is alive for some inputs;
    // few enough to cost nothing beside training (512 MNIST rows are 1.6 MB).
    private const int SampleRows = 512;

    // The rows whose labels give the class frequencies: all of a set up to this size, a spread sample of a larger one.
    private const int FrequencyRows = 65_536;

    /// <summary>Throws when a hidden layer is dead; returns a warning when the model is no better than the class
    /// frequencies, else null. <paramref name="train"/> holds the rows as the network read them.</summary>
    /// <exception cref="InvalidOperationException">Every unit of a hidden layer is dead.</exception>
    public static string? Check(Sequential model, Dataset train, IReadOnlyList<EpochMetrics> history, MinibatchTrainer.Options o, bool scaled,
        CancellationToken token)
    {
        if (history.Count == 0) return null;
        string lr = o.LearningRate.ToString("R", CultureInfo.InvariantCulture);
        string scale = scaled ? "" : " or scale the features (FeatureScaling.Auto or Standardize, or one of ML.NET's normalizers)";
        if (DeadLayer(model, train) is int layer)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Training collapsed: every unit of hidden layer {layer} outputs 0 for the training rows (dead ReLUs), so the model gives every row the same scores. Lower the learning rate (now {lr}){scale}."));
        double frequencies = FrequencyLoss(train, token);
        double loss = history[^1].TrainLoss;
        if (loss < frequencies - Math.Max(0.01 * frequencies, 1e-3)) return null;
        string cause = AllConstant(train, token)
            ? " Every feature has the same value in every row, so nothing tells the classes apart."
            : string.Create(CultureInfo.InvariantCulture, $" Lower the learning rate (now {lr}){scale}, or train for more epochs (now {history.Count}).");
        return string.Create(CultureInfo.InvariantCulture,
            $"Training ended no better than predicting the class frequencies: the last epoch's training loss {loss:F4} is not below {frequencies:F4}, the loss of the frequencies alone.{cause}");
    }

    /// <summary>The first hidden layer (counted from 0) whose units all output 0 for rows spread evenly over
    /// <paramref name="train"/>, or null.</summary>
    private static int? DeadLayer(Sequential model, Dataset train)
    {
        int n = Math.Min(SampleRows, train.Count);
        if (n == 0) return null;
        var spread = Enumerable.Range(0, n).Select(i => RowScan.SpreadIndex(i, n, train.Count)).ToArray();
        var batch = train.GetBatch(spread);
        using var noGrad = Autograd.NoGrad();
        Tensor x = batch.Features;
        int hidden = 0;
        for (int i = 0; i < model.Count - 1; i++)
        {
            x = model[i].Forward(x);
            if (model[i] is not ReLU) continue;
            if (!x.AsSpan().ContainsAnyExcept(0f)) return hidden;
            hidden++;
        }
        return null;
    }

    /// <summary>The cross-entropy of predicting each class with its frequency in <paramref name="train"/> (the entropy of
    /// its labels), counted on every row of a set up to 65,536 rows and on that many rows spread evenly over a larger
    /// one, so that a set bigger than memory is not read again.</summary>
    private static double FrequencyLoss(Dataset train, CancellationToken token)
    {
        int n = Math.Min(FrequencyRows, train.Count);
        var counts = new Dictionary<int, int>();
        RowScan.Spread(train, FrequencyRows, token, (_, m, _, labels) =>
        {
            for (int i = 0; i < m; i++) counts[labels[i]] = counts.GetValueOrDefault(labels[i]) + 1;
        });
        return -counts.Values.Sum(c => (double)c / n * Math.Log((double)c / n));
    }

    private static bool AllConstant(Dataset train, CancellationToken token)
    {
        float[]? first = null;
        bool constant = true;
        RowScan.Run(train, token, (_, n, features, _) =>
        {
            int width = train.FeatureCount;
            first ??= features.AsSpan(0, width).ToArray();
            for (int i = 0; i < n && constant; i++)
                constant = features.AsSpan(i * width, width).SequenceEqual(first);
        });
        return constant;
    }
}
