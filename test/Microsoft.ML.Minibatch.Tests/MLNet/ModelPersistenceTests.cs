using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Minibatch.Tests.MLNet;

[TestClass]
public sealed class ModelPersistenceTests
{
    public sealed class Row
    {
        public float Value { get; set; }
        [VectorType(2)] public float[] V { get; set; } = new float[2];
        public string Name { get; set; } = "";
    }

    private static string _dir = "";

    [ClassInitialize]
    public static void Init(TestContext _)
    {
        _dir = Path.Combine(Path.GetTempPath(), "mlnet-persistence-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static IDataView Data(MLContext ml) => ml.Data.LoadFromEnumerable(new[]
    {
        new Row { Value = 3, V = new[] { 1f, -2f }, Name = "c" },
        new Row { Value = 1, V = new[] { 0.5f, 4f }, Name = "a" },
        new Row { Value = 2, V = new[] { -1f, 0f }, Name = "b" },
        new Row { Value = 1, V = new[] { 2f, 2f }, Name = "a" },
    });

    private static TransformerChain<AddConstantTransformer> FitChain(MLContext ml, IDataView data)
    {
        var fitted = ml.Transforms.Conversion.MapValueToKey("Key", "Name", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.Conversion.MapKeyToValue("NameBack", "Key"))
            .Append(ml.Transforms.NormalizeMinMax("VN", "V"))
            .Append(ml.Transforms.Concatenate("All", "VN", "Value"))
            .Fit(data);
        return fitted.Append(new AddConstantTransformer("Plus", "Value", 0.25f));
    }

    private string SavedModel(MLContext ml, out IDataView data, out TransformerChain<AddConstantTransformer> model)
    {
        data = Data(ml);
        model = FitChain(ml, data);
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".zip");
        ml.Model.Save(model, data.Schema, path);
        return path;
    }

    [TestMethod]
    public void SaveLoad_ChainWithForeignStage_ReproducesOutputExactly()
    {
        var ml = new MLContext(1);
        string path = SavedModel(ml, out var data, out var model);
        var loaded = ml.Model.Load(path, out var inputSchema);
        Assert.AreEqual(EstimatorChecks.Describe(data.Schema), EstimatorChecks.Describe(inputSchema));
        Assert.IsInstanceOfType<TransformerChain<ITransformer>>(loaded);
        var stages = ((TransformerChain<ITransformer>)loaded).ToArray();
        Assert.AreEqual(5, stages.Length);
        Assert.IsInstanceOfType<ValueToKeyMappingTransformer>(stages[0]);
        Assert.IsInstanceOfType<KeyToValueMappingTransformer>(stages[1]);
        Assert.IsInstanceOfType<NormalizingTransformer>(stages[2]);
        Assert.IsInstanceOfType<ColumnConcatenatingTransformer>(stages[3]);
        Assert.AreEqual(0.25f, ((AddConstantTransformer)stages[4]).Constant);
        var expected = EstimatorChecks.Dump(model.Transform(data));
        var actual = EstimatorChecks.Dump(loaded.Transform(data));
        CollectionAssert.AreEqual(expected, actual);
        Assert.AreEqual(EstimatorChecks.Describe(model.Transform(data).Schema), EstimatorChecks.Describe(loaded.Transform(data).Schema));
        // Key values survive too.
        var key = loaded.GetOutputSchema(inputSchema)["Key"];
        VBuffer<ReadOnlyMemory<char>> kv = default;
        key.GetKeyValues(ref kv);
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, kv.DenseValues().Select(v => v.ToString()).ToArray());
    }

    [TestMethod]
    public void Manifest_DescribesFormatLibraryStagesAndSchema()
    {
        var ml = new MLContext(1);
        string path = SavedModel(ml, out _, out _);
        using var zip = ZipFile.OpenRead(path);
        using var reader = new StreamReader(zip.GetEntry("manifest.json")!.Open());
        var manifest = JsonNode.Parse(reader.ReadToEnd())!;
        Assert.AreEqual("Microsoft.ML.Minibatch.Model", (string?)manifest["format"]);
        Assert.AreEqual(1, (int?)manifest["formatVersion"]);
        Assert.IsFalse(string.IsNullOrEmpty((string?)manifest["libraryVersion"]));
        Assert.AreEqual("TransformerChain", (string?)manifest["model"]!["kind"]);
        Assert.AreEqual("Tests.AddConstant", (string?)manifest["model"]!["children"]!["4"]!["kind"]);
        Assert.IsNotNull(zip.GetEntry("model/4/constant.bin"));
        Assert.AreEqual("Value", (string?)manifest["inputSchema"]![0]!["name"]);
    }

    [TestMethod]
    public void Save_IsAtomic_AFailedSaveLeavesThePreviousFileAndNoTemporaries()
    {
        var ml = new MLContext(1);
        string path = SavedModel(ml, out var data, out _);
        var before = File.ReadAllBytes(path);
        var failing = new AddConstantTransformer("Plus", "Value", 1f) { FailOnSave = true };
        Assert.ThrowsExactly<IOException>(() => ml.Model.Save(failing, data.Schema, path));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
        Assert.AreEqual(0, Directory.GetFiles(_dir, "*.tmp").Length);
        // A successful save replaces the file.
        ml.Model.Save(new AddConstantTransformer("Plus", "Value", 2f), data.Schema, path);
        var loaded = (AddConstantTransformer)ml.Model.Load(path, out _);
        Assert.AreEqual(2f, loaded.Constant);
    }

    private static string Rewrite(string source, Action<ZipArchive, JsonObject> edit)
    {
        string target = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".zip");
        File.Copy(source, target);
        using (var zip = ZipFile.Open(target, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("manifest.json")!;
            JsonObject manifest;
            using (var r = new StreamReader(entry.Open())) manifest = (JsonObject)JsonNode.Parse(r.ReadToEnd())!;
            edit(zip, manifest);
            if (zip.GetEntry("manifest.json") is { } existing)
            {
                existing.Delete();
                using var w = zip.CreateEntry("manifest.json").Open();
                w.Write(Encoding.UTF8.GetBytes(manifest.ToJsonString()));
            }
        }
        return target;
    }

    private static void AssertRejected(MLContext ml, string path, string fragment)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.Load(path, out _));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, fragment);
    }

    [TestMethod]
    public void Load_RejectsCorruptFiles_WithInvalidDataExceptionNamingTheFile()
    {
        var ml = new MLContext(1);
        string good = SavedModel(ml, out _, out _);

        string notZip = Path.Combine(_dir, "notzip.zip");
        File.WriteAllText(notZip, "this is not a zip file at all");
        AssertRejected(ml, notZip, "not a zip archive");

        string truncated = Path.Combine(_dir, "truncated.zip");
        File.WriteAllBytes(truncated, File.ReadAllBytes(good)[..200]);
        AssertRejected(ml, truncated, "not a zip archive");

        AssertRejected(ml, Rewrite(good, (zip, m) => zip.GetEntry("manifest.json")!.Delete()), "has no manifest.json");
        string badJson = Rewrite(good, (zip, m) => zip.GetEntry("manifest.json")!.Delete());
        using (var zip = ZipFile.Open(badJson, ZipArchiveMode.Update))
        using (var w = zip.CreateEntry("manifest.json").Open())
            w.Write(Encoding.UTF8.GetBytes("{ not json"));
        AssertRejected(ml, badJson, "not valid JSON");
        AssertRejected(ml, Rewrite(good, (_, m) => m["format"] = "Something.Else"), "format is 'Something.Else'");
        AssertRejected(ml, Rewrite(good, (_, m) => m["formatVersion"] = 2), "unsupported format version 2");
        AssertRejected(ml, Rewrite(good, (_, m) => m["model"]!["children"]!["2"]!["kind"] = "Mystery"), "unknown kind 'Mystery'");
        AssertRejected(ml, Rewrite(good, (_, m) => m["inputSchema"]![1]!["type"]!["kind"] = "Tensor"), "input schema column 1: unknown type kind 'Tensor'");
        AssertRejected(ml, Rewrite(good, (_, m) => m["inputSchema"]![1]!["type"]!["dims"] = new JsonArray(-3)), "input schema column 1");
        AssertRejected(ml, Rewrite(good, (zip, m) => zip.GetEntry("model/4/constant.bin")!.Delete()), "missing from the archive");
        AssertRejected(ml, Rewrite(good, (_, m) => m["model"]!["children"]!["0"]!["options"]!["terms"] = new JsonArray("a", "a")), "appears twice");
        AssertRejected(ml, Rewrite(good, (_, m) => m["model"]!["children"]!["2"]!["options"]!["scale"] = new JsonArray(1.0)), "must have 2 items");
        AssertRejected(ml, Rewrite(good, (_, m) => m["model"]!["options"]!["Scopes"] = new JsonArray("Everything")), "5 stages but 1 scopes");
        AssertRejected(ml, Rewrite(good, (_, m) => ((JsonObject)m["model"]!["children"]!["4"]!).Remove("options")), "options are missing");
        AssertRejected(ml, Rewrite(good, (_, m) => m["extra"] = 1), "manifest.json has an unknown property 'extra'");
        AssertRejected(ml, Rewrite(good, (_, m) => m["model"]!["children"]!["1"]!["weights"] = "x"), "stage 'model/1' has an unknown property 'weights'");
        AssertRejected(ml, Rewrite(good, (_, m) => m["model"]!["children"]!["0"]!["options"]!["sortOrder"] = "x"), "unknown property 'sortOrder'");
        AssertRejected(ml, Rewrite(good, (_, m) => m["model"]!["children"]!["1"]!["options"]!["Extra"] = "x"), "options are malformed");
        AssertRejected(ml, Rewrite(good, (zip, m) => { using var w = zip.CreateEntry("model/9/secret.bin").Open(); w.WriteByte(1); }), "unexpected entry 'model/9/secret.bin'");
        AssertRejected(ml, Rewrite(good, (_, m) => m["model"]!["children"]!["4"]!["entries"]!["constant.bin"] = "model/0/constant.bin"), "must be stored at 'model/4/constant.bin'");
    }

    [TestMethod]
    public void Load_FromStream_AndSaveRejectsUnsavableInput()
    {
        var ml = new MLContext(1);
        var data = Data(ml);
        var model = FitChain(ml, data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out var schema);
        CollectionAssert.AreEqual(EstimatorChecks.Dump(model.Transform(data)), EstimatorChecks.Dump(loaded.Transform(data)));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.Load(new MemoryStream(new byte[] { 1, 2, 3 }), out _));
        StringAssert.Contains(e.Message, "<stream>");
        Assert.ThrowsExactly<ArgumentNullException>(() => ml.Model.Save(null!, data.Schema, stream));
    }
}
