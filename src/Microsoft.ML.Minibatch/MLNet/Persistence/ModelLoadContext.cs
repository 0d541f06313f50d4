using System.Collections.Concurrent;
using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML;

/// <summary>
/// What a component's loader reads when a model is loaded: its options, binary entries and nested components.
/// Loaders are registered by kind with <see cref="RegisterLoader"/>, or found through
/// <see cref="ModelLoaderAttribute"/> on loaded assemblies.
/// </summary>
public sealed class ModelLoadContext
{
    private static readonly ConcurrentDictionary<string, Func<ModelLoadContext, ITransformer>> _loaders = new(StringComparer.Ordinal);
    private static readonly object _scanLock = new();
    private static readonly HashSet<Assembly> _scanned = new();

    private readonly ZipArchive _archive;
    private readonly JsonObject _node;
    private readonly string _path;

    internal ModelLoadContext(ZipArchive archive, string fileName, string path, JsonObject node, string kind)
    {
        _archive = archive;
        FileName = fileName;
        _path = path;
        _node = node;
        Kind = kind;
    }

    /// <summary>The kind of the component being loaded.</summary>
    public string Kind { get; }

    /// <summary>The model file being read (for messages).</summary>
    public string FileName { get; }

    /// <summary>The component's JSON options, or <see langword="null"/> if none were saved.</summary>
    public JsonNode? Options => _node["options"];

    /// <summary>Reads the options as <typeparamref name="T"/>; throws <see cref="InvalidDataException"/> if they are missing or malformed.</summary>
    /// <typeparam name="T">The options type.</typeparam>
    /// <returns>The options.</returns>
    public T GetOptions<T>()
    {
        var node = Options ?? throw Error("options are missing");
        try
        {
            return node.Deserialize<T>(ModelJson.SerializerOptions) ?? throw Error("options are null");
        }
        catch (JsonException e)
        {
            throw Error($"options are malformed: {e.Message}");
        }
    }

    /// <summary>Whether the component wrote an entry named <paramref name="name"/>.</summary>
    /// <param name="name">The entry name.</param>
    /// <returns><see langword="true"/> if present.</returns>
    public bool ContainsEntry(string name) => (_node["entries"] as JsonObject)?.ContainsKey(name) == true;

    /// <summary>Opens the entry named <paramref name="name"/>; throws <see cref="InvalidDataException"/> if it is missing.</summary>
    /// <param name="name">The entry name.</param>
    /// <returns>A readable stream; dispose it when done.</returns>
    public Stream OpenEntry(string name)
    {
        if (_node["entries"] is not JsonObject entries || entries[name] is not JsonValue pathValue
            || !pathValue.TryGetValue(out string? path))
            throw Error($"entry '{name}' is missing from the manifest");
        var entry = _archive.GetEntry(path) ?? throw Error($"entry '{path}' is listed in the manifest but missing from the archive");
        return entry.Open();
    }

    /// <summary>Reads the whole entry named <paramref name="name"/>.</summary>
    /// <param name="name">The entry name.</param>
    /// <returns>The content.</returns>
    public byte[] ReadEntry(string name)
    {
        using var stream = OpenEntry(name);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Reads a schema written by <see cref="ModelSaveContext.WriteSchema"/>; throws <see cref="InvalidDataException"/> if it is malformed.</summary>
    /// <param name="name">The entry name.</param>
    /// <returns>The schema.</returns>
    public DataViewSchema ReadSchema(string name)
    {
        var bytes = ReadEntry(name);
        try
        {
            return ModelJson.ReadSchema(JsonNode.Parse(bytes));
        }
        catch (JsonException e)
        {
            throw Error($"entry '{name}' is not valid JSON: {e.Message}");
        }
        catch (FormatException e)
        {
            throw Error($"entry '{name}': {e.Message}");
        }
    }

    /// <summary>The names of the nested components, in the order they were saved.</summary>
    public IReadOnlyList<string> SubModelNames
        => _node["children"] is JsonObject children ? children.Select(p => p.Key).ToArray() : Array.Empty<string>();

    /// <summary>Loads the nested component saved under <paramref name="name"/>.</summary>
    /// <param name="name">The child name.</param>
    /// <returns>The transformer.</returns>
    public ITransformer LoadSubModel(string name)
    {
        if (_node["children"] is not JsonObject children || children[name] is not JsonObject child)
            throw Error($"sub-model '{name}' is missing");
        return LoadComponent(_archive, FileName, _path + "/" + name, child);
    }

    /// <summary>An <see cref="InvalidDataException"/> naming the file, the component and <paramref name="problem"/>.</summary>
    /// <param name="problem">What is wrong.</param>
    /// <returns>The exception to throw.</returns>
    public InvalidDataException Error(string problem)
        => new($"Model file '{FileName}': stage '{_path}' ({Kind}): {problem}.");

    /// <summary>Registers the loader of components saved with <see cref="ModelSaveContext.Kind"/> = <paramref name="kind"/>.</summary>
    /// <param name="kind">The kind name.</param>
    /// <param name="loader">Rebuilds the component from its context.</param>
    public static void RegisterLoader(string kind, Func<ModelLoadContext, ITransformer> loader)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(loader);
        _loaders[kind] = loader;
    }

    internal static ITransformer LoadComponent(ZipArchive archive, string fileName, string path, JsonObject node)
    {
        if (node["kind"] is not JsonValue kindValue || !kindValue.TryGetValue(out string? kind) || string.IsNullOrEmpty(kind))
            throw new InvalidDataException($"Model file '{fileName}': stage '{path}' has no kind.");
        foreach (var property in node)
            if (property.Key is not ("kind" or "options" or "entries" or "children"))
                throw new InvalidDataException($"Model file '{fileName}': stage '{path}' has an unknown property '{property.Key}'.");
        var loader = FindLoader(kind)
            ?? throw new InvalidDataException($"Model file '{fileName}': stage '{path}' has unknown kind '{kind}'.");
        var ctx = new ModelLoadContext(archive, fileName, path, node, kind);
        try
        {
            return loader(ctx);
        }
        catch (InvalidDataException)
        {
            throw;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException
            or JsonException or EndOfStreamException or OverflowException or KeyNotFoundException)
        {
            throw ctx.Error(e.Message.TrimEnd('.'));
        }
    }

    private static Func<ModelLoadContext, ITransformer>? FindLoader(string kind)
    {
        BuiltInLoaders.EnsureRegistered();
        if (_loaders.TryGetValue(kind, out var loader)) return loader;
        lock (_scanLock)
        {
            foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
            {
                if (!_scanned.Add(assembly) || assembly.IsDynamic) continue;
                foreach (var attribute in assembly.GetCustomAttributes<ModelLoaderAttribute>())
                {
                    var type = attribute.LoaderType;
                    if (Activator.CreateInstance(type) is IModelLoader instance)
                        _loaders.TryAdd(instance.Kind, instance.Load);
                }
            }
        }
        return _loaders.TryGetValue(kind, out loader) ? loader : null;
    }
}
