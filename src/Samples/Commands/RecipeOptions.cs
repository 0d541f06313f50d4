using System.CommandLine;
using System.Globalization;

namespace Microsoft.ML.Minibatch.Samples.Commands;

// ML.NET has a namespace Microsoft.ML.Command, which would otherwise hide System.CommandLine.Command here.
using Command = System.CommandLine.Command;

/// <summary>The training-recipe options of <c>minibatch train</c> (dropout, deskewing, the finder, one-cycle's parameters), kept apart from the
/// command's other options: they are added to the command and read back as one <see cref="RecipeSettings"/>.</summary>
internal sealed class RecipeOptions
{
    private readonly Option<double> _dropout = new("--dropout") { Description = "Dropout probability after each hidden ReLU (nn.Dropout(p)), in [0, 1); 0 for none.", DefaultValueFactory = _ => 0.0, HelpName = "p" };
    private readonly Option<double> _pctStart = new("--pct-start") { Description = "One-cycle: fraction of the batches spent warming up (fast.ai's pct_start).", DefaultValueFactory = _ => 0.25 };
    private readonly Option<double> _div = new("--div") { Description = "One-cycle: the first learning rate is --lr / this (fast.ai's div).", DefaultValueFactory = _ => 25.0 };
    private readonly Option<double> _divFinal = new("--div-final") { Description = "One-cycle: the last learning rate is --lr / this (fast.ai's div_final).", DefaultValueFactory = _ => 1e5 };
    private readonly Option<bool> _findLr = new("--find-lr") { Description = "Run the learning-rate finder first (lr-find's defaults) and train with its suggestion instead of --lr; the curve is saved with --model and drawn by report." };
    private readonly Option<bool> _deskew = new("--deskew") { Description = "Deskew each image before the network (its ink centred and its slant sheared upright by its moments); the saved model deskews what it scores." };
    private readonly Option<string> _moms = new("--moms") { Description = "One-cycle: momentum (SGD's, or Adam's beta1) at start, peak and end, e.g. 0.95,0.85,0.95.", DefaultValueFactory = _ => "0.95,0.85,0.95" };

    /// <summary>Adds the options to <paramref name="command"/>, with their checks.</summary>
    public static RecipeOptions AddTo(Command command)
    {
        var o = new RecipeOptions();
        OptionChecks.Add(o._dropout, v => v >= 0 && v < 1, "--dropout must be in [0, 1)");
        OptionChecks.Add(o._pctStart, v => v > 0 && v < 1, "--pct-start must be in (0, 1)");
        OptionChecks.Add(o._div, v => double.IsFinite(v) && v >= 1, "--div must be a number ≥ 1");
        OptionChecks.Add(o._divFinal, v => double.IsFinite(v) && v >= 1, "--div-final must be a number ≥ 1");
        OptionChecks.Add(o._moms, v => TryParseMoms(v, out _), "--moms must be three numbers in [0, 1), e.g. 0.95,0.85,0.95");
        foreach (var option in new Option[] { o._dropout, o._deskew, o._findLr, o._pctStart, o._div, o._divFinal, o._moms }) command.Options.Add(option);
        return o;
    }

    /// <summary>The values given (or the defaults).</summary>
    public RecipeSettings Read(ParseResult parse)
    {
        TryParseMoms(parse.GetValue(_moms), out var moms);
        return new RecipeSettings(parse.GetValue(_dropout), parse.GetValue(_pctStart), parse.GetValue(_div), parse.GetValue(_divFinal), moms)
        {
            FindLearningRate = parse.GetValue(_findLr),
            Deskew = parse.GetValue(_deskew),
        };
    }

    internal static bool TryParseMoms(string? text, out float[] moms)
    {
        moms = [];
        var parts = (text ?? "").Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3) return false;
        var parsed = new float[3];
        for (int i = 0; i < 3; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out parsed[i]) || !(parsed[i] >= 0 && parsed[i] < 1)) return false;
        moms = parsed;
        return true;
    }
}

/// <summary>The recipe settings of one run.</summary>
/// <param name="Dropout">The dropout probability after each hidden ReLU.</param>
/// <param name="PctStart">One-cycle's warm-up fraction.</param>
/// <param name="Div">One-cycle's first-rate divisor.</param>
/// <param name="DivFinal">One-cycle's last-rate divisor.</param>
/// <param name="Moms">One-cycle's momentums at start, peak and end.</param>
internal sealed record RecipeSettings(double Dropout, double PctStart, double Div, double DivFinal, float[] Moms)
{
    /// <summary>Whether to train with the learning-rate finder's suggestion instead of the given rate.</summary>
    public bool FindLearningRate { get; init; }

    /// <summary>Whether the network deskews its images (<see cref="MinibatchTrainer.Options.Deskew"/>).</summary>
    public bool Deskew { get; init; }

    /// <summary>No dropout; fast.ai's one-cycle defaults.</summary>
    public static RecipeSettings Default { get; } = new(0, 0.25, 25, 1e5, [0.95f, 0.85f, 0.95f]);

    /// <summary>Sets these values on <paramref name="options"/> and returns it.</summary>
    public MinibatchTrainer.Options ApplyTo(MinibatchTrainer.Options options)
    {
        options.DropoutRate = (float)Dropout;
        options.Deskew = Deskew;
        options.OneCyclePctStart = (float)PctStart;
        options.OneCycleDiv = (float)Div;
        options.OneCycleDivFinal = (float)DivFinal;
        options.OneCycleMomentums = (float[])Moms.Clone();
        return options;
    }
}
