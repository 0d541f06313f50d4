using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Samples.Tabular;

namespace Microsoft.ML.Minibatch.Tests.Tabular;

/// <summary>
/// A hostile user's files: one clean table written in many ways — separators, header or none, columns in any order,
/// CRLF, a byte-order mark, blank lines, padded and quoted cells, numbers and labels spelled differently — some of them
/// corrupted (a NaN, empty, text or infinite cell, a decimal comma, a short or long row, an empty label). The oracle
/// is the clean table itself, as this test wrote it: every file reads as exactly its rows, or is refused with one line.
/// </summary>
[TestClass]
public sealed class CsvVariantPropertyTests
{
    private const int Cases = 500;
    private const int Rows = 24;
    private static readonly string[] FeatureNames = ["width", "height", "depth", "mass"];
    private static string s_work = "";

    [ClassInitialize]
    public static void Create(TestContext _) => s_work = Directory.CreateTempSubdirectory("minibatch-variants-").FullName;

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(s_work)) Directory.Delete(s_work, recursive: true);
    }

    /// <summary>The clean table: feature values are halves 0 … 20, labels three classes (names or numbers).</summary>
    private sealed record Table(double[][] Features, int[] Classes, string[] ClassNames)
    {
        public static Table Create(int seed, bool numericLabels)
        {
            var random = new Random(seed);
            var classes = Enumerable.Range(0, Rows).Select(i => i < 3 ? i : random.Next(3)).ToArray();
            var features = classes.Select(_ => FeatureNames.Select(_ => random.Next(41) / 2.0).ToArray()).ToArray();
            return new Table(features, classes, numericLabels ? ["0", "1", "2"] : ["ant", "bee", "cat"]);
        }
    }

    private enum Corruption { None, NaN, Empty, Text, Infinite, DecimalComma, ShortRow, LongRow, EmptyLabel }

    /// <summary>One way of writing the table: the file's text, where each clean column went, and whether it is corrupt.</summary>
    private sealed record Variant(string Text, bool Header, char Separator, int[] FileColumnOf, Corruption Corruption, string Description);

    private static Variant Write(Table table, int seed, bool forScoring)
    {
        var random = new Random(seed);
        char separator = new[] { ',', ';', '\t' }[random.Next(3)];
        bool header = random.Next(4) > 0;
        int width = FeatureNames.Length + 1;   // clean column 4 is the label
        // Scoring a file without a header needs the training file's order; otherwise any order.
        int[] order = Enumerable.Range(0, width).ToArray();
        if (header || !forScoring) order = order.OrderBy(_ => random.Next()).ToArray();
        var fileColumnOf = new int[width];
        for (int f = 0; f < width; f++) fileColumnOf[order[f]] = f;
        bool crlf = random.Next(2) == 0, bom = random.Next(4) == 0, pad = random.Next(4) == 0, blankLines = random.Next(4) == 0;
        int quoting = random.Next(4); // 0, 1: none; 2: text cells; 3: every cell
        bool respell = random.Next(2) == 0;
        var corruption = random.Next(10) < 4 ? (Corruption)random.Next(1, 9) : Corruption.None;
        int badRow = random.Next(Rows), badFeature = random.Next(FeatureNames.Length);

        string Quote(string cell, bool isText) => quoting == 3 || (quoting == 2 && isText) ? $"\"{cell}\"" : cell;
        string Number(double v) => !respell ? v.ToString(CultureInfo.InvariantCulture) : random.Next(5) switch
        {
            0 => v.ToString("0.0##", CultureInfo.InvariantCulture),
            1 => v.ToString("0.###e0", CultureInfo.InvariantCulture),
            2 => "+" + v.ToString(CultureInfo.InvariantCulture),
            3 => v.ToString("0.000", CultureInfo.InvariantCulture),
            _ => v.ToString(CultureInfo.InvariantCulture),
        };
        string Label(int k) => table.ClassNames[k] is var name && respell && char.IsDigit(name[0]) && random.Next(2) == 0 ? name + ".0" : name;

        var lines = new List<string>();
        if (header) lines.Add(string.Join(separator, order.Select(c => Quote(c < FeatureNames.Length ? FeatureNames[c] : "kind", true))));
        for (int r = 0; r < Rows; r++)
        {
            var cells = order.Select(c => c < FeatureNames.Length
                ? Quote(Number(table.Features[r][c]), false)
                : Quote(Label(table.Classes[r]), true)).ToList();
            if (r == badRow)
            {
                int at = fileColumnOf[badFeature];
                switch (corruption)
                {
                    case Corruption.NaN: cells[at] = "NaN"; break;
                    case Corruption.Empty: cells[at] = ""; break;
                    case Corruption.Text: cells[at] = "n/a yet"; break;
                    case Corruption.Infinite: cells[at] = "inf"; break;
                    case Corruption.DecimalComma: cells[at] = (table.Features[r][badFeature] + 0.5).ToString(CultureInfo.InvariantCulture).Replace('.', ',') + ",5"; break;
                    case Corruption.ShortRow: cells.RemoveAt(at); break;
                    case Corruption.LongRow: cells.Add("1"); break;
                    case Corruption.EmptyLabel: cells[fileColumnOf[FeatureNames.Length]] = ""; break;
                }
            }
            if (pad) cells = cells.Select(c => " " + c + "  ").ToList();
            lines.Add(string.Join(separator, cells));
            if (blankLines && r % 7 == 3) lines.Add("");
        }
        if (blankLines) lines.Add("");
        string text = (bom ? "\uFEFF" : "") + string.Join(crlf ? "\r\n" : "\n", lines) + (crlf ? "\r\n" : "\n");
        string description = $"seed {seed}: separator {(int)separator}, header {header}, order [{string.Join(' ', order)}], crlf {crlf}, bom {bom}, pad {pad}, blank {blankLines}, quoting {quoting}, respell {respell}, {corruption} at row {badRow} feature {badFeature}";
        return new Variant(text, header, separator, fileColumnOf, corruption, description);
    }

    /// <summary>Reads the loaded rows and compares them with the clean table; returns what differs, or null.</summary>
    private static string? Compare(Table table, IDataView rows, string labelName, Func<int, string> featureColumn)
    {
        var schema = rows.Schema;
        using var cursor = rows.GetRowCursor(schema);
        var label = cursor.GetGetter<ReadOnlyMemory<char>>(schema[labelName]);
        var features = Enumerable.Range(0, FeatureNames.Length).Select(f => cursor.GetGetter<float>(schema[featureColumn(f)])).ToArray();
        int r = 0;
        ReadOnlyMemory<char> text = default;
        float value = 0;
        while (cursor.MoveNext())
        {
            if (r >= Rows) return $"more than {Rows} rows";
            label(ref text);
            string expected = table.ClassNames[table.Classes[r]];
            bool sameLabel = text.ToString() == expected
                || (double.TryParse(text.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n.ToString(CultureInfo.InvariantCulture) == expected);
            if (!sameLabel) return $"row {r}: label '{text}', expected '{expected}'";
            for (int f = 0; f < FeatureNames.Length; f++)
            {
                features[f](ref value);
                if (value != (float)table.Features[r][f]) return $"row {r}, feature {f}: {value}, expected {table.Features[r][f]}";
            }
            r++;
        }
        return r == Rows ? null : $"{r} rows, expected {Rows}";
    }

    private static void CheckCase(int seed, bool forScoring)
    {
        var table = Table.Create(seed, numericLabels: seed % 2 == 0);
        var variant = Write(table, seed, forScoring);
        string path = Path.Combine(s_work, $"variant-{seed}-{forScoring}.csv");
        File.WriteAllText(path, variant.Text, new UTF8Encoding(false));
        var ml = new MLContext(seed: 1);
        try
        {
            CsvSource source;
            Func<int, string> featureColumn;
            if (forScoring)
            {
                source = CsvSource.ForSchema(path, new CsvOptions(), ModelSchema(ml, table), table.ClassNames);
                featureColumn = f => FeatureNames[f];
            }
            else
            {
                int labelAt = variant.FileColumnOf[FeatureNames.Length];
                source = CsvSource.ForTraining(path, new CsvOptions(LabelColumn: variant.Header ? "kind" : labelAt.ToString(CultureInfo.InvariantCulture)));
                featureColumn = f => variant.Header ? FeatureNames[f] : CsvFormat.GeneratedName(variant.FileColumnOf[f]);
            }
            string? difference = Compare(table, source.Load(ml), source.LabelName, featureColumn);
            if (difference != null) Assert.Fail($"{variant.Description}: read without a word, but {difference}");
            if (variant.Corruption != Corruption.None) Assert.Fail($"{variant.Description}: a corrupt file was read as if clean");
        }
        catch (InvalidDataException e)
        {
            if (variant.Corruption == Corruption.None) Assert.Fail($"{variant.Description}: a clean file was refused: {e.Message}");
            Assert.DoesNotContain("\n", e.Message, variant.Description);
            StringAssert.Contains(e.Message, path, variant.Description);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static DataViewSchema? s_schema;

    /// <summary>The input schema of a model trained on the clean table with a header: the columns a scored file must have.</summary>
    private static DataViewSchema ModelSchema(MLContext ml, Table table)
    {
        if (s_schema != null) return s_schema;
        string clean = Path.Combine(s_work, "clean.csv");
        File.WriteAllLines(clean, new[] { string.Join(',', FeatureNames.Append("kind")) }
            .Concat(Enumerable.Range(0, Rows).Select(r => string.Join(',', table.Features[r].Select(v => v.ToString(CultureInfo.InvariantCulture)).Append(table.ClassNames[table.Classes[r]])))));
        return s_schema = CsvSource.ForTraining(clean, new CsvOptions(LabelColumn: "kind")).Load(ml).Schema;
    }

    [TestMethod]
    public void Training_ReadsEveryVariant_AsTheCleanTable_OrRefusesItInOneLine() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true),
            Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), (Action<int>)(seed => CheckCase(seed, forScoring: false))));

    [TestMethod]
    public void Scoring_ReadsEveryVariant_AsTheCleanTable_OrRefusesItInOneLine() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true),
            Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), (Action<int>)(seed => CheckCase(seed, forScoring: true))));
}
