using System.CommandLine;
using System.Globalization;

namespace Microsoft.ML.Minibatch.Samples.Tabular;

// ML.NET has a namespace Microsoft.ML.Command, which would otherwise hide System.CommandLine.Command here.
using Command = System.CommandLine.Command;

/// <summary>The command-line options that say how to read a CSV/TSV file given as --data (train, evaluate, predict, report).</summary>
internal sealed class CsvCommandOptions
{
    private readonly Option<string?> _labelColumn = new("--label-column")
    {
        Description = "CSV: the label column, a header name or a 0-based index (default: the last column).", HelpName = "NAME|INDEX",
    };

    private readonly Option<string?> _hasHeader = new("--has-header")
    {
        Description = "CSV: whether the first line is a header (default: detected; it is when its cells are not numbers).", HelpName = "true|false",
    };

    private readonly Option<string?> _separator = new("--separator")
    {
        Description = "CSV: the separator: ',', ';' or tab (default: detected from the first line).", HelpName = "SEP",
    };

    private readonly Option<string> _normalize = new("--normalize")
    {
        Description = "CSV: feature scaling learned from the training rows: none, minmax (ML.NET's NormalizeMinMax) or meanvar (NormalizeMeanVariance).",
        DefaultValueFactory = _ => "minmax",
    };

    private readonly Option<double> _validFraction = new("--valid-fraction")
    {
        Description = "CSV: the share of rows held out for validation, drawn with --seed (ML.NET's TrainTestSplit).", DefaultValueFactory = _ => 0.2,
    };

    private readonly Option<string?> _valid = new("--valid") { Description = "CSV: a validation file with the same columns, instead of the split.", HelpName = "FILE" };

    private readonly bool _training;

    /// <summary>The options for training (all) or for scoring (header and separator only: the model knows its columns).</summary>
    public CsvCommandOptions(bool training)
    {
        _training = training;
        _hasHeader.AcceptOnlyFromAmong("true", "false");
        _normalize.AcceptOnlyFromAmong("none", "minmax", "meanvar");
        _separator.Validators.Add(r =>
        {
            if (!TryParseSeparator(r.GetValueOrDefault<string?>(), out _)) r.AddError($"--separator must be ',', ';' or tab (got '{string.Join(' ', r.Tokens.Select(t => t.Value))}').");
        });
        _validFraction.Validators.Add(r =>
        {
            double v;
            try { v = r.GetValueOrDefault<double>(); }
            catch (InvalidOperationException) { return; }
            if (!(v > 0 && v < 1)) r.AddError($"--valid-fraction must lie between 0 and 1, both excluded (got '{v.ToString(CultureInfo.InvariantCulture)}').");
        });
    }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_hasHeader);
        command.Options.Add(_separator);
        if (!_training) return;
        command.Options.Add(_labelColumn);
        command.Options.Add(_normalize);
        command.Options.Add(_validFraction);
        command.Options.Add(_valid);
    }

    /// <summary>The parsed values.</summary>
    public CsvOptions Read(ParseResult parse)
    {
        TryParseSeparator(parse.GetValue(_separator), out char? separator);
        bool? header = parse.GetValue(_hasHeader) is { } h ? h == "true" : null;
        if (!_training) return new CsvOptions(HasHeader: header, Separator: separator);
        return new CsvOptions(parse.GetValue(_labelColumn), header, separator, parse.GetValue(_normalize)!, parse.GetValue(_validFraction), parse.GetValue(_valid));
    }

    private static bool TryParseSeparator(string? text, out char? separator)
    {
        separator = text switch
        {
            null => null,
            "," or "comma" => ',',
            ";" or "semicolon" => ';',
            "\t" or "\\t" or "tab" => '\t',
            _ => (char)0,
        };
        return separator != (char)0;
    }
}
