using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Minibatch.Tests.MLNet;

/// <summary>
/// The checks ML.NET runs on every estimator, for ours: the promised output shape on valid input matches the real
/// output schema; invalid input throws the same schema error from GetOutputSchema and Fit; the fitted model saves,
/// loads, and the loaded model gives the same schema and bitwise the same values.
/// </summary>
internal static class EstimatorChecks
{
    public static TTransformer Run<TTransformer>(IEstimator<TTransformer> estimator, IDataView valid,
        IDataView? invalid = null, string? invalidMessageStart = null)
        where TTransformer : class, ITransformer
    {
        var shape = estimator.GetOutputSchema(SchemaShape.Create(valid.Schema));
        if (invalid != null)
        {
            var e1 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(SchemaShape.Create(invalid.Schema)));
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
        var loaded = ml.Model.Load(stream, out var inputSchema);
        Assert.AreEqual(Describe(valid.Schema), Describe(inputSchema));
        var reloadedOutput = loaded.Transform(valid);
        Assert.AreEqual(Describe(output.Schema), Describe(reloadedOutput.Schema));
        CollectionAssert.AreEqual(Dump(output), Dump(reloadedOutput));
        return model;
    }

    public static void AssertShapeMatches(SchemaShape shape, DataViewSchema schema)
    {
        foreach (var expected in shape)
        {
            var actual = schema.GetColumnOrNull(expected.Name);
            Assert.IsNotNull(actual, $"column {expected.Name} promised but missing");
            var actualShape = SchemaShape.Create(schema);
            Assert.IsTrue(actualShape.TryFindColumn(expected.Name, out var a));
            Assert.AreEqual(expected.Kind, a.Kind, expected.Name);
            Assert.AreEqual(expected.ItemType, a.ItemType, expected.Name);
            Assert.AreEqual(expected.IsKey, a.IsKey, expected.Name);
            foreach (var ann in expected.Annotations)
                Assert.IsTrue(a.Annotations.TryFindColumn(ann.Name, out _), $"annotation {ann.Name} of {expected.Name} promised but missing");
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
    public static List<string> Dump(IDataView data)
    {
        var columns = data.Schema.Where(c => !c.IsHidden).ToArray();
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
        VBuffer<ReadOnlyMemory<char>> v => "[" + string.Join(",", v.DenseValues().Select(x => Format(x))) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
    };
}
