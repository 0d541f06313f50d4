using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Tests.MLNet;

/// <summary>
/// The checks ML.NET's own <c>TestEstimatorCore</c> runs on every estimator, for ours: the promised output shape on
/// valid input matches the real output schema; invalid input throws the same schema error from GetOutputSchema and
/// Fit; the fitted model saves with <c>ml.Model.Save</c>; ML.NET's <c>Load</c> gives a model that scores the same
/// rows with the same PredictedLabel, Score within 1e-5 and the same key values and slot names; our own
/// <see cref="MinibatchTransformer.Load(Stream, string)"/> gives the same schema and bitwise the same values.
/// </summary>
internal static class EstimatorChecks
{
    /// <summary>The largest Score difference measured between ONNX Runtime and our GEMM is about 1e-6.</summary>
    public const float LoadedScoreTolerance = 1e-5f;

    public static MinibatchTransformer Run(IEstimator<MinibatchTransformer> estimator, IDataView valid,
        IDataView? invalid = null, string? invalidMessageStart = null)
    {
        var shape = estimator.GetOutputSchema(Shapes.Of(valid.Schema));
        if (invalid != null)
        {
            var e1 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shapes.Of(invalid.Schema)));
            var e2 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(invalid));
            if (invalidMessageStart != null)
            {
                StringAssert.StartsWith(e1.Message, invalidMessageStart);
                StringAssert.StartsWith(e2.Message, invalidMessageStart);
            }
        }

        var model = estimator.Fit(valid);
        var output = model.Transform(valid);
        AssertShapeMatches(shape, output.Schema);
        Assert.AreEqual(Describe(output.Schema), Describe(model.GetOutputSchema(valid.Schema)));

        var ml = new MLContext(0);
        using var stream = new MemoryStream();
        ml.Model.Save(model, valid.Schema, stream);

        stream.Position = 0;
        var ours = MinibatchTransformer.Load(stream);
        var oursOutput = ours.Transform(valid);
        Assert.AreEqual(Describe(output.Schema), Describe(oursOutput.Schema));
        CollectionAssert.AreEqual(Dump(output), Dump(oursOutput));

        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out var inputSchema);
        Assert.AreEqual(Describe(valid.Schema), Describe(inputSchema));
        AssertScoresAlike(output, loaded.Transform(valid));
        return model;
    }

    /// <summary>
    /// What a model loaded by plain ML.NET must reproduce: the same visible columns in the same order, the same
    /// PredictedLabel on every row, Score within <see cref="LoadedScoreTolerance"/>, PredictedLabel's key values and
    /// Score's slot names; every other column bitwise.
    /// </summary>
    public static void AssertScoresAlike(IDataView expected, IDataView actual)
    {
        var names = expected.Schema.Where(c => !c.IsHidden).Select(c => c.Name).ToArray();
        CollectionAssert.AreEqual(names, actual.Schema.Where(c => !c.IsHidden).Select(c => c.Name).ToArray());
        foreach (var name in names.Where(n => n != "Score"))
            Assert.AreEqual(expected.Schema[name].Type, actual.Schema[name].Type, name);
        Assert.AreEqual(expected.Schema["Score"].Type, actual.Schema["Score"].Type);
        Assert.AreEqual(AnnotationText(expected.Schema["PredictedLabel"], "KeyValues"), AnnotationText(actual.Schema["PredictedLabel"], "KeyValues"));
        Assert.AreEqual(AnnotationText(expected.Schema["Score"], "SlotNames"), AnnotationText(actual.Schema["Score"], "SlotNames"));

        var a = Dump(expected, exclude: "Score");
        var b = Dump(actual, exclude: "Score");
        CollectionAssert.AreEqual(a, b);
        var sa = ml.Data.CreateEnumerable<ScoreRow>(expected, reuseRowObject: false).ToList();
        var sb = ml.Data.CreateEnumerable<ScoreRow>(actual, reuseRowObject: false).ToList();
        Assert.HasCount(sa.Count, sb);
        for (int r = 0; r < sa.Count; r++)
            for (int k = 0; k < sa[r].Score.Length; k++)
                Assert.AreEqual(sa[r].Score[k], sb[r].Score[k], LoadedScoreTolerance, $"row {r}, class {k}");
    }

    private static readonly MLContext ml = new(seed: 0);

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    /// <summary>An annotation's value as text, or "(none)".</summary>
    public static string AnnotationText(DataViewSchema.Column column, string annotation)
    {
        var a = column.Annotations.Schema.GetColumnOrNull(annotation);
        if (a is null) return "(none)";
        var method = typeof(EstimatorChecks).GetMethod(nameof(AnnotationValue), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(a.Value.Type.RawType);
        return a.Value.Type + " = " + method.Invoke(null, new object[] { column.Annotations, a.Value });
    }

    public static void AssertShapeMatches(SchemaShape shape, DataViewSchema schema)
    {
        foreach (var expected in shape)
        {
            var actual = schema.GetColumnOrNull(expected.Name);
            Assert.IsNotNull(actual, $"column {expected.Name} promised but missing");
            var a = Shapes.Of(schema).Single(c => c.Name == expected.Name);
            Assert.AreEqual(expected.Kind, a.Kind, expected.Name);
            Assert.AreEqual(expected.ItemType, a.ItemType, expected.Name);
            Assert.AreEqual(expected.IsKey, a.IsKey, expected.Name);
            foreach (var ann in expected.Annotations)
                Assert.IsTrue(a.Annotations.Any(c => c.Name == ann.Name), $"annotation {ann.Name} of {expected.Name} promised but missing");
        }
    }

    /// <summary>Every column (hidden ones too) with its type and its annotations' values.</summary>
    public static string Describe(DataViewSchema schema)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var c in schema)
        {
            sb.Append(c.Index).Append(' ').Append(c.Name).Append(c.IsHidden ? " (hidden)" : "").Append(": ").Append(c.Type);
            foreach (var a in c.Annotations.Schema)
            {
                var method = typeof(EstimatorChecks).GetMethod(nameof(AnnotationValue), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                    .MakeGenericMethod(a.Type.RawType);
                sb.Append(" {").Append(a.Name).Append(": ").Append(a.Type).Append(" = ").Append(method.Invoke(null, new object[] { c.Annotations, a })).Append('}');
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static string AnnotationValue<T>(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
    {
        T value = default!;
        annotations.GetGetter<T>(column)(ref value);
        return Format(value);
    }

    /// <summary>Every value of every visible column, one string per row, floats in round-trip form.</summary>
    public static List<string> Dump(IDataView data, string? exclude = null)
    {
        var columns = data.Schema.Where(c => !c.IsHidden && c.Name != exclude).ToArray();
        var rows = new List<string>();
        using var cursor = data.GetRowCursor(columns);
        var readers = columns.Select(c => MakeReader(cursor, c)).ToArray();
        while (cursor.MoveNext())
            rows.Add(string.Join(" | ", readers.Select(r => r())));
        return rows;
    }

    private static Func<string> MakeReader(DataViewRow row, DataViewSchema.Column column)
    {
        var method = typeof(EstimatorChecks).GetMethod(nameof(MakeTypedReader), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType);
        return (Func<string>)method.Invoke(null, new object[] { row, column })!;
    }

    private static Func<string> MakeTypedReader<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return Format(value);
        };
    }

    public static string Format(object? value) => value switch
    {
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        ReadOnlyMemory<char> m => "\"" + m + "\"",
        VBuffer<float> v => "[" + string.Join(",", v.DenseValues().Select(x => Format(x))) + "]",
        VBuffer<double> v => "[" + string.Join(",", v.DenseValues().Select(x => Format(x))) + "]",
        VBuffer<uint> v => "[" + string.Join(",", v.DenseValues()) + "]",
        VBuffer<int> v => "[" + string.Join(",", v.DenseValues()) + "]",
        VBuffer<bool> v => "[" + string.Join(",", v.DenseValues()) + "]",
        VBuffer<ReadOnlyMemory<char>> v => "[" + string.Join(",", v.DenseValues().Select(x => Format(x))) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
    };
}
