using System.Globalization;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.NN;
using Microsoft.ML.Minibatch.Optim;
using Microsoft.ML.Minibatch.Samples.Progress;
using Microsoft.ML.Minibatch.Tensors;
using Microsoft.ML.Minibatch.Training;
using Spectre.Console;

namespace Microsoft.ML.Minibatch.Tests.UX;

[TestClass]
public sealed class TrainingProgressTests
{
    [TestMethod]
    public void PlainLines_WhenWritingElsewhereThanTheConsole_OrWithJson()
    {
        Assert.IsFalse(TrainingProgress.ShouldShow(new StringWriter(), json: false));
        Assert.IsFalse(TrainingProgress.ShouldShow(Console.Out, json: true));
    }

    [TestMethod]
    public void Smoother_ShowsTheFirstValueAsItself_AndCorrectsTheBias()
    {
        var s = new LossSmoother(beta: 0.5);
        Assert.IsTrue(double.IsNaN(s.Value));
        s.Add(1);
        Assert.AreEqual(1, s.Value, 1e-12);
        s.Add(3);
        // avg = 0.5·(0.5·1) + 0.5·3 = 1.75, corrected by 1 − 0.5² = 0.75.
        Assert.AreEqual(1.75 / 0.75, s.Value, 1e-12);
        var constant = new LossSmoother();
        for (int i = 0; i < 50; i++) constant.Add(0.25);
        Assert.AreEqual(0.25, constant.Value, 1e-12);
    }

    [TestMethod]
    public void ProgressLine_ShowsBatchesSpeedLossAndTimeLeft()
    {
        // Half of 782 batches of 64 in 2 s: 12,512 images per second, 2 s to go.
        var s = new TrainingProgress.Snapshot(5, 1, 391, 782, 391 * 64, TimeSpan.FromSeconds(2), 0.12345, [], false);
        string line = Markup.Remove(TrainingProgress.ProgressLine(s, 120));
        StringAssert.StartsWith(line, "epoch 2/5 ");
        StringAssert.Contains(line, " 391/782 batches");
        StringAssert.Contains(line, "loss 0.1235");
        StringAssert.Contains(line, "12,512 img/s");
        StringAssert.Contains(line, "0:02 left");
        string bar = line.Split(' ')[2];
        Assert.AreEqual(40, bar.Length);
        string markup = TrainingProgress.ProgressLine(s, 120);
        StringAssert.Contains(markup, "[green]" + new string('━', 20) + "[/]");
    }

    [TestMethod]
    public void LiveView_PrintsTheTableRowOfEveryEpoch_AndASummary()
    {
        var generator = new Generator(5);
        var x = Tensor.FromArray(Enumerable.Range(0, 40 * 4).Select(i => (float)Math.Sin(i)).ToArray(), 40, 4);
        var y = new IntTensor(Enumerable.Range(0, 40).Select(i => i % 3).ToArray());
        var model = new Sequential(new Linear(4, 8, generator: generator), new ReLU(), new Linear(8, 3, generator: generator));
        var loaders = DataLoaders.Create(new TensorDataset(x, y), new TensorDataset(x, y), 8, generator);
        var loop = new FitLoop(model, (o, t) => Functional.CrossEntropy(o, t), new Sgd(model.Parameters(), 0.1), loaders.Train, loaders.Valid);
        var buffer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(buffer),
        });
        loop.Callbacks.Add(new TrainingProgress(console));
        var history = loop.Fit(3);

        // What a terminal shows, without the escape sequences that style it and move the cursor.
        string screen = System.Text.RegularExpressions.Regex.Replace(buffer.ToString(), "\u001b\\[[0-9;?]*[A-Za-z]", "");
        StringAssert.Contains(screen, "│ epoch │ train loss │ valid loss │ valid accuracy │");
        foreach (var e in history)
        {
            string row = string.Create(CultureInfo.InvariantCulture, $"│ {e.Epoch + 1,5} │ {e.TrainLoss,10:F4} │ {e.ValidLoss,10:F4} │");
            StringAssert.Contains(screen, row);
        }
        StringAssert.Contains(screen, "╰───────┴");
        StringAssert.Contains(screen, string.Create(CultureInfo.InvariantCulture, $"valid accuracy {history[^1].ValidAccuracy * 100:F2} %"));
    }
}
