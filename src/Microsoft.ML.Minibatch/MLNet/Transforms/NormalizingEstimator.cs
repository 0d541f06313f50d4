using System.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>
/// Learns an affine normalization per slot, here ML.NET's min-max mode: with <c>fixZero</c>, x ↦ x / max(|min|, |max|)
/// (zero stays zero); without, x ↦ (x − min) / (max − min). A slot whose max ≤ min (constant, empty or all-NaN) maps to 0.
/// </summary>
public sealed class NormalizingEstimator : IEstimator<NormalizingTransformer>
{
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly long _maximumExampleCount;
    private readonly bool _fixZero;

    /// <summary>The default argument values, as ML.NET's.</summary>
    internal static class Defaults
    {
        public const long MaximumExampleCount = 1000000000;
        public const bool EnsureZeroUntouched = true;
    }

    internal NormalizingEstimator(string outputColumnName, string? inputColumnName, long maximumExampleCount, bool fixZero)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        if (maximumExampleCount <= 1)
            throw new ArgumentOutOfRangeException(nameof(maximumExampleCount), maximumExampleCount, "Must be greater than 1");
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName ?? outputColumnName;
        _maximumExampleCount = maximumExampleCount;
        _fixZero = fixZero;
    }

    internal static bool IsValid(DataViewType type)
        => type.Equals(NumberDataViewType.Single) || type.Equals(NumberDataViewType.Double)
            || type is VectorDataViewType { IsKnownSize: true } v && (v.ItemType.Equals(NumberDataViewType.Single) || v.ItemType.Equals(NumberDataViewType.Double));

    internal const string ExpectedType = "known-size vector or scalar of Single or Double";

    /// <inheritdoc/>
    public NormalizingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var column = input.Schema[_inputColumnName];
        int size = column.Type is VectorDataViewType v ? v.Size : 1;
        var min = new double[size];
        var max = new double[size];
        Array.Fill(min, double.PositiveInfinity);
        Array.Fill(max, double.NegativeInfinity);
        bool isFloat = column.Type.GetItemType().Equals(NumberDataViewType.Single);
        using (var cursor = input.GetRowCursor(new[] { column }))
        {
            Action<double[], double[]> accumulate = (column.Type is VectorDataViewType, isFloat) switch
            {
                (true, true) => VectorAccumulator<float>(cursor, column, x => x),
                (true, false) => VectorAccumulator<double>(cursor, column, x => x),
                (false, true) => ScalarAccumulator<float>(cursor, column, x => x),
                (false, false) => ScalarAccumulator<double>(cursor, column, x => x),
            };
            for (long n = 0; n < _maximumExampleCount && cursor.MoveNext(); n++)
                accumulate(min, max);
        }
        var scale = new double[size];
        var offset = new double[size];
        for (int i = 0; i < size; i++)
        {
            if (isFloat)
            {
                // Single columns are normalized in single precision, as ML.NET does.
                Compute((float)max[i], (float)min[i], _fixZero, out float s, out float o);
                scale[i] = s;
                offset[i] = o;
            }
            else
            {
                Compute(max[i], min[i], _fixZero, out scale[i], out offset[i]);
            }
        }
        return new NormalizingTransformer(_outputColumnName, _inputColumnName, column.Type, scale, offset);
    }

    // Computed in the column's own type (float or double), as ML.NET does, so the scale rounds the same way.
    private static void Compute<T>(T max, T min, bool fixZero, out T scale, out T offset)
        where T : IFloatingPointIeee754<T>
    {
        offset = T.Zero;
        if (max <= min)
        {
            scale = T.Zero;
            return;
        }
        if (fixZero)
        {
            scale = T.One / T.Max(T.Abs(max), T.Abs(min));
            return;
        }
        scale = T.One / (max - min);
        offset = scale == T.Zero ? T.Zero : min;
    }

    private static Action<double[], double[]> ScalarAccumulator<T>(DataViewRow row, DataViewSchema.Column column, Func<T, double> toDouble)
    {
        var getter = row.GetGetter<T>(column);
        T value = default!;
        return (min, max) =>
        {
            getter(ref value);
            Update(min, max, 0, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
        };
    }

    private static Action<double[], double[]> VectorAccumulator<T>(DataViewRow row, DataViewSchema.Column column, Func<T, double> toDouble)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        VBuffer<T> buffer = default;
        return (min, max) =>
        {
            getter(ref buffer);
            var values = buffer.GetValues();
            if (values.Length != min.Length)
                throw new InvalidOperationException($"Column '{column.Name}' holds {values.Length} values in a row, expected {min.Length}.");
            for (int i = 0; i < values.Length; i++)
                Update(min, max, i, Convert.ToDouble(values[i], System.Globalization.CultureInfo.InvariantCulture));
        };
    }

    private static void Update(double[] min, double[] max, int i, double x)
    {
        // NaN values do not take part in the range.
        if (double.IsNaN(x)) return;
        if (x < min[i]) min[i] = x;
        if (x > max[i]) max[i] = x;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!inputSchema.TryFindColumn(_inputColumnName, out var column))
            throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", _inputColumnName);
        bool numeric = !column.IsKey && (column.ItemType.Equals(NumberDataViewType.Single) || column.ItemType.Equals(NumberDataViewType.Double));
        if (!numeric || column.Kind == SchemaShape.Column.VectorKind.VariableVector)
            throw SchemaErrors.ExceptSchemaMismatch(nameof(inputSchema), "input", _inputColumnName, ExpectedType, column.GetTypeString());
        var annotations = new List<SchemaShape.Column>
        {
            new(AnnotationUtils.Kinds.IsNormalized, SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance, false),
        };
        if (column.Annotations.TryFindColumn(AnnotationUtils.Kinds.SlotNames, out var slotNames))
            annotations.Add(slotNames);
        var result = inputSchema.ToList();
        result.Add(new SchemaShape.Column(_outputColumnName, column.Kind, column.ItemType, false, new SchemaShape(annotations)));
        return new SchemaShape(result);
    }
}
