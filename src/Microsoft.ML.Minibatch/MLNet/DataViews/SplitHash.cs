using System.Runtime.InteropServices;
using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Deterministic pseudo-random numbers in [0, 1) per row or per value, for <c>TrainTestSplit</c>.</summary>
internal static class SplitHash
{
    /// <summary>SplitMix64's finaliser: a bijective, well-mixed 64-bit hash.</summary>
    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static double ToUnit(ulong h) => (h >> 11) * (1.0 / (1UL << 53));

    public static double Uniform(int seed, long index) => ToUnit(Mix(Mix((ulong)(uint)seed) ^ (ulong)index));

    public static ulong HashBytes(ReadOnlySpan<byte> bytes, ulong h)
    {
        foreach (byte b in bytes)
            h = Mix(h ^ b);
        return Mix(h ^ (ulong)bytes.Length);
    }

    public static Func<double> MakeColumnHasher(DataViewRow row, DataViewSchema.Column column, int seed)
    {
        var method = typeof(SplitHash).GetMethod(nameof(MakeTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType);
        return (Func<double>)method.Invoke(null, new object[] { row, column, seed })!;
    }

    private static Func<double> MakeTyped<T>(DataViewRow row, DataViewSchema.Column column, int seed)
    {
        var getter = row.GetGetter<T>(column);
        ulong start = Mix((ulong)(uint)seed ^ 0x5851F42D4C957F2DUL);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return ToUnit(HashValue(value, start));
        };
    }

    private static ulong HashValue<T>(T value, ulong h)
    {
        switch (value)
        {
            case ReadOnlyMemory<char> text:
                return HashBytes(MemoryMarshal.AsBytes(text.Span), h);
            case VBuffer<float> vf:
                return HashBytes(MemoryMarshal.AsBytes(vf.GetValues()), h);
            case VBuffer<double> vd:
                return HashBytes(MemoryMarshal.AsBytes(vd.GetValues()), h);
            case VBuffer<ReadOnlyMemory<char>> vt:
                foreach (var t in vt.DenseValues()) h = HashBytes(MemoryMarshal.AsBytes(t.Span), h);
                return h;
            case float f:
                return HashBytes(BitConverter.GetBytes(f == 0 ? 0f : f), h);
            case double d:
                return HashBytes(BitConverter.GetBytes(d == 0 ? 0d : d), h);
            case bool b:
                return Mix(h ^ (b ? 1UL : 2UL));
            case IConvertible c:
                return Mix(h ^ Convert.ToUInt64(c is sbyte or short or int or long ? (object)unchecked((ulong)Convert.ToInt64(c)) : c));
            default:
                return Mix(h ^ (ulong)(value?.GetHashCode() ?? 0));
        }
    }
}
