using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.Benchmarks;

/// <summary>
/// `gemm-compare`: times our Gemm.Multiply and OpenBLAS sgemm (numpy, scripts/gemm_openblas.py) at the same
/// shapes in one run and prints a Markdown table of GFLOP/s.
/// </summary>
internal static class GemmCompare
{
    /// <summary>Runs the comparison; returns the process exit code.</summary>
    /// <param name="args">[python] [--rounds N]: the interpreter with numpy, and how many alternating rounds to run.</param>
    public static int Run(string[] args)
    {
        int rounds = 1;
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--rounds" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out rounds) && rounds > 0)
            {
                i++;
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        string python = rest.Count > 0 ? rest[0] : "/usr/bin/python3";
        string script = Path.Combine(AppContext.BaseDirectory, "scripts", "gemm_openblas.py");
        var shapes = GemmShape.All;

        int threads = ComputeOptions.MaxThreads;
        string loadBefore = HostCheck.LoadAverage();

        // Rounds alternate the two sides (ours, OpenBLAS, ours on one thread, OpenBLAS on one thread), so that a
        // burst of other work on the machine hits both; each figure is the median over the rounds, and the ratio is
        // the median of the rounds' ratios.
        var ours = new List<double>[shapes.Count];
        var oursOne = new List<double>[shapes.Count];
        var theirs = new List<double>[shapes.Count];
        var theirsOne = new List<double>[shapes.Count];
        for (int i = 0; i < shapes.Count; i++)
        {
            ours[i] = []; oursOne[i] = []; theirs[i] = []; theirsOne[i] = [];
        }

        JsonElement root = default;
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < shapes.Count; i++) ours[i].Add(TimeOurs(shapes[i], i));
            string? json = RunScript(python, script, shapes, threads);
            ComputeOptions.MaxThreads = 1;
            for (int i = 0; i < shapes.Count; i++) oursOne[i].Add(TimeOurs(shapes[i], i));
            ComputeOptions.MaxThreads = threads;
            string? jsonOne = RunScript(python, script, shapes, 1);
            if (json is null || jsonOne is null)
            {
                return 1;
            }

            using JsonDocument doc = JsonDocument.Parse(json);
            using JsonDocument docOne = JsonDocument.Parse(jsonOne);
            root = doc.RootElement.Clone();
            JsonElement[] results = root.GetProperty("results").EnumerateArray().ToArray();
            JsonElement[] resultsOne = docOne.RootElement.GetProperty("results").EnumerateArray().ToArray();
            for (int i = 0; i < shapes.Count; i++)
            {
                theirs[i].Add(results[i].GetProperty("seconds").GetDouble());
                theirsOne[i].Add(resultsOne[i].GetProperty("seconds").GetDouble());
            }
        }

        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"Gemm.Multiply ({InstructionSet.Describe()}; MaxThreads {threads}) vs {root.GetProperty("library").GetString()} " +
            $"({root.GetProperty("threads").GetInt32()} threads, kernels: {(root.TryGetProperty("architecture", out JsonElement arch) ? arch.ToString() : "?")}); " +
            $"{rounds} alternating round{(rounds == 1 ? "" : "s")}, medians; load average before: {loadBefore}, after: {HostCheck.LoadAverage()}");
        if (root.TryGetProperty("loaded", out JsonElement loaded))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"BLAS loaded by numpy: {string.Join(", ", loaded.EnumerateArray().Select(e => e.GetString()))}");
        }

        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"| shape | op | ours GFLOP/s | OpenBLAS GFLOP/s | ours / OpenBLAS | ours µs | OpenBLAS µs | ours 1 thread | OpenBLAS 1 thread |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i < shapes.Count; i++)
        {
            GemmShape s = shapes[i];
            double oursSeconds = Statistics.Median(ours[i]), blasSeconds = Statistics.Median(theirs[i]);
            double ratio = Statistics.Median(ours[i].Zip(theirs[i], (o, t) => t / o));
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Name} | {s.Dims} | {s.Flops / oursSeconds / 1e9:F1} | {s.Flops / blasSeconds / 1e9:F1} | {ratio:F2} | {oursSeconds * 1e6:F1} | {blasSeconds * 1e6:F1} | " +
                $"{s.Flops / Statistics.Median(oursOne[i]) / 1e9:F1} | {s.Flops / Statistics.Median(theirsOne[i]) / 1e9:F1} |");
        }

        Console.Write(sb.ToString());
        return 0;
    }

    /// <summary>Runs the OpenBLAS script with the given thread count; null (after reporting why) when it fails.</summary>
    private static string? RunScript(string python, string script, IReadOnlyList<GemmShape> shapes, int threads)
    {
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["OPENBLAS_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        psi.ArgumentList.Add(script);
        foreach (GemmShape s in shapes)
        {
            psi.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture,
                $"{s.Name.Replace(':', ' ')}:{s.M}:{s.N}:{s.K}:{(s.TransposeA ? 1 : 0)}:{(s.TransposeB ? 1 : 0)}"));
        }

        using Process process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {python}");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string json = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"{script} failed ({process.ExitCode}): {errors.Result}");
            return null;
        }

        return json;
    }

    /// <summary>Median seconds per call over timed blocks of about 2 ms each, after a warm-up.</summary>
    private static double TimeOurs(GemmShape s, int seed)
    {
        var rng = new Random(seed);
        float[] a = Enumerable.Range(0, s.M * s.K).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        float[] b = Enumerable.Range(0, s.K * s.N).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        float[] c = new float[s.M * s.N];

        double Block(int count)
        {
            long start = Stopwatch.GetTimestamp();
            for (int r = 0; r < count; r++)
            {
                if (s.Accumulate)
                {
                    // Keep C bounded across thousands of accumulations without leaving the timed loop.
                    c.AsSpan().Clear();
                }

                Gemm.Multiply(a, s.TransposeA, b, s.TransposeB, c, s.M, s.N, s.K, s.Accumulate);
            }

            return Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        // Warm-up long enough for tiered JIT to reach the optimised kernels.
        long warmEnd = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
        while (Stopwatch.GetTimestamp() < warmEnd)
        {
            Block(1);
        }

        double once = Math.Max(Block(3) / 3, 1e-7);
        int perBlock = Math.Max(1, (int)(2e-3 / once));
        var samples = new List<double>();
        long deadline = Stopwatch.GetTimestamp() + (long)(0.6 * Stopwatch.Frequency);
        while (samples.Count < 31 || (Stopwatch.GetTimestamp() < deadline && samples.Count < 301))
        {
            samples.Add(Block(perBlock) / perBlock);
        }

        samples.Sort();
        return samples[samples.Count / 2];
    }
}
