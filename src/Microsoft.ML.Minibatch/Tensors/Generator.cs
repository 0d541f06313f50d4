using System.Numerics;

namespace Microsoft.ML.Minibatch.Tensors;

/// <summary>
/// A seeded, deterministic random source that reproduces PyTorch's CPU generator: a 32-bit Mersenne Twister
/// (mt19937) seeded like <c>torch.manual_seed</c>, with PyTorch's transforms for uniform, normal and
/// permutation draws. <c>new Generator(1)</c> corresponds to <c>torch.manual_seed(1)</c>.
/// </summary>
/// <remarks>Not thread-safe: use one generator per thread, or lock around it (as <see cref="Default"/> users must).</remarks>
public sealed class Generator
{
    /// <summary>The seed PyTorch's default CPU generator starts from when <c>manual_seed</c> is never called.</summary>
    public const ulong PyTorchDefaultSeed = 67280421310721UL;

    private const int StateSize = 624;
    private const int ShiftSize = 397;
    private const uint MatrixA = 0x9908b0dfU;
    private const uint UpperMask = 0x80000000U;
    private const uint LowerMask = 0x7fffffffU;

    private readonly uint[] _state = new uint[StateSize];
    private int _next;
    private double? _nextDoubleNormal;

    /// <summary>Creates a generator seeded with <paramref name="seed"/>.</summary>
    /// <param name="seed">The seed; PyTorch uses its low 32 bits to initialise the Mersenne Twister.</param>
    public Generator(ulong seed = PyTorchDefaultSeed) => ManualSeed(seed);

    /// <summary>
    /// A process-wide generator for callers that pass none (like PyTorch's default generator),
    /// seeded with <see cref="PyTorchDefaultSeed"/>. Prefer explicit generators for reproducible code.
    /// </summary>
    public static Generator Default { get; } = new();

    /// <summary>The seed this generator was last seeded with.</summary>
    public ulong InitialSeed { get; private set; }

    /// <summary>Re-seeds the generator (PyTorch's <c>Generator.manual_seed</c>).</summary>
    /// <param name="seed">The seed.</param>
    /// <returns>This generator.</returns>
    public Generator ManualSeed(ulong seed)
    {
        InitialSeed = seed;
        _nextDoubleNormal = null;
        _state[0] = (uint)seed;
        for (int j = 1; j < StateSize; j++)
        {
            uint previous = _state[j - 1];
            _state[j] = unchecked(1812433253U * (previous ^ (previous >> 30)) + (uint)j);
        }
        // Forces a regeneration of the whole state before the first draw, as std::mt19937 does.
        _next = StateSize;
        return this;
    }

    /// <summary>The next 32 random bits (PyTorch's <c>random()</c>).</summary>
    public uint NextUInt32()
    {
        if (_next >= StateSize) Twist();
        return Temper(_state[_next++]);
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with the next 32-bit draws: the values and the generator's state afterwards
    /// are those of as many <see cref="NextUInt32"/> calls, computed a vector at a time.
    /// </summary>
    internal void NextUInt32s(Span<uint> destination)
    {
        for (int done = 0; done < destination.Length;)
        {
            if (_next >= StateSize) Twist();
            int n = Math.Min(StateSize - _next, destination.Length - done);
            Temper(_state.AsSpan(_next, n), destination.Slice(done, n));
            _next += n;
            done += n;
        }
    }

    private static void Temper(ReadOnlySpan<uint> state, Span<uint> output)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= state.Length - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                var y = new Vector<uint>(state[i..]);
                y ^= y >> 11;
                y ^= (y << 7) & new Vector<uint>(0x9d2c5680U);
                y ^= (y << 15) & new Vector<uint>(0xefc60000U);
                y ^= y >> 18;
                y.CopyTo(output[i..]);
            }
        }
        for (; i < state.Length; i++) output[i] = Temper(state[i]);
    }

    // The Mersenne Twister's output transform of one state word.
    private static uint Temper(uint y)
    {
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680U;
        y ^= (y << 15) & 0xefc60000U;
        return y ^ (y >> 18);
    }

    /// <summary>The next 64 random bits (PyTorch's <c>random64()</c>: the first 32-bit draw is the high half).</summary>
    public ulong NextUInt64()
    {
        ulong high = NextUInt32();
        ulong low = NextUInt32();
        return (high << 32) | low;
    }

    /// <summary>A float32 uniform in [0, 1): the low 24 bits of one 32-bit draw times 2^-24, as PyTorch does.</summary>
    public float NextSingle() => (NextUInt32() & 0xFFFFFFU) * (1f / (1 << 24));

    /// <summary>A float64 uniform in [0, 1): the low 53 bits of one 64-bit draw times 2^-53, as PyTorch does.</summary>
    public double NextDouble() => (NextUInt64() & ((1UL << 53) - 1)) * (1.0 / (1UL << 53));

    /// <summary>
    /// A float64 standard-normal draw by Box–Muller, as PyTorch's <c>normal_distribution&lt;double&gt;</c>:
    /// two uniforms give two samples; the sine one is kept for the next call.
    /// </summary>
    public double NextNormal()
    {
        if (_nextDoubleNormal is double cached)
        {
            _nextDoubleNormal = null;
            return cached;
        }
        double u1 = NextDouble();
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        _nextDoubleNormal = r * Math.Sin(theta);
        return r * Math.Cos(theta);
    }

    /// <summary>Fills <paramref name="destination"/> uniformly from [from, to) with PyTorch's float32 transform.</summary>
    internal void FillUniform(Span<float> destination, float from, float to)
    {
        // PyTorch's CPU kernel scales in double (its accumulate type for float on the CPU): the 24-bit fraction times
        // the float32 range (to − from), plus from, then rounded once to float32. Scaling in float differs in the last bit.
        double range = to - from;
        for (int i = 0; i < destination.Length; i++)
        {
            double x = (NextUInt32() & 0xFFFFFFU) * (1.0 / (1 << 24));
            destination[i] = (float)(x * range + from);
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with normal draws following PyTorch's float32 CPU kernel: for 16 or more
    /// values, uniforms first, then Box–Muller on blocks of 16 (cosine half, sine half), redrawing the last block
    /// when the length is not a multiple of 16; below 16 values, one float64 normal draw per element.
    /// </summary>
    internal void FillNormal(Span<float> destination, float mean, float std)
    {
        int size = destination.Length;
        if (size < 16)
        {
            for (int i = 0; i < size; i++) destination[i] = (float)(NextNormal() * std + mean);
            return;
        }
        for (int i = 0; i < size; i++) destination[i] = NextSingle();
        for (int i = 0; i + 16 <= size; i += 16) BoxMuller16(destination.Slice(i, 16), mean, std);
        if (size % 16 != 0)
        {
            var tail = destination.Slice(size - 16, 16);
            for (int i = 0; i < 16; i++) tail[i] = NextSingle();
            BoxMuller16(tail, mean, std);
        }
    }

    private static void BoxMuller16(Span<float> data, float mean, float std)
    {
        for (int j = 0; j < 8; j++)
        {
            float u1 = 1 - data[j];
            float u2 = data[j + 8];
            float radius = MathF.Sqrt(-2 * MathF.Log(u1));
            float theta = (float)(2.0f * Math.PI * u2);
            data[j] = radius * MathF.Cos(theta) * std + mean;
            data[j + 8] = radius * MathF.Sin(theta) * std + mean;
        }
    }

    /// <summary>
    /// Writes a random permutation of 0 … length − 1 into <paramref name="destination"/> with PyTorch's CPU
    /// <c>randperm</c> shuffle: for i = 0 … n − 2, swap element i with element i + random() mod (n − i).
    /// </summary>
    /// <param name="destination">Receives the permutation; its length is n.</param>
    public void Permutation(Span<int> destination)
    {
        int n = destination.Length;
        for (int i = 0; i < n; i++) destination[i] = i;
        for (int i = 0; i < n - 1; i++)
        {
            int z = (int)(NextUInt32() % (uint)(n - i));
            (destination[i], destination[i + z]) = (destination[i + z], destination[i]);
        }
    }

    private void Twist()
    {
        var mt = _state;
        int width = Vector<uint>.Count;
        bool vectors = Vector.IsHardwareAccelerated;
        int k = 0;
        // Words 0 … 226 take word k + 397, not yet rewritten; a vector of words k … k+V−1 also reads the words up to
        // k + V, not yet rewritten either, so it sees what the one-word loop sees.
        for (; vectors && k + width <= StateSize - ShiftSize; k += width)
            (new Vector<uint>(mt, k + ShiftSize) ^ Mix(new Vector<uint>(mt, k), new Vector<uint>(mt, k + 1))).CopyTo(mt, k);
        for (; k < StateSize - ShiftSize; k++)
            mt[k] = mt[k + ShiftSize] ^ Mix(mt[k], mt[k + 1]);
        // Words 227 … 622 take word k − 227, already rewritten.
        for (; vectors && k + width < StateSize; k += width)
            (new Vector<uint>(mt, k + ShiftSize - StateSize) ^ Mix(new Vector<uint>(mt, k), new Vector<uint>(mt, k + 1))).CopyTo(mt, k);
        for (; k < StateSize - 1; k++)
            mt[k] = mt[k + ShiftSize - StateSize] ^ Mix(mt[k], mt[k + 1]);
        mt[StateSize - 1] = mt[ShiftSize - 1] ^ Mix(mt[StateSize - 1], mt[0]);
        _next = 0;
    }

    // The twist of a word and its successor: the upper bit of one, the lower 31 of the other, shifted, xored with the
    // matrix when odd.
    private static uint Mix(uint word, uint next)
    {
        uint y = (word & UpperMask) | (next & LowerMask);
        return (y >> 1) ^ ((y & 1U) * MatrixA);
    }

    private static Vector<uint> Mix(Vector<uint> word, Vector<uint> next)
    {
        var y = (word & new Vector<uint>(UpperMask)) | (next & new Vector<uint>(LowerMask));
        return (y >> 1) ^ ((Vector<uint>.Zero - (y & Vector<uint>.One)) & new Vector<uint>(MatrixA));
    }
}
