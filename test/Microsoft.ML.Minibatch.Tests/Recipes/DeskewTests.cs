using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;
using static Microsoft.ML.Minibatch.Tests.Trainers.TrainerTestData;

namespace Microsoft.ML.Minibatch.Tests.Recipes;

/// <summary>
/// <c>Options.Deskew</c>: the deskewing itself against hand-computed images and PyTorch's <c>grid_sample</c>
/// (Fixtures/make_deskew_golden.py), then through the trainer, the saved model, ML.NET's loader (ONNX Runtime's
/// GridSample) and the ONNX export.
/// </summary>
[TestClass]
public sealed class DeskewTests
{
    private const int Side = 6;

    private sealed class ImageRow
    {
        [VectorType(Side * Side)] public float[] Features { get; set; } = [];
        [KeyType(3)] public uint Label { get; set; }
    }

    private sealed class Scored
    {
        public float[] Score { get; set; } = [];
    }

    /// <summary>Class c is a bar of ink in column 1 + 2c, slanted by a random amount, plus faint noise: a slant that
    /// deskewing removes.</summary>
    private static List<ImageRow> ImageRows(int n, int seed)
    {
        var rand = new Random(seed);
        return Enumerable.Range(0, n).Select(i =>
        {
            int c = i % 3;
            double slope = rand.NextDouble() - 0.5;
            var image = new float[Side * Side];
            for (int r = 0; r < Side; r++)
            {
                int x = Math.Clamp((int)Math.Round(1 + 2 * c + slope * (r - 2.5)), 0, Side - 1);
                image[r * Side + x] = 1;
                for (int col = 0; col < Side; col++) image[r * Side + col] += (float)(rand.NextDouble() * 0.1);
            }
            return new ImageRow { Features = image, Label = (uint)c };
        }).ToList();
    }

    private static MinibatchTransformer Fit(IEnumerable<ImageRow> rows, bool deskew)
    {
        var ml = new MLContext(seed: 1);
        var o = Small(4);
        o.HiddenLayers = [12];
        o.Deskew = deskew;
        o.Seed = 5;
        // The noisy ink reaches 1.1; these tests compare deskewing alone, without a standardisation folded in.
        o.FeatureScaling = FeatureScaling.None;
        return ml.MulticlassClassification.Trainers.Minibatch(o).Fit(ml.Data.LoadFromEnumerable(rows));
    }

    private static float[] Deskewed(int height, int width, float[] image)
    {
        var result = new float[image.Length];
        new ImageDeskew(height, width).Apply(image, result);
        return result;
    }

    [TestMethod]
    public void A_dot_in_the_corner_moves_to_the_centre()
    {
        // Centroid (0, 0), no row variance so no shear: output (r, c) reads input (r − 1, c − 1).
        float[] image = [1, 0, 0, 0, 0, 0, 0, 0, 0];
        CollectionAssert.AreEqual(new float[] { 0, 0, 0, 0, 1, 0, 0, 0, 0 }, Deskewed(3, 3, image));
    }

    [TestMethod]
    public void A_diagonal_is_sheared_upright()
    {
        // Ink at (0, 0) and (2, 2): centroid (1, 1), var(y) = 1, cov(y, x) = 1, so α = 1 and output (r, c) reads
        // input (r, c + r − 1): the diagonal becomes column 1.
        float[] image = [1, 0, 0, 0, 0, 0, 0, 0, 1];
        CollectionAssert.AreEqual(new float[] { 0, 1, 0, 0, 0, 0, 0, 1, 0 }, Deskewed(3, 3, image));
    }

    [TestMethod]
    public void Matches_PyTorchs_grid_sample_on_the_golden_images()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "deskew_golden.json")));
        int cases = 0;
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            string name = c.GetProperty("name").GetString()!;
            int h = c.GetProperty("height").GetInt32(), w = c.GetProperty("width").GetInt32();
            float[] image = c.GetProperty("image").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            float[] expected = c.GetProperty("deskewed").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            float[] actual = Deskewed(h, w, image);
            float scale = Math.Max(1, image.Max());
            double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) / scale;
            Console.WriteLine($"{name}: largest difference {worst:G3} of the brightest pixel");
            Assert.IsLessThanOrEqualTo(2.5e-7, worst, name);
            cases++;
        }
        Assert.AreEqual(6, cases);
    }

    [TestMethod]
    public void Rows_that_are_not_images_of_ink_are_refused_by_name()
    {
        var ml = new MLContext(seed: 1);
        // Four features would be a 2 × 2 image; three are no image at all.
        var o = Small(1);
        o.Deskew = true;
        var threeFeatures = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 6).Select(i => new ThreeFeatures { Label = (uint)(i % 3) }));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Minibatch(o).Fit(threeFeatures));
        Assert.AreEqual("ImageWidth", e.ParamName);
        StringAssert.Contains(e.Message, "the 3 features are not a square image");

        o.ImageWidth = -1;
        Assert.AreEqual("ImageWidth", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Minibatch(o)).ParamName);

        var rows = ImageRows(12, 3);
        rows[7].Features[5] = -0.5f;
        var negative = Assert.ThrowsExactly<ArgumentException>(() => Fit(rows, deskew: true));
        StringAssert.Contains(negative.Message, "Row 7 of the training set: feature 5 is -0.5; Deskew needs ink intensities");
    }

    private sealed class ThreeFeatures
    {
        [VectorType(3)] public float[] Features { get; set; } = [1, 1, 1];
        [KeyType(3)] public uint Label { get; set; }
    }

    [TestMethod]
    public void Training_with_Deskew_is_training_on_deskewed_rows_and_scoring_deskews_too()
    {
        var rows = ImageRows(90, 11);
        var deskewedRows = rows.Select(r => new ImageRow { Features = Deskewed(Side, Side, r.Features), Label = r.Label }).ToList();
        var deskewing = Fit(rows, deskew: true);
        var plain = Fit(deskewedRows, deskew: false);
        AssertSameWeights(plain, deskewing);
        Assert.IsTrue(deskewing.TrainingOptions.Deskew);
        Assert.IsNull(plain.DeskewImageSize);

        float[] raw = rows.SelectMany(r => r.Features).ToArray(), straight = deskewedRows.SelectMany(r => r.Features).ToArray();
        var ours = new float[rows.Count * 3];
        var expected = new float[rows.Count * 3];
        deskewing.Score(raw, ours);
        plain.Score(straight, expected);
        CollectionAssert.AreEqual(expected, ours, "the model deskews the raw rows it scores");
        Assert.AreEqual(MlpScorer.ArgMax(expected.AsSpan(0, 3)) + 1, (int)deskewing.Predict(raw.AsSpan(0, Side * Side)));
    }

    [TestMethod]
    public void Saved_loaded_by_us_and_by_MLNET_and_exported_to_ONNX_with_the_deskewing()
    {
        var model = Fit(ImageRows(90, 11), deskew: true);
        var ml = new MLContext(seed: 1);
        var test = ImageRows(40, 12);
        var rows = ml.Data.LoadFromEnumerable(test);
        float[] features = test.SelectMany(r => r.Features).ToArray();
        var ours = new float[test.Count * 3];
        model.Score(features, ours);

        using var zip = new MemoryStream();
        ml.Model.Save(model, rows.Schema, zip);
        zip.Position = 0;
        var loaded = MinibatchTransformer.Load(zip);
        Assert.IsTrue(loaded.TrainingOptions.Deskew);
        Assert.AreEqual(0, loaded.TrainingOptions.ImageWidth);
        Assert.AreEqual((Side, Side), loaded.DeskewImageSize, "ImageWidth 0: a square image");
        var again = new float[ours.Length];
        loaded.Score(features, again);
        CollectionAssert.AreEqual(ours, again);

        // ML.NET's own chain runs the graph in ONNX Runtime: the deskewing there is GridSample.
        zip.Position = 0;
        var theirs = ml.Data.CreateEnumerable<Scored>(ml.Model.Load(zip, out _).Transform(rows), reuseRowObject: false)
            .SelectMany(s => s.Score).ToArray();
        double worst = ours.Zip(theirs).Max(p => Math.Abs(p.First - p.Second));
        Console.WriteLine($"ML.NET's loaded chain vs our scores: largest difference {worst:G3}");
        Assert.HasCount(ours.Length, theirs);
        Assert.IsLessThanOrEqualTo(1e-6, worst, "ML.NET's ApplyOnnxModel chain scores as we do");

        string onnx = Path.Combine(Path.GetTempPath(), $"deskew-{Guid.NewGuid():N}.onnx");
        try
        {
            model.ExportOnnx(onnx);
            using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx);
            var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(features, [test.Count, Side * Side]);
            using var results = session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("Features", input)]);
            var score = results.Single(r => r.Name == "Score").AsTensor<float>().ToArray();
            double worstBatch = ours.Zip(score).Max(p => Math.Abs(p.First - p.Second));
            Console.WriteLine($"ONNX Runtime (batch export) vs our scores: largest difference {worstBatch:G3}");
            Assert.IsLessThanOrEqualTo(1e-6, worstBatch);
        }
        finally
        {
            File.Delete(onnx);
        }
    }

    [TestMethod]
    public void Every_new_model_is_written_as_format_3_deskewing_or_not()
    {
        string Format(MinibatchTransformer model)
        {
            string json = Onnx.OnnxMlp.Read(SavedNetwork.ToOnnx(model, Onnx.OnnxLayout.Batch), "model").Metadata.Single(p => p.Key == SavedModel.MetadataKey).Value;
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.GetProperty("Format").ToString();
        }
        // Format 2 (deskewing) and 1 (not) were written before the graph gave non-finite rows no prediction; files of
        // both still load (Reliability/NonFiniteScoringTests), and every model written now is format 3.
        Assert.AreEqual("3", Format(Fit(ImageRows(30, 1), deskew: true)));
        Assert.AreEqual("3", Format(Fit(ImageRows(30, 1), deskew: false)));
    }
}
