namespace Microsoft.ML.Minibatch.Samples.Tabular;

/// <summary>How to read a CSV/TSV file from the command line.</summary>
/// <param name="LabelColumn">The label column: a header name or a 0-based index; null means the last column.</param>
/// <param name="HasHeader">Whether the first line is a header; null detects it.</param>
/// <param name="Separator">The cell separator; null detects it among ',', tab and ';'.</param>
/// <param name="Normalize">none, minmax (ML.NET's NormalizeMinMax) or meanvar (NormalizeMeanVariance).</param>
/// <param name="ValidFraction">The share of rows held out for validation (ML.NET's TrainTestSplit with the seed).</param>
/// <param name="ValidPath">A separate validation file instead of the split, or null.</param>
internal sealed record CsvOptions(string? LabelColumn = null, bool? HasHeader = null, char? Separator = null,
    string Normalize = "minmax", double ValidFraction = 0.2, string? ValidPath = null);
