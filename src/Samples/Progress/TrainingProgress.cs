using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Minibatch.Training;
using Spectre.Console;

namespace Microsoft.ML.Minibatch.Samples.Progress;

/// <summary>
/// The live terminal view of a fit: a table with one row per finished epoch and, under it, a progress bar for the
/// epoch in progress (batches done, smoothed training loss, images per second, time left).
/// </summary>
/// <remarks>
/// The training thread only records numbers under a lock (a few fields per batch); a display thread of its own redraws
/// the screen ten times a second, so drawing never slows a batch and Spectre.Console is only used from one thread.
/// Epochs are counted from 1 here, as a person counts them (the plain lines keep the seeds' count from 0).
/// </remarks>
internal sealed class TrainingProgress : FitCallback
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(100);

    private readonly IAnsiConsole _console;
    private readonly object _gate = new();
    private readonly LossSmoother _smoother = new();
    private readonly List<EpochMetrics> _finished = [];
    private readonly AutoResetEvent _wake = new(false);
    private Thread? _display;
    private Exception? _displayError;

    // Written by the training thread under _gate, read by the display thread under it.
    private bool _done;
    private int _epochs, _epoch, _batchesDone, _batchCount;
    private long _rowsDone, _epochStart;

    /// <summary>Creates the view on <paramref name="console"/> (the terminal, or a console writing to a buffer in tests).</summary>
    public TrainingProgress(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        _console = console;
    }

    /// <summary>
    /// Whether `minibatch train` should draw this view rather than print plain lines: only when it writes to the real
    /// console, that console is an interactive ANSI terminal (not redirected to a file or pipe), and --json was not given.
    /// </summary>
    public static bool ShouldShow(TextWriter output, bool json) =>
        !json && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
        && AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Capabilities.Ansi;

    /// <inheritdoc/>
    public override void OnFitBegin(FitLoop loop, int epochs)
    {
        lock (_gate)
        {
            _epochs = epochs;
            _epoch = 0;
            _batchesDone = 0;
            _batchCount = loop.Train.Count;
            _rowsDone = 0;
            _epochStart = Stopwatch.GetTimestamp();
            _finished.Clear();
            _smoother.Reset();
            _done = false;
        }
        _displayError = null;
        _display = new Thread(RunDisplay) { IsBackground = true, Name = "training progress" };
        _display.Start();
    }

    /// <inheritdoc/>
    public override void OnEpochBegin(FitLoop loop, int epoch)
    {
        lock (_gate)
        {
            _epoch = epoch;
            _batchesDone = 0;
            _batchCount = loop.Train.Count;
            _rowsDone = 0;
            _epochStart = Stopwatch.GetTimestamp();
        }
    }

    /// <inheritdoc/>
    public override void OnBatchEnd(FitLoop loop, in BatchMetrics metrics)
    {
        lock (_gate)
        {
            _batchesDone = metrics.Batch + 1;
            _batchCount = metrics.BatchCount;
            _rowsDone += metrics.Size;
            _smoother.Add(metrics.Loss);
        }
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(FitLoop loop, EpochMetrics metrics)
    {
        lock (_gate) _finished.Add(metrics);
        _wake.Set();
    }

    /// <inheritdoc/>
    public override void OnFitEnd(FitLoop loop, IReadOnlyList<EpochMetrics> history)
    {
        lock (_gate) _done = true;
        _wake.Set();
        _display?.Join();
        _display = null;
        // A broken display must not hide the training's outcome: say so once, after the fact.
        if (_displayError is { } error) Console.Error.WriteLine($"minibatch: the progress display failed: {error.Message}");
    }

    private void RunDisplay()
    {
        try
        {
            // The live area is only the progress line. Spectre keeps a live area as tall as it ever was, so the rows of
            // finished epochs are written above it (Spectre draws other output above a live display) and stay there.
            var table = new EpochTableFormat(_console.Profile.Width);
            _console.Live(new Text("")).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Start(context =>
            {
                _console.Write(new Markup(table.Header()));
                int printed = 0;
                while (true)
                {
                    var snapshot = TakeSnapshot();
                    for (; printed < snapshot.Finished.Count; printed++) _console.Write(new Markup(table.Row(snapshot.Finished[printed])));
                    if (snapshot.Done)
                    {
                        _console.Write(new Markup(table.Footer()));
                        context.UpdateTarget(new Markup(Summary(snapshot)));
                        context.Refresh();
                        break;
                    }
                    context.UpdateTarget(new Markup(ProgressLine(snapshot, _console.Profile.Width)));
                    context.Refresh();
                    _wake.WaitOne(RefreshInterval);
                }
            });
        }
        catch (Exception e)
        {
            _displayError = e;
        }
    }

    private Snapshot TakeSnapshot()
    {
        lock (_gate)
        {
            return new Snapshot(_epochs, _epoch, _batchesDone, _batchCount, _rowsDone,
                Stopwatch.GetElapsedTime(_epochStart), _smoother.Value, _finished.ToArray(), _done);
        }
    }

    /// <summary>What the display shows at one moment.</summary>
    internal sealed record Snapshot(
        int Epochs, int Epoch, int BatchesDone, int BatchCount, long RowsDone, TimeSpan EpochElapsed,
        double SmoothedLoss, IReadOnlyList<EpochMetrics> Finished, bool Done);

    /// <summary>
    /// The line under the table while an epoch trains, as Spectre markup: which epoch, a bar, batches done, the smoothed
    /// loss, images per second and the time left in this epoch's training pass. The bar takes what the rest leaves of
    /// <paramref name="width"/> columns (between 10 and 40).
    /// </summary>
    internal static string ProgressLine(Snapshot s, int width)
    {
        double fraction = s.BatchCount > 0 ? Math.Clamp((double)s.BatchesDone / s.BatchCount, 0, 1) : 0;
        double seconds = s.EpochElapsed.TotalSeconds;
        string loss = double.IsNaN(s.SmoothedLoss) ? "–     " : Invariant($"{s.SmoothedLoss:F4}");
        string speed = s.RowsDone > 0 && seconds > 0 ? Invariant($"{s.RowsDone / seconds:N0}") : "–";
        string left = s.BatchCount > 0 && s.BatchesDone == s.BatchCount ? "validating" : $"{FormatTime(EpochTimeLeft(s))} left";
        // Padded to the width of the totals, so the line does not jitter as the numbers grow.
        string epochs = s.Epochs.ToString(CultureInfo.InvariantCulture);
        string total = s.BatchCount.ToString(CultureInfo.InvariantCulture);
        string head = $"epoch {(s.Epoch + 1).ToString(CultureInfo.InvariantCulture).PadLeft(epochs.Length)}/{epochs}";
        string batches = $"{s.BatchesDone.ToString(CultureInfo.InvariantCulture).PadLeft(total.Length)}/{total} batches";
        string rest = Invariant($"  loss {loss}  {speed,9} img/s  {left}");
        int barWidth = Math.Clamp(width - head.Length - batches.Length - rest.Length - 3, 10, 40);
        int filled = (int)Math.Round(fraction * barWidth);
        // One glyph throughout, bright where done and dim where not, so it reads as a single bar.
        string bar = $"[green]{new string('━', filled)}[/][grey23]{new string('━', barWidth - filled)}[/]";
        return Invariant($"[bold]{head}[/] {bar} {batches}  loss [yellow]{loss}[/]  {speed,9} img/s  [grey]{left}[/]");
    }

    /// <summary>The line left under the table when training ends, as Spectre markup.</summary>
    internal static string Summary(Snapshot s)
    {
        var epochs = s.Finished;
        if (epochs.Count == 0) return "[yellow]stopped before the first epoch ended[/]";
        var last = epochs[^1];
        double seconds = epochs.Sum(e => e.Seconds);
        string accuracy = double.IsNaN(last.ValidAccuracy) ? "" : Invariant($", valid accuracy [green]{last.ValidAccuracy * 100:F2} %[/]");
        string stopped = epochs.Count < s.Epochs ? Invariant($" [yellow](stopped after {epochs.Count} of {s.Epochs})[/]") : "";
        return Invariant($"{epochs.Count} epoch{(epochs.Count == 1 ? "" : "s")} in {seconds:F1} s{accuracy}{stopped}");
    }

    /// <summary>The rest of this epoch's training pass at the pace so far.</summary>
    internal static TimeSpan EpochTimeLeft(Snapshot s)
    {
        if (s.BatchesDone <= 0 || s.BatchCount <= 0) return TimeSpan.Zero;
        double perBatch = s.EpochElapsed.TotalSeconds / s.BatchesDone;
        return TimeSpan.FromSeconds(perBatch * Math.Max(0, s.BatchCount - s.BatchesDone));
    }

    private static string FormatTime(TimeSpan t) => t.TotalHours >= 1
        ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
