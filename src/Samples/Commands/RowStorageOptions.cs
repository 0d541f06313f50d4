using System.CommandLine;
using System.Globalization;

namespace Microsoft.ML.Minibatch.Samples.Commands;

// ML.NET has a namespace Microsoft.ML.Command, which would otherwise hide System.CommandLine.Command here.
using Command = System.CommandLine.Command;

/// <summary>The options of <c>minibatch train</c> and <c>lr-find</c> that say where a CSV file's rows are held while the
/// network trains on them: in memory up to a limit, in a temporary or a kept file, or read anew every epoch.</summary>
internal sealed class RowStorageOptions
{
    private readonly Option<string?> _memoryLimit = new("--memory-limit") { Description = "CSV data: the most memory the rows may take as float32, e.g. 500MB or 2GB (1 GB = 10⁹ bytes); beyond it they go to a temporary file trained through a memory map (default: half the available memory; 0: always the file).", HelpName = "SIZE" };
    private readonly Option<string?> _cacheDirectory = new("--cache-dir") { Description = "CSV data: where the temporary file goes (default: the system's temporary directory).", HelpName = "DIR" };
    private readonly Option<string?> _cacheFile = new("--cache-file") { Description = "CSV data: keep the training rows in this file and reuse it while it holds the same rows (compared row by row with the file's).", HelpName = "FILE" };
    private readonly Option<bool> _stream = new("--stream") { Description = "CSV data: read the file anew every epoch instead of holding its rows; the random order is then a shuffle pool's (see --shuffle-pool)." };
    private readonly Option<int> _shufflePool = new("--shuffle-pool") { Description = "With --stream: the rows of the shuffle pool (1 keeps the file's order).", DefaultValueFactory = _ => 1000, HelpName = "ROWS" };

    /// <summary>Adds the options to <paramref name="command"/>, with their checks.</summary>
    public static RowStorageOptions AddTo(Command command)
    {
        var o = new RowStorageOptions();
        OptionChecks.Add(o._memoryLimit, v => v is null || TryParseSize(v, out _), "--memory-limit must be a size such as 0, 500MB or 2GB");
        OptionChecks.Add(o._shufflePool, v => v >= 1, "--shuffle-pool must be at least 1");
        foreach (var option in new Option[] { o._memoryLimit, o._cacheDirectory, o._cacheFile, o._stream, o._shufflePool }) command.Options.Add(option);
        return o;
    }

    /// <summary>The values given (or the defaults).</summary>
    public RowStorageSettings Read(ParseResult parse)
    {
        long? limit = parse.GetValue(_memoryLimit) is { } text && TryParseSize(text, out long bytes) ? bytes : null;
        return new RowStorageSettings(limit, parse.GetValue(_cacheDirectory), parse.GetValue(_cacheFile), parse.GetValue(_stream),
            parse.GetValue(_shufflePool), Given: new[] { _memoryLimit, _cacheDirectory, _cacheFile, _stream, (Option)_shufflePool }
                .Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToArray());
    }

    /// <summary>Reads "0", "123456", "500MB", "1.5 GB" (B, KB, MB, GB, TB; powers of 1000) as bytes.</summary>
    internal static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        string t = text.Trim();
        int unitStart = t.Length;
        while (unitStart > 0 && char.IsLetter(t[unitStart - 1])) unitStart--;
        double scale = t[unitStart..].ToUpperInvariant() switch
        {
            "" or "B" => 1, "KB" => 1e3, "MB" => 1e6, "GB" => 1e9, "TB" => 1e12, _ => double.NaN,
        };
        if (double.IsNaN(scale) || !double.TryParse(t[..unitStart].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) return false;
        double total = Math.Round(value * scale);
        if (!(total >= 0 && total < 9e18)) return false; // 9 EB: below long.MaxValue, whose double rounds past it
        bytes = (long)total;
        return true;
    }
}

/// <summary>Where one run holds a CSV file's rows.</summary>
/// <param name="MemoryLimit">The trainer's <see cref="MinibatchTrainer.Options.RowMemoryLimit"/>, or null for its default.</param>
/// <param name="CacheDirectory">Where rows beyond the limit go, or null for the temporary directory.</param>
/// <param name="CacheFile">The file that keeps the training rows, or null.</param>
/// <param name="Stream">Whether to read the file anew every epoch.</param>
/// <param name="ShufflePool">The shuffle pool's rows when streaming.</param>
/// <param name="Given">The options given on the command line, for the message that refuses them on IDX data.</param>
internal sealed record RowStorageSettings(long? MemoryLimit, string? CacheDirectory, string? CacheFile, bool Stream, int ShufflePool, string[] Given)
{
    /// <summary>Nothing given: the trainer's defaults.</summary>
    public static RowStorageSettings Default { get; } = new(null, null, null, false, 1000, []);

    /// <summary>Sets these values on <paramref name="options"/> and returns it.</summary>
    public MinibatchTrainer.Options ApplyTo(MinibatchTrainer.Options options)
    {
        options.RowMemoryLimit = MemoryLimit;
        options.CacheDirectory = CacheDirectory;
        options.CacheFile = CacheFile;
        options.Streaming = Stream;
        options.ShufflePoolSize = ShufflePool;
        return options;
    }
}
