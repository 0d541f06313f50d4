using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Tests.Tabular;

/// <summary>
/// Every command that reads a CSV file against a saved model reads the columns the model was trained on, wherever the
/// label is, with or without a header, whatever the separator, whatever order the labels first appear in: evaluate
/// on the validation file reports what training measured on it, and equals the same file scored through ML.NET's API
/// with columns this test names itself.
/// </summary>
[TestClass]
public sealed class CsvColumnMappingTests
{
    private static string s_work = "";

    [ClassInitialize]
    public static void Create(TestContext _) => s_work = Directory.CreateTempSubdirectory("minibatch-columns-").FullName;

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(s_work)) Directory.Delete(s_work, recursive: true);
    }

    [TestMethod]
    [DataRow("first", true, true, ',', true)]
    [DataRow("first", false, false, ';', false)]
    [DataRow("middle", true, true, '\t', false)]
    [DataRow("middle", false, false, ',', true)]
    [DataRow("last", true, true, ';', true)]
    [DataRow("last", false, false, '\t', false)]
    [DataRow("last", true, false, ',', false)]
    [DataRow("middle", false, true, ',', true)]
    public void TrainValidEvaluatePredict_ReadTheTrainingColumns(string labelAt, bool trainHeader, bool validHeader, char separator, bool namedClasses)
    {
        const int features = 6;
        int labelIndex = labelAt switch { "first" => 0, "middle" => 3, _ => features };
        var table = LearnableTable.Create(rows: 500, features, classCount: 4, namedClasses, seed: labelIndex * 7 + separator);
        string name = $"{labelAt}-{trainHeader}-{validHeader}-{(int)separator}-{namedClasses}";
        string train = Path.Combine(s_work, name + "-train.csv"), valid = Path.Combine(s_work, name + "-valid.csv"), model = Path.Combine(s_work, name + ".zip");
        table.Write(train, Enumerable.Range(0, 400), labelIndex, trainHeader, separator);
        // The validation rows in reverse: their labels first appear in another order than in the training file.
        table.Write(valid, Enumerable.Range(400, 100).Reverse(), labelIndex, validHeader, separator);

        var args = new List<string> { "train", "--data", train, "--valid", valid, "--epochs", "20", "--model", model, "--json" };
        if (labelAt != "last") args.AddRange(["--label-column", trainHeader ? "kind" : labelIndex.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var fit = InProcessCli.Json(args.ToArray());
        var evaluate = InProcessCli.Json("evaluate", "--model", model, "--data", valid, "--json");
        double accuracy = evaluate.GetProperty("micro_accuracy").GetDouble();
        Assert.AreEqual(100, evaluate.GetProperty("rows").GetInt32());
        Assert.AreEqual(fit.GetProperty("valid_accuracy").GetDouble(), accuracy, 1e-9, "evaluate reports what training measured on the same file");
        // A model reading shifted columns is near chance (0.25) here.
        Assert.IsGreaterThan(0.9, accuracy);

        // The same file through ML.NET's API: the saved chain on a loader whose columns this test names from the layout.
        var ml = new MLContext(seed: 1);
        var chain = ml.Model.Load(model, out _);
        var names = trainHeader ? table.HeaderNames(labelIndex) : Enumerable.Range(0, features + 1).Select(i => $"c{i}").ToArray();
        var columns = names.Select((n, i) => new TextLoader.Column(n, i == labelIndex ? DataKind.String : DataKind.Single, i)).ToArray();
        var rows = ml.Data.LoadFromTextFile(valid, columns, separator, hasHeader: validHeader);
        var theirs = ml.MulticlassClassification.Evaluate(chain.Transform(rows));
        Assert.AreEqual(theirs.MicroAccuracy, accuracy, 1e-12);
        Assert.AreEqual(theirs.LogLoss, evaluate.GetProperty("log_loss").GetDouble(), 1e-9);

        var (exit, output, error) = InProcessCli.Run("predict", "--model", model, "--data", valid, "--index", "0");
        Assert.AreEqual(0, exit, error);
        StringAssert.Contains(output, $"row 0: label {table.ClassNames[table.Classes[499]]}, predicted");
        string page = Path.Combine(s_work, name + ".html");
        var report = InProcessCli.Run("report", "--model", model, "--data", valid, "--out", page);
        Assert.AreEqual(0, report.Exit, report.Error);
        StringAssert.Contains(File.ReadAllText(page), string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{accuracy * 100:F2} %"));
    }
}
