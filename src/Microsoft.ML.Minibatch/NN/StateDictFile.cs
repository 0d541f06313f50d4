using Microsoft.ML.Minibatch.Tensors;

namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// Saves and loads state dicts (parameters by PyTorch key, e.g. <c>0.weight</c>) in TorchSharp's
/// <c>Module.save</c> binary format, so weights move between this library, TorchSharp and PyTorch.
/// </summary>
/// <remarks>
/// Format: ULEB128 entry count; per entry the key as a .NET <see cref="BinaryWriter"/> string
/// (ULEB128 byte length + UTF-8), ULEB128 dtype (6 = float32, the only one accepted), ULEB128 rank,
/// ULEB128 per dimension, then the row-major little-endian float32 values.
/// Loading validates every field against the bytes actually present before allocating and throws
/// <see cref="InvalidDataException"/> naming the file (or "stream") and the problem. Saving to a
/// path is atomic: a temporary file in the same directory replaces the target only when complete.
/// </remarks>
/// <example>
/// <code>
/// StateDictFile.Save(model, "mnist.bin");
/// StateDictFile.Load(model, "mnist.bin");
/// </code>
/// In PyTorch, <c>Fixtures/optim_torchsharp_format.py</c> reads and writes the same files.
/// </example>
public static class StateDictFile
{
    /// <summary>Saves <paramref name="module"/>'s <see cref="Module.StateDict"/> to <paramref name="path"/>, atomically.</summary>
    /// <param name="module">The module whose parameters are saved.</param>
    /// <param name="path">The destination file; replaced only once the new content is complete.</param>
    public static void Save(Module module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        Save(module.StateDict(), path);
    }

    /// <summary>Writes <paramref name="module"/>'s <see cref="Module.StateDict"/> to <paramref name="stream"/>.</summary>
    /// <param name="module">The module whose parameters are saved.</param>
    /// <param name="stream">A writable stream; left open.</param>
    public static void Save(Module module, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(module);
        Save(module.StateDict(), stream);
    }

    /// <summary>Saves tensors by key, in enumeration order, to <paramref name="path"/>, atomically.</summary>
    /// <param name="stateDict">Tensors by key; keys non-empty and distinct.</param>
    /// <param name="path">The destination file; replaced only once the new content is complete.</param>
    /// <exception cref="ArgumentException">A key is empty or repeated, or a tensor has rank above 8.</exception>
    public static void Save(IEnumerable<KeyValuePair<string, Tensor>> stateDict, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        TorchSharpFormat.WriteFile(path, ToEntries(stateDict));
    }

    /// <summary>Writes tensors by key, in enumeration order, to <paramref name="stream"/>.</summary>
    /// <param name="stateDict">Tensors by key; keys non-empty and distinct.</param>
    /// <param name="stream">A writable stream; left open.</param>
    /// <exception cref="ArgumentException">A key is empty or repeated, or a tensor has rank above 8.</exception>
    public static void Save(IEnumerable<KeyValuePair<string, Tensor>> stateDict, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        TorchSharpFormat.Write(stream, ToEntries(stateDict));
    }

    /// <summary>Reads a state dict file into new tensors, in file order.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The tensors by key.</returns>
    /// <exception cref="InvalidDataException">The file is malformed; the message names it and the problem.</exception>
    public static OrderedDictionary<string, Tensor> Load(string path) => ToTensors(TorchSharpFormat.ReadFile(path));

    /// <summary>Reads a state dict from the current position of <paramref name="stream"/> to its end.</summary>
    /// <param name="stream">A readable stream; left open. Non-seekable streams (e.g. a zip entry) are buffered first.</param>
    /// <param name="sourceName">What to call the stream in error messages (e.g. <c>model.zip, entry weights.bin</c>); "stream" when null.</param>
    /// <returns>The tensors by key.</returns>
    /// <exception cref="InvalidDataException">The content is malformed; the message names the source and the problem.</exception>
    public static OrderedDictionary<string, Tensor> Load(Stream stream, string? sourceName = null) =>
        ToTensors(TorchSharpFormat.Read(stream, sourceName));

    /// <summary>
    /// Loads a state dict file into <paramref name="module"/>'s parameters (PyTorch's
    /// <c>model.load_state_dict(...)</c>). Nothing is changed unless every matched key has the right shape.
    /// </summary>
    /// <param name="module">The module to load into.</param>
    /// <param name="path">The file to read.</param>
    /// <param name="strict">Require the file to hold exactly the module's keys.</param>
    /// <returns>The missing and unexpected keys (both empty after a strict load).</returns>
    /// <exception cref="InvalidDataException">The file is malformed or does not fit the module; the message names the file.</exception>
    public static LoadStateDictResult Load(Module module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        return LoadInto(module, Load(path), $"file '{path}'", strict);
    }

    /// <summary>Loads a state dict from <paramref name="stream"/> into <paramref name="module"/>'s parameters.</summary>
    /// <param name="module">The module to load into.</param>
    /// <param name="stream">A readable stream; left open.</param>
    /// <param name="strict">Require the stream to hold exactly the module's keys.</param>
    /// <param name="sourceName">What to call the stream in error messages; "stream" when null.</param>
    /// <returns>The missing and unexpected keys (both empty after a strict load).</returns>
    /// <exception cref="InvalidDataException">The content is malformed or does not fit the module; the message names the source.</exception>
    public static LoadStateDictResult Load(Module module, Stream stream, bool strict = true, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        return LoadInto(module, Load(stream, sourceName), sourceName is null ? "stream" : $"file '{sourceName}'", strict);
    }

    private static LoadStateDictResult LoadInto(Module module, OrderedDictionary<string, Tensor> stateDict, string source, bool strict)
    {
        try
        {
            return module.LoadStateDict(stateDict, strict);
        }
        catch (ArgumentException e)
        {
            // A well-formed file for another model is still a bad file for this one.
            throw new InvalidDataException($"The state dict in {source} does not fit the {module.GetType().Name}: {e.Message}", e);
        }
    }

    private static List<StateDictEntry> ToEntries(IEnumerable<KeyValuePair<string, Tensor>> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var entries = new List<StateDictEntry>();
        foreach ((string key, Tensor tensor) in stateDict)
        {
            if (tensor is null)
                throw new ArgumentException($"The tensor for key '{key}' is null.", nameof(stateDict));
            // A snapshot: the caller's tensors may be parameters that keep training.
            entries.Add(new StateDictEntry(key, tensor.GetShape(), tensor.ToArray()));
        }
        return entries;
    }

    private static OrderedDictionary<string, Tensor> ToTensors(List<StateDictEntry> entries)
    {
        var result = new OrderedDictionary<string, Tensor>(entries.Count, StringComparer.Ordinal);
        foreach (StateDictEntry entry in entries)
            result.Add(entry.Key, Tensor.Wrap(entry.Data, entry.Shape));
        return result;
    }
}
