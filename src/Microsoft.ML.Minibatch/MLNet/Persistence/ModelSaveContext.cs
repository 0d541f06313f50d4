using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML;

/// <summary>
/// What a component writes when a model is saved: its <see cref="Kind"/> (the name its loader is registered under),
/// JSON options, named binary entries, and nested components. Unlike ML.NET's, this context is public so that any
/// transformer can save itself.
/// </summary>
public sealed class ModelSaveContext
{
    private readonly ZipArchive _archive;
    private readonly string _directory;
    private readonly JsonObject _node;
    private readonly JsonObject _entries = new();
    private readonly JsonObject _children = new();

    internal ModelSaveContext(ZipArchive archive, string directory, JsonObject node)
    {
        _archive = archive;
        _directory = directory;
        _node = node;
    }

    /// <summary>The name the component's loader is registered under (see <see cref="ModelLoadContext.RegisterLoader"/>).</summary>
    public string? Kind { get; set; }

    /// <summary>Stores <paramref name="options"/> as the component's JSON options (public fields and properties).</summary>
    /// <typeparam name="T">The options type.</typeparam>
    /// <param name="options">The options.</param>
    public void SetOptions<T>(T options)
        => _node["options"] = JsonSerializer.SerializeToNode(options, ModelJson.SerializerOptions);

    /// <summary>Stores a JSON tree as the component's options.</summary>
    /// <param name="options">The options.</param>
    public void SetOptions(JsonNode options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _node["options"] = options.DeepClone();
    }

    /// <summary>Writes a binary entry named <paramref name="name"/> (letters, digits, '.', '-', '_').</summary>
    /// <param name="name">The entry name, unique within this component.</param>
    /// <param name="bytes">The content.</param>
    public void WriteEntry(string name, ReadOnlySpan<byte> bytes)
    {
        using var stream = CreateEntry(name);
        stream.Write(bytes);
    }

    /// <summary>Writes a binary entry named <paramref name="name"/> through <paramref name="write"/>.</summary>
    /// <param name="name">The entry name, unique within this component.</param>
    /// <param name="write">Writes the content to the stream it is given.</param>
    public void WriteEntry(string name, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var stream = CreateEntry(name);
        write(stream);
    }

    /// <summary>Opens a new binary entry for writing; dispose the stream when done.</summary>
    /// <param name="name">The entry name, unique within this component.</param>
    /// <returns>A writable stream.</returns>
    public Stream CreateEntry(string name)
    {
        ModelJson.CheckEntryName(name, nameof(name));
        if (_entries.ContainsKey(name))
            throw new ArgumentException($"Entry '{name}' was already written.", nameof(name));
        string path = _directory + name;
        _entries[name] = path;
        return _archive.CreateEntry(path, CompressionLevel.Optimal).Open();
    }

    /// <summary>
    /// Writes <paramref name="schema"/> (column names, types and annotation values) as the JSON entry
    /// <paramref name="name"/>; read it back with <see cref="ModelLoadContext.ReadSchema"/>. Useful to keep, for
    /// example, the training label column with its key values.
    /// </summary>
    /// <param name="name">The entry name.</param>
    /// <param name="schema">The schema to store.</param>
    public void WriteSchema(string name, DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var json = ModelJson.WriteSchema(schema).ToJsonString();
        WriteEntry(name, System.Text.Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Saves a nested component (for example a stage of a chain) under <paramref name="name"/>.</summary>
    /// <param name="name">The child name, unique within this component.</param>
    /// <param name="component">The component.</param>
    public void SaveSubModel(string name, ICanSaveModel component)
    {
        ModelJson.CheckEntryName(name, nameof(name));
        ArgumentNullException.ThrowIfNull(component);
        if (_children.ContainsKey(name))
            throw new ArgumentException($"Sub-model '{name}' was already written.", nameof(name));
        var child = new JsonObject();
        var ctx = new ModelSaveContext(_archive, _directory + name + "/", child);
        component.Save(ctx);
        ctx.Complete(component);
        _children[name] = child;
    }

    internal void Complete(ICanSaveModel component)
    {
        if (string.IsNullOrEmpty(Kind))
            throw new InvalidOperationException($"{component.GetType().Name}.Save did not set ModelSaveContext.Kind.");
        _node["kind"] = Kind;
        if (_entries.Count > 0) _node["entries"] = _entries;
        if (_children.Count > 0) _node["children"] = _children;
    }
}
