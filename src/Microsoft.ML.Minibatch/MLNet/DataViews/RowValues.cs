using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Reads values of any numeric or key column as double, and tests values for being missing.</summary>
internal static class RowValues
{
    public static Func<double> MakeDoubleGetter(DataViewRow row, DataViewSchema.Column column)
    {
        var method = typeof(RowValues).GetMethod(nameof(DoubleTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType);
        return (Func<double>)method.Invoke(null, new object[] { row, column })!;
    }

    private static Func<double> DoubleTyped<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
        };
    }

    public static Func<bool> MakeIsMissing(DataViewRow row, DataViewSchema.Column column)
    {
        var item = column.Type.GetItemType();
        bool isKey = item is KeyDataViewType;
        bool isFloat = item.RawType == typeof(float) || item.RawType == typeof(double);
        if (!isKey && !isFloat) return () => false;
        var method = typeof(RowValues).GetMethod(column.Type is VectorDataViewType ? nameof(VectorMissing) : nameof(ScalarMissing),
                System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(item.RawType);
        return (Func<bool>)method.Invoke(null, new object[] { row, column })!;
    }

    private static bool IsMissing<T>(T value) => value switch
    {
        float f => float.IsNaN(f),
        double d => double.IsNaN(d),
        _ => EqualityComparer<T>.Default.Equals(value, default!),
    };

    private static Func<bool> ScalarMissing<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return IsMissing(value);
        };
    }

    private static Func<bool> VectorMissing<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        VBuffer<T> value = default;
        return () =>
        {
            getter(ref value);
            foreach (var v in value.GetValues())
                if (IsMissing(v)) return true;
            return false;
        };
    }
}
