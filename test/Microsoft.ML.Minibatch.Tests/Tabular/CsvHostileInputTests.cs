using System.Text.Json;

namespace Microsoft.ML.Minibatch.Tests.Tabular;

/// <summary>
/// Inputs that once gave a wrong answer with exit code 0: each now gives the right numbers or exit 1 with one line
/// that names the cause, and writes nothing.
/// </summary>
[TestClass]
public sealed class CsvHostileInputTests
{
    private static string s_work = "";

    [ClassInitialize]
    public static void Create(TestContext _) => s_work = Directory.CreateTempSubdirectory("minibatch-hostile-").FullName;

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(s_work)) Directory.Delete(s_work, recursive: true);
    }

    private static string Write(string name, string text)
    {
        string path = Path.Combine(s_work, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A learnable table as CSV text: <paramref name="header"/> (or none), rows "f0,…,label".</summary>
    private static string Table(string? header, int rows = 300, int seed = 5, Func<int, string>? label = null)
    {
        var table = LearnableTable.Create(rows, featureCount: 4, classCount: 3, namedClasses: false, seed);
        var lines = new List<string>();
        if (header != null) lines.Add(header);
        for (int r = 0; r < rows; r++)
            lines.Add(string.Join(',', table.Features[r]) + "," + (label ?? (k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)))(table.Classes[r]));
        return string.Join('\n', lines) + "\n";
    }

    private static void AssertOneErrorLine(int exit, string error, string contains)
    {
        Assert.AreEqual(1, exit, error);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, error);
        StringAssert.StartsWith(lines[0], "minibatch: ");
        StringAssert.Contains(lines[0], contains);
    }

    [TestMethod]
    public void MissingDataPath_IsAnError_AndCreatesNothing()
    {
        string typo = Path.Combine(s_work, "results.csv");
        string model = Path.Combine(s_work, "typo.zip");
        var (exit, _, error) = InProcessCli.Run("train", "--data", typo, "--model", model);
        AssertOneErrorLine(exit, error, "results.csv: no such file or directory");
        Assert.IsFalse(Directory.Exists(typo));
        Assert.IsFalse(File.Exists(model));
        var scored = InProcessCli.Run("evaluate", "--model", model, "--data", Path.Combine(s_work, "nowhere"));
        Assert.AreEqual(1, scored.Exit, scored.Error);
    }

    [TestMethod]
    public void MissingDataPath_InTheRealProgram_IsOneLineOnStderr()
    {
        string typo = Path.Combine(s_work, "result.csv");
        var (exit, stdout, stderr) = MinibatchProgram.Run(TimeSpan.FromMinutes(2), "train", "--data", typo);
        AssertOneErrorLine(exit, stderr, "result.csv: no such file or directory");
        Assert.AreEqual("", stdout);
        Assert.IsFalse(Directory.Exists(typo));
    }

    [TestMethod]
    public void HeaderOfNumbers_AsPandasWritesIt_IsAHeader()
    {
        // pandas writes integer column names for a frame built from a bare array, with the label named.
        string path = Write("pandas.csv", Table("0,1,2,3,species", label: k => LearnableTable.Names[k]));
        string model = Path.Combine(s_work, "pandas.zip");
        var fit = InProcessCli.Json("train", "--data", path, "--label-column", "species", "--model", model, "--json");
        Assert.IsGreaterThan(0.9, fit.GetProperty("valid_accuracy").GetDouble());
        var evaluate = InProcessCli.Json("evaluate", "--model", model, "--data", path, "--json");
        Assert.AreEqual(300, evaluate.GetProperty("rows").GetInt32());
        // No class named after the header cell.
        CollectionAssert.AreEquivalent(new[] { "ant", "bee", "cat" }, evaluate.GetProperty("class_names").EnumerateArray().Select(e => e.GetString()).ToArray());
    }

    [TestMethod]
    public void HeaderOfWavelengths_AboveReflectances_IsAHeader()
    {
        var random = new Random(2);
        var lines = new List<string> { "400,410,420,430,kind" };
        for (int r = 0; r < 200; r++)
        {
            int k = r % 2;
            lines.Add(string.Join(',', Enumerable.Range(0, 4).Select(_ => (0.2 + 0.5 * k + random.NextDouble() * 0.2).ToString("F3", System.Globalization.CultureInfo.InvariantCulture))) + (k == 0 ? ",dry" : ",wet"));
        }
        string path = Write("spectra.csv", string.Join('\n', lines) + "\n");
        var fit = InProcessCli.Json("train", "--data", path, "--json", "--epochs", "30");
        Assert.IsGreaterThan(0.9, fit.GetProperty("valid_accuracy").GetDouble());
    }

    [TestMethod]
    [DataRow("NaN")]
    [DataRow("")]
    [DataRow("?")]
    public void HeaderlessFile_WhoseFirstRowHasAMissingCell_IsRefusedAtLine1(string cell)
    {
        string table = Table(header: null);
        int comma = table.IndexOf(',');
        string path = Write($"missing-{(cell.Length == 0 ? "empty" : cell == "?" ? "q" : cell)}.csv", cell + table[comma..]);
        string model = Path.Combine(s_work, "missing.zip");
        var (exit, _, error) = InProcessCli.Run("train", "--data", path, "--model", model);
        AssertOneErrorLine(exit, error, "line 1, column 0 ('c0')");
        Assert.IsFalse(File.Exists(model));
    }

    [TestMethod]
    public void Train_AnIdentifierTakenForTheLabel_IsRefused()
    {
        // The default label is the last column; here that is a row number.
        string path = Write("ids.csv", "a,b,id\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i % 3},{i % 5},{1000 + i}\n")));
        var (exit, _, error) = InProcessCli.Run("train", "--data", path);
        AssertOneErrorLine(exit, error, "label column 'id' has 40 different values in 40 rows");
    }

    [TestMethod]
    public void Evaluate_LabelsWrittenAsDecimals_MatchTheClassesByValue()
    {
        string train = Write("ints.csv", Table("a,b,c,d,y"));
        string decimals = Write("decimals.csv", Table("a,b,c,d,y", label: k => $"{k}.0"));
        string model = Path.Combine(s_work, "ints.zip");
        InProcessCli.Json("train", "--data", train, "--model", model, "--json");
        var asWritten = InProcessCli.Json("evaluate", "--model", model, "--data", train, "--json");
        var asDecimals = InProcessCli.Json("evaluate", "--model", model, "--data", decimals, "--json");
        Assert.AreEqual(asWritten.GetProperty("micro_accuracy").GetDouble(), asDecimals.GetProperty("micro_accuracy").GetDouble());
        Assert.AreEqual(asWritten.GetProperty("log_loss").GetDouble(), asDecimals.GetProperty("log_loss").GetDouble());
        Assert.AreEqual(300, asDecimals.GetProperty("rows").GetInt32());
        Assert.IsGreaterThan(0.9, asDecimals.GetProperty("micro_accuracy").GetDouble());
    }

    [TestMethod]
    public void Evaluate_RowsOfAClassTheModelNeverSaw_AreRefusedByName()
    {
        string train = Write("known.csv", Table("a,b,c,d,y"));
        string model = Path.Combine(s_work, "known.zip");
        InProcessCli.Json("train", "--data", train, "--model", model, "--json");
        string unseen = Write("unseen.csv", Table("a,b,c,d,y", label: k => k == 2 ? "7" : k.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var (exit, output, error) = InProcessCli.Run("evaluate", "--model", model, "--data", unseen, "--json");
        AssertOneErrorLine(exit, error, "carry a label the model does not know: '7'");
        Assert.AreEqual("", output);
    }

    [TestMethod]
    public void Evaluate_OneClassInTheFile_WritesNullForTheUndefinedReduction()
    {
        string train = Write("three.csv", Table("a,b,c,d,y"));
        string model = Path.Combine(s_work, "three.zip");
        InProcessCli.Json("train", "--data", train, "--model", model, "--json");
        var rows = File.ReadAllLines(train);
        string one = Write("one.csv", string.Join('\n', rows.Take(1).Concat(rows.Skip(1).Where(l => l.EndsWith(",1", StringComparison.Ordinal)))) + "\n");
        var (exit, output, error) = InProcessCli.Run("evaluate", "--model", model, "--data", one, "--json");
        Assert.AreEqual(0, exit, error);
        using var json = JsonDocument.Parse(output);
        Assert.AreEqual(JsonValueKind.Null, json.RootElement.GetProperty("log_loss_reduction").ValueKind);
        Assert.AreEqual(JsonValueKind.Number, json.RootElement.GetProperty("micro_accuracy").ValueKind);
    }

    [TestMethod]
    public void Train_AValidationFractionThatLeavesNoRows_IsRefused()
    {
        string path = Write("tiny.csv", "a,b,y\n1,2,x\n2,1,z\n3,3,x\n");
        string model = Path.Combine(s_work, "tiny.zip");
        var (exit, _, error) = InProcessCli.Run("train", "--data", path, "--valid-fraction", "0.01", "--model", model, "--json");
        AssertOneErrorLine(exit, error, "leaves no validation rows");
        Assert.IsFalse(File.Exists(model));
    }

    [TestMethod]
    public void Evaluate_AFeatureColumnMissingFromTheFile_IsNamedAsAFeature()
    {
        string train = Write("wine-like.csv", Table("alcohol,phenols,ash,hue,y"));
        string model = Path.Combine(s_work, "wine-like.zip");
        InProcessCli.Json("train", "--data", train, "--model", model, "--json");
        string lacking = Write("no-phenols.csv", string.Join('\n', File.ReadAllLines(train).Select(l => string.Join(',', l.Split(',').Where((_, i) => i != 1)))) + "\n");
        var (exit, _, error) = InProcessCli.Run("evaluate", "--model", model, "--data", lacking);
        AssertOneErrorLine(exit, error, "the feature column 'phenols', which the model reads, is not in the file's header");
    }
}
