using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Microsoft.ML.Minibatch.Samples.Commands;

namespace Microsoft.ML.Minibatch.Tests.Recipes;

using Command = System.CommandLine.Command;

/// <summary>
/// <c>minibatch train --find-lr</c> trains with the finder's suggestion, keeps its curve in the model, and
/// <c>minibatch report</c> draws it; the curve is the one <c>minibatch lr-find</c> sweeps on its own.
/// </summary>
[TestClass]
public sealed class FoundLearningRateTests
{
    private static readonly string[] Network = ["--hidden", "30", "--batch-size", "128", "--momentum", "0.9", "--seed", "2"];

    private static (int Exit, string Output) Run(Func<TextWriter?, Command> create, params string[] args) => UX.ReportTests.Run(create, args);

    [TestMethod]
    public void Train_with_find_lr_uses_the_suggestion_saves_the_sweep_and_the_report_draws_it()
    {
        var directory = Directory.CreateTempSubdirectory("minibatch-find-lr-").FullName;
        try
        {
            string model = Path.Combine(directory, "model.zip"), report = Path.Combine(directory, "report.html");
            var (exit, output) = Run(TrainCommand.Create, ["train", "--epochs", "1", "--find-lr", "--model", model, .. Network]);
            Assert.AreEqual(0, exit, output);

            // The same sweep, run by lr-find alone: same network, seed and data, so the same curve to the bit.
            var (findExit, findOutput) = Run(LrFindCommand.Create, ["lr-find", "--json", .. Network]);
            Assert.AreEqual(0, findExit, findOutput);
            using var json = JsonDocument.Parse(findOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
            double suggested = json.RootElement.GetProperty("suggested_lr").GetDouble();
            var rates = json.RootElement.GetProperty("lrs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var losses = json.RootElement.GetProperty("losses").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble()).ToArray();

            var trained = MinibatchTransformer.Load(model).TrainingOptions;
            Assert.AreEqual((float)suggested, trained.LearningRate, "trained with the suggestion, not --lr's 0.5");
            var saved = trained.LearningRateFinder!;
            Assert.AreEqual(suggested, saved.SuggestedLearningRate);
            CollectionAssert.AreEqual(rates, saved.LearningRates.ToArray());
            CollectionAssert.AreEqual(losses, saved.Losses.ToArray());
            StringAssert.Contains(output, string.Create(CultureInfo.InvariantCulture, $"training with the suggested learning rate {(float)suggested:0.###e+0}"));

            var (reportExit, reportOutput) = Run(ReportCommand.Create, "report", "--model", model, "--out", report);
            Assert.AreEqual(0, reportExit, reportOutput);
            using var reader = XmlReader.Create(report, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
            var section = XDocument.Load(reader).Descendants("section").Single(s => (string?)s.Attribute("id") == "lr-finder");
            var chart = section.Descendants("svg").Single();
            var texts = chart.Descendants("text").Select(t => t.Value).ToList();
            // Decades from the sweep's first rate (1e-7) to above its last, and the suggestion marked.
            CollectionAssert.IsSubsetOf(new[] { "1e-7", "1e-6", "1e-1", "learning rate (log scale)" }, texts);
            Assert.ContainsSingle(texts.Where(t => t == string.Create(CultureInfo.InvariantCulture, $"suggested {suggested:0.###e+0}")));
            // One line of the shown points (the last 5 left out, as fast.ai plots), no per-point markers.
            var polyline = chart.Descendants("polyline").Single();
            Assert.HasCount(rates.Length - 5, ((string)polyline.Attribute("points")!).Split(' '));
            Assert.IsEmpty(chart.Descendants("circle"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void A_sweep_with_a_loss_missing_is_refused_when_the_trainer_is_made()
    {
        var options = new MinibatchTrainer.Options { LearningRateFinder = new([1e-3, 1e-2], [2.3], 1e-3, Diverged: false) };
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext(1).MulticlassClassification.Trainers.Minibatch(options));
        Assert.AreEqual("LearningRateFinder", e.ParamName);
    }

    [TestMethod]
    public void The_suggestion_sits_where_its_rate_falls_between_the_decades()
    {
        var chart = new Samples.Report.SvgLineChart
        {
            Title = "t", XLabel = "x", YLabel = "y", LogX = true, Width = 584, Height = 388,
            Marker = (1e-1, "m"),
            Lines = [new("s", "#000", [(1e-3, 1.0), (1e1, 2.0)])],
        };
        var svg = XElement.Parse(chart.ToSvg());
        // Decades 1e-3 … 1e1 across a plot of 584 − 64 − 20 = 500 px from x = 64: 1e-1 is halfway, at 314.
        var marker = svg.Descendants("line").Single(l => (string?)l.Attribute("class") == "marker");
        Assert.AreEqual("314.0", (string?)marker.Attribute("x1"));
        var points = ((string)svg.Descendants("polyline").Single().Attribute("points")!).Split(' ');
        Assert.AreEqual("64.0", points[0].Split(',')[0]);
        Assert.AreEqual("564.0", points[1].Split(',')[0]);
    }
}
