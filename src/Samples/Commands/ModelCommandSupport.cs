using Microsoft.ML.Data;
using Microsoft.ML.Minibatch.Data;

namespace Microsoft.ML.Minibatch.Samples.Commands;

/// <summary>What the model verbs share: finding the MNIST split and the minibatch network inside a model file.</summary>
internal static class ModelCommandSupport
{
    /// <summary>The MNIST split as an <see cref="IDataView"/>: "valid" = training file rows 50,000 on (the seeds'
    /// validation set), "test" = the t10k file, "train" = training file rows 0 … 49,999.</summary>
    public static IDataView LoadSplit(MLContext ml, string? directory, string split)
    {
        // The data room's cache: $MINIBATCH_DATA or ~/.cache/minibatch/mnist, fetched (checksummed) when missing.
        var files = Mnist.EnsureFiles(new MnistOptions { Directory = directory, Progress = message => Console.Error.WriteLine(message) });
        var data = split == "test"
            ? ml.Data.LoadIdx(files.TestImages, files.TestLabels)
            : ml.Data.LoadIdx(files.TrainImages, files.TrainLabels);
        return split switch
        {
            "valid" => ml.Data.SkipRows(data, 50000),
            "train" => ml.Data.TakeRows(data, 50000),
            _ => data,
        };
    }

    /// <summary>Loads the minibatch network of a model file (the model itself or the last one in a chain), checking
    /// the file's CRCs and the weights' SHA-256.</summary>
    public static MinibatchTransformer LoadModel(string path) => MinibatchTransformer.Load(path);

    /// <summary>The input schema of MNIST models, as <c>LoadIdx</c> produces it: Features (Vector&lt;Single, 784&gt;) and
    /// Label (Key&lt;UInt32, 10&gt; with key values "0" … "9").</summary>
    public static DataViewSchema MnistSchema() => ImageSchema(784, Digits);

    /// <summary>The input schema of image models, as <c>LoadIdx</c> produces it: Features (Vector&lt;Single, F&gt;) and
    /// Label (Key&lt;UInt32, K&gt; with the class names as key values).</summary>
    public static DataViewSchema ImageSchema(int featureCount, IReadOnlyList<string> classNames)
    {
        var names = classNames.Select(d => d.AsMemory()).ToArray();
        var keyValues = new DataViewSchema.Annotations.Builder();
        keyValues.Add("KeyValues", new VectorDataViewType(TextDataViewType.Instance, names.Length),
            (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(names.Length, names).CopyTo(ref dst));
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Features", new VectorDataViewType(NumberDataViewType.Single, featureCount));
        builder.AddColumn("Label", new KeyDataViewType(typeof(uint), names.Length), keyValues.ToAnnotations());
        return builder.ToSchema();
    }

    /// <summary>The MNIST class names.</summary>
    public static readonly string[] Digits = Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
