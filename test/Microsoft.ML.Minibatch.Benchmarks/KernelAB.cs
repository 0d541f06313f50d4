using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.ML.Minibatch.Data;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>
/// `kernel-ab DIR_A DIR_B`: loads two builds of Microsoft.ML.Minibatch.dll side by side in this process and times
/// the same kernels of each, alternating, on the same real MNIST batches. On a shared virtual machine whose speed
/// moves by a third from one minute to the next, only a comparison whose two sides see the same minutes can show a
/// change of a few percent; two processes run one after the other cannot.
/// </summary>
internal static class KernelAB
{
    private const string Usage = "kernel-ab DIR_A DIR_B [--only fwd,dw1,l2,large,large1,largeT,sgd,gather] [--rounds N]";
    private const int Batch = 64, Pixels = 784, Hidden = 50, Batches = 100;

    private delegate void Multiply(ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB,
        Span<float> c, int m, int n, int k, bool accumulate);

    private delegate void FusedMultiplyAdd(ReadOnlySpan<float> x, float y, ReadOnlySpan<float> z, Span<float> destination);

    private delegate void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels);

    /// <summary>Runs the comparison; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        if (args.Length < 2) throw new ArgumentException($"Two build directories are needed. Usage: {Usage}");
        string only = "fwd,dw1,l2,large,large1,largeT,sgd,gather";
        int rounds = 40;
        for (int i = 2; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
            switch (args[i])
            {
                case "--only": only = Next(); break;
                case "--rounds": rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: {Usage}");
            }
        }

        var images = IdxReader.ReadImages(Mnist.EnsureFiles().TrainImages);
        var sides = new[] { new Side(args[0], images.Pixels), new Side(args[1], images.Pixels) };
        var operands = new Operands(images.Pixels);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"A = {args[0]}, B = {args[1]}; {InstructionSet.Describe()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load {HostCheck.LoadAverage()}"));
        Console.WriteLine("µs per call, min and median of the rounds; B/A is the median of the rounds' ratios, with its quartiles.");
        foreach (var (name, run) in Workloads(operands))
        {
            if (!only.Split(',').Contains(name)) continue;
            Compare(name, run, sides, rounds);
        }

        return 0;
    }

    private static void Compare(string name, Func<Side, int> run, Side[] sides, int rounds)
    {
        // Warm both sides up to their optimized code, with a pause for the background compiler.
        for (int w = 0; w < 8; w++)
        {
            foreach (var side in sides) run(side);
            if (w == 3) Thread.Sleep(300);
        }

        var a = new List<double>();
        var b = new List<double>();
        var ratios = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            double ta = Time(run, sides[0]), tb = Time(run, sides[1]);
            a.Add(ta);
            b.Add(tb);
            ratios.Add(tb / ta);
        }

        a.Sort();
        b.Sort();
        ratios.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-7} A {a[0],8:F1} {a[rounds / 2],8:F1} | B {b[0],8:F1} {b[rounds / 2],8:F1} | B/A {ratios[rounds / 2]:F3} [{ratios[rounds / 4]:F3}, {ratios[3 * rounds / 4]:F3}]"));
    }

    private static double Time(Func<Side, int> run, Side side)
    {
        long start = Stopwatch.GetTimestamp();
        int calls = run(side);
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls;
    }

    // Each workload returns how many calls it made. The lesson's shapes run on one batch after another, as training
    // does; the large product (the wide network's first layer) on two threads and on one.
    private static IEnumerable<(string, Func<Side, int>)> Workloads(Operands o)
    {
        yield return ("fwd", s => o.EachBatch(i => s.Multiply(o.X[i], false, o.W1, true, o.H, Batch, Hidden, Pixels, false)));
        yield return ("dw1", s => o.EachBatch(i => s.Multiply(o.DH[i], true, o.X[i], false, o.DW1, Hidden, Pixels, Batch, false)));
        yield return ("l2", s => o.EachBatch(i => s.Multiply(o.DH[i], false, o.W2, true, o.Logits, Batch, 10, Hidden, false)));
        yield return ("large", s => o.Large(s, threads: 2));
        yield return ("large1", s => o.Large(s, threads: 1));
        yield return ("largeT", s => o.Large(s, threads: 2, transposeB: true));
        yield return ("sgd", s => o.EachBatch(_ => s.FusedMultiplyAdd(o.Gradient, -0.5f, o.Parameters, o.Parameters)));
        yield return ("gather", s => o.EachBatch(i => s.Gather(o.Rows.AsSpan(i * Batch, Batch), o.X[0], o.Labels)));
    }

    /// <summary>One build: its kernels as delegates, from its own load context.</summary>
    private sealed class Side
    {
        public Side(string directory, byte[] pixels)
        {
            string library = Path.GetFullPath(Path.Combine(directory, "Microsoft.ML.Minibatch.dll"));
            if (!File.Exists(library)) throw new ArgumentException($"{library} does not exist.");
            var context = new AssemblyLoadContext(library);
            Assembly assembly = context.LoadFromAssemblyPath(library);
            Type Find(string name) => assembly.GetType(name, throwOnError: true)!;
            Multiply = Find("Microsoft.ML.Minibatch.Tensors.Gemm").GetMethod("Multiply")!.CreateDelegate<Multiply>();
            FusedMultiplyAdd = Find("Microsoft.ML.Minibatch.Optim.FusedMultiplyAddKernel")
                .GetMethods(BindingFlags.Static | BindingFlags.NonPublic)
                .First(m => m.Name == "Run" && m.GetParameters()[1].ParameterType == typeof(float))
                .CreateDelegate<FusedMultiplyAdd>();
            var threads = Find("Microsoft.ML.Minibatch.Tensors.ComputeOptions").GetProperty("MaxThreads")!;
            SetThreads = count => threads.SetValue(null, count);
            object images = Activator.CreateInstance(Find("Microsoft.ML.Minibatch.Data.ByteImageDataset"),
                new ReadOnlyMemory<byte>(pixels), new ReadOnlyMemory<byte>(new byte[pixels.Length / Pixels]), Pixels)!;
            Gather = images.GetType().GetMethod("Gather", [typeof(ReadOnlySpan<int>), typeof(Span<float>), typeof(Span<int>)])!
                .CreateDelegate<Gather>(images);
        }

        public Multiply Multiply { get; }

        public FusedMultiplyAdd FusedMultiplyAdd { get; }

        public Gather Gather { get; }

        public Action<int> SetThreads { get; }
    }

    /// <summary>The operands, shared by both sides.</summary>
    private sealed class Operands
    {
        public Operands(byte[] pixels)
        {
            var random = new Random(1);
            int images = pixels.Length / Pixels;
            Rows = Enumerable.Range(0, Batches * Batch).Select(_ => random.Next(images)).ToArray();
            X = new ArraySegment<float>[Batches];
            DH = new ArraySegment<float>[Batches];
            for (int i = 0; i < Batches; i++)
            {
                X[i] = Aligned(Batch * Pixels);
                for (int r = 0; r < Batch; r++)
                    for (int p = 0; p < Pixels; p++)
                        X[i][(r * Pixels) + p] = pixels[((long)Rows[(i * Batch) + r] * Pixels) + p] / 255f;

                // Half of the output gradient is zero, as behind a ReLU.
                DH[i] = Fill(Aligned(Batch * Hidden), random, 0.01f, zeros: 0.5);
            }

            W1 = Fill(Aligned(Hidden * Pixels), random, 0.07f);
            W2 = Fill(Aligned(10 * Hidden), random, 0.3f);
            H = Aligned(Batch * Hidden);
            Logits = Aligned(Batch * 10);
            DW1 = Aligned(Hidden * Pixels);
            Parameters = Fill(Aligned(39_760), random, 1f);
            Gradient = Fill(Aligned(39_760), random, 0.001f);
            LargeA = Fill(Aligned(128 * Pixels), random, 1f);
            LargeB = Fill(Aligned(Pixels * 800), random, 0.07f);
            LargeC = Aligned(128 * 800);
        }

        public int[] Rows { get; }

        public int[] Labels { get; } = new int[Batch];

        public ArraySegment<float>[] X { get; }

        public ArraySegment<float>[] DH { get; }

        public ArraySegment<float> W1 { get; }

        public ArraySegment<float> W2 { get; }

        public ArraySegment<float> H { get; }

        public ArraySegment<float> Logits { get; }

        public ArraySegment<float> DW1 { get; }

        public ArraySegment<float> Parameters { get; }

        public ArraySegment<float> Gradient { get; }

        public ArraySegment<float> LargeA { get; }

        public ArraySegment<float> LargeB { get; }

        public ArraySegment<float> LargeC { get; }

        public int EachBatch(Action<int> call)
        {
            for (int i = 0; i < Batches; i++) call(i);
            return Batches;
        }

        /// <summary>The wide network's first layer, [128×784]·[784×800]; with <paramref name="transposeB"/> as its forward
        /// x·Wᵀ computes it, B stored [800×784].</summary>
        public int Large(Side side, int threads, bool transposeB = false)
        {
            side.SetThreads(threads);
            for (int i = 0; i < 4; i++) side.Multiply(LargeA, false, LargeB, transposeB, LargeC, 128, 800, Pixels, false);
            side.SetThreads(Environment.ProcessorCount);
            return 4;
        }

        private static ArraySegment<float> Fill(ArraySegment<float> values, Random random, float scale, double zeros = 0)
        {
            for (int i = 0; i < values.Count; i++)
                values[i] = random.NextDouble() < zeros ? 0f : (float)(random.NextDouble() - 0.5) * scale;
            return values;
        }

        // Laid out as the engine lays out its own: large operands start on a cache line.
        private static ArraySegment<float> Aligned(int length)
        {
            var (array, offset) = AlignedStorage.Allocate(length);
            return new ArraySegment<float>(array, offset, length);
        }
    }
}
