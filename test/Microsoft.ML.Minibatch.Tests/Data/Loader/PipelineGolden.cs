using System.Text.Json;

namespace Microsoft.ML.Minibatch.Tests.DataTests;

/// <summary>Reads Fixtures/pipeline_golden.json, written by Fixtures/make_pipeline_golden.py with PyTorch 1.13.</summary>
internal static class PipelineGolden
{
    private static readonly Lazy<JsonElement> s_root = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pipeline_golden.json");
        using var stream = File.OpenRead(path);
        return JsonDocument.Parse(stream).RootElement.Clone();
    });

    public static JsonElement Root => s_root.Value;

    public static int[] Ints(JsonElement element) => element.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
