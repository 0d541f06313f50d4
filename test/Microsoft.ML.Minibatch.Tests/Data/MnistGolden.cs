using System.Text.Json;

namespace Microsoft.ML.Minibatch.Tests.Data;

/// <summary>Reference numbers for real MNIST, computed with numpy/PyTorch by Fixtures/Data/make_mnist_golden.py.</summary>
internal static class MnistGolden
{
    private static readonly Lazy<JsonElement> _root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Data", "mnist_golden.json"))).RootElement);

    public static JsonElement Root => _root.Value;

    public static int[] ClassCounts(string split) =>
        Root.GetProperty(split).GetProperty("class_counts").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static double Mean(string split) => Root.GetProperty(split).GetProperty("mean").GetDouble();

    public static double Std(string split) => Root.GetProperty(split).GetProperty("std").GetDouble();
}
