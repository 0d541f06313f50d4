namespace Microsoft.ML.Data;

/// <summary>Computes <see cref="MulticlassClassificationMetrics"/> with ML.NET's definitions and tie rules.</summary>
internal static class MulticlassEvaluator
{
    private const float Epsilon = (float)1e-15;

    public static MulticlassClassificationMetrics Evaluate(IDataView data, string labelName, string scoreName, string predictedLabelName, int topK)
    {
        var schema = data.Schema;
        // Missing role columns are reported as ML.NET's role mapping does: "Label column 'Label' not found".
        var score = schema.GetColumnOrNull(scoreName) ?? throw NotFound("Score", scoreName);
        if (score.Type is not VectorDataViewType scoreType || scoreType.Size < 2 || !scoreType.ItemType.Equals(NumberDataViewType.Single))
            throw SchemaErrors.ExceptSchemaMismatch(nameof(data), "score", scoreName, "vector of two or more items of type Single", score.Type.ToString()!);
        var label = schema.GetColumnOrNull(labelName) ?? throw NotFound("Label", labelName);
        if (!label.Type.Equals(NumberDataViewType.Single) && !(label.Type is KeyDataViewType))
            throw SchemaErrors.ExceptSchemaMismatch(nameof(data), "label", labelName, "Single or KeyType", label.Type.ToString()!);
        if (schema.GetColumnOrNull(predictedLabelName) == null)
            throw NotFound("PredictedLabel", predictedLabelName);

        int k = scoreType.Size;
        var classNames = ClassNames(score, k);

        var confusion = new double[k][];
        for (int i = 0; i < k; i++) confusion[i] = new double[k];
        var classWeight = new double[k];
        var classLogLoss = new double[k];
        var seenRanks = new double[k + 1];
        double instances = 0, correct = 0, totalLogLoss = 0;

        using (var cursor = data.GetRowCursor(new[] { label, score }))
        {
            var labelGetter = MakeLabelGetter(cursor, label);
            var scoreGetter = cursor.GetGetter<VBuffer<float>>(score);
            var scores = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                double y = labelGetter();
                // Missing labels (NaN, key 0) and labels that are not class indices are skipped, as in ML.NET.
                if (double.IsNaN(y) || y < 0 || y != Math.Floor(y)) continue;
                scoreGetter(ref scores);
                if (scores.Length != k)
                    throw new InvalidOperationException($"Score column '{scoreName}' holds {scores.Length} values, expected {k}.");
                var s = scores.GetValues();
                bool finite = true;
                foreach (var v in s) finite &= float.IsFinite(v);
                if (!finite) continue;

                int assigned = 0;
                for (int i = 1; i < k; i++)
                    if (s[i] > s[assigned]) assigned = i;

                int intLabel = y >= k ? k : (int)y;
                double logLoss;
                int rank;
                if (intLabel < k)
                {
                    float p = Math.Min(1f, Math.Max(Epsilon, s[intLabel]));
                    logLoss = -Math.Log(p);
                    // Ties rank in order of appearance: equal scores of earlier classes count as better.
                    float target = s[intLabel];
                    rank = 0;
                    for (int i = 0; i < k; i++)
                        if (s[i] > target || s[i] == target && i < intLabel) rank++;
                }
                else
                {
                    // A class the scores do not cover gets the maximum penalty and never counts as correct.
                    logLoss = -Math.Log(Epsilon);
                    rank = k;
                }

                instances++;
                totalLogLoss += logLoss;
                seenRanks[rank]++;
                if (intLabel < k)
                {
                    classWeight[intLabel]++;
                    classLogLoss[intLabel] += logLoss;
                    if (rank == 0)
                    {
                        correct++;
                        confusion[intLabel][intLabel]++;
                    }
                    else
                    {
                        confusion[intLabel][assigned]++;
                    }
                }
            }
        }

        double micro = instances > 0 ? correct / instances : 0;
        double macro = 0;
        int nonEmpty = 0;
        for (int i = 0; i < k; i++)
        {
            if (classWeight[i] > 0)
            {
                nonEmpty++;
                macro += confusion[i][i] / classWeight[i];
            }
        }
        macro = instances > 0 && nonEmpty > 0 ? macro / nonEmpty : 0;
        double logLossMean = instances > 0 ? totalLogLoss / instances : 0;
        double entropy = 0;
        for (int i = 0; i < k; i++)
            if (classWeight[i] != 0)
                entropy += classWeight[i] * Math.Log(classWeight[i] / instances);
        entropy /= -instances;
        double reduction = (entropy - logLossMean) / entropy;

        double[]? topKAll = null;
        if (topK > 0)
        {
            topKAll = new double[topK];
            double cumulative = 0;
            for (int i = 0; i < topK; i++)
            {
                if (i < k) cumulative += seenRanks[i];
                topKAll[i] = instances > 0 ? cumulative / instances : 0;
            }
        }
        var perClass = new double[k];
        for (int i = 0; i < k; i++)
            perClass[i] = classWeight[i] > 0 ? classLogLoss[i] / classWeight[i] : 0;

        return new MulticlassClassificationMetrics(micro, macro, logLossMean, reduction, topK, topKAll, perClass,
            new ConfusionMatrix(confusion, classNames));
    }

    private static ArgumentOutOfRangeException NotFound(string role, string name)
        => new("schema", $"{role} column '{name}' not found");

    private static string[] ClassNames(DataViewSchema.Column score, int k)
    {
        if (score.HasSlotNames(k))
        {
            var names = default(VBuffer<ReadOnlyMemory<char>>);
            score.GetSlotNames(ref names);
            return names.DenseValues().Select(n => n.ToString()).ToArray();
        }
        return Enumerable.Range(0, k).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Reads the label as a class index: key k becomes k−1 and key 0 NaN; a Single label is taken as is.</summary>
    private static Func<double> MakeLabelGetter(DataViewRow row, DataViewSchema.Column label)
    {
        if (label.Type.Equals(NumberDataViewType.Single))
        {
            var g = row.GetGetter<float>(label);
            float v = 0;
            return () => { g(ref v); return v; };
        }
        var raw = label.Type.RawType;
        if (raw == typeof(uint)) { var g = row.GetGetter<uint>(label); uint v = 0; return () => { g(ref v); return v == 0 ? double.NaN : v - 1.0; }; }
        if (raw == typeof(ulong)) { var g = row.GetGetter<ulong>(label); ulong v = 0; return () => { g(ref v); return v == 0 ? double.NaN : v - 1.0; }; }
        if (raw == typeof(ushort)) { var g = row.GetGetter<ushort>(label); ushort v = 0; return () => { g(ref v); return v == 0 ? double.NaN : v - 1.0; }; }
        { var g = row.GetGetter<byte>(label); byte v = 0; return () => { g(ref v); return v == 0 ? double.NaN : v - 1.0; }; }
    }
}
