using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML;

/// <summary>
/// The model zip: <c>manifest.json</c> (format marker and version, library version, input schema, the component
/// tree with each component's kind, options and entry paths) plus the components' binary entries.
/// </summary>
internal static class ModelFile
{
    public const string FormatName = "Microsoft.ML.Minibatch.Model";
    public const int FormatVersion = 1;
    public const string ManifestName = "manifest.json";
    public const string RootDirectory = "model/";

    public static string LibraryVersion
        => typeof(ModelFile).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(ModelFile).Assembly.GetName().Version?.ToString() ?? "unknown";

    public static void Write(ITransformer model, DataViewSchema? inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        var root = new JsonObject();
        var ctx = new ModelSaveContext(archive, RootDirectory, root);
        model.Save(ctx);
        ctx.Complete(model);
        var manifest = new JsonObject
        {
            ["format"] = FormatName,
            ["formatVersion"] = FormatVersion,
            ["libraryVersion"] = LibraryVersion,
            ["inputSchema"] = inputSchema == null ? null : ModelJson.WriteSchema(inputSchema),
            ["model"] = root,
        };
        var entry = archive.CreateEntry(ManifestName, CompressionLevel.Optimal);
        using var writer = entry.Open();
        writer.Write(Encoding.UTF8.GetBytes(manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
    }

    // wrapStream wraps the temporary file's stream: tests inject one that fails halfway.
    public static void Write(ITransformer model, DataViewSchema? inputSchema, string filePath, Func<Stream, Stream>? wrapStream = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        string full = Path.GetFullPath(filePath);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        // Write next to the target and rename, so a crash never leaves a half-written model under the final name.
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Stream target = wrapStream is null ? file : wrapStream(file);
                Write(model, inputSchema, target);
                target.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    public static ITransformer Read(Stream stream, string fileName, out DataViewSchema? inputSchema)
    {
        try
        {
            return ReadArchive(stream, fileName, out inputSchema);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("Model file", StringComparison.Ordinal))
        {
            // The zip layer's own complaints (a corrupt entry header, an unknown compression method, a bad CRC) say
            // nothing of which file: name it, as every other refusal does.
            throw new InvalidDataException($"Model file '{fileName}': {e.Message}", e);
        }
    }

    private static ITransformer ReadArchive(Stream stream, string fileName, out DataViewSchema? inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Model file '{fileName}' is not a zip archive: {e.Message}", e);
        }
        using (archive)
        {
            var manifestEntry = archive.GetEntry(ManifestName)
                ?? throw new InvalidDataException($"Model file '{fileName}' has no {ManifestName}.");
            JsonObject manifest;
            try
            {
                using var s = manifestEntry.Open();
                using var buffer = new MemoryStream();
                s.CopyTo(buffer);
                // JsonNode decodes strings lazily, so invalid UTF-8 would surface later as InvalidOperationException.
                if (!System.Text.Unicode.Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
                    throw new InvalidDataException($"Model file '{fileName}': {ManifestName} is not valid UTF-8.");
                manifest = JsonNode.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) as JsonObject ?? throw new InvalidDataException($"Model file '{fileName}': {ManifestName} is not a JSON object.");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Model file '{fileName}': {ManifestName} is not valid JSON: {e.Message}", e);
            }

            try
            {
                ModelJson.CheckProperties(manifest, ManifestName, "format", "formatVersion", "libraryVersion", "inputSchema", "model");
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"Model file '{fileName}': {e.Message}.", e);
            }
            string format = manifest["format"] is JsonValue fv && fv.TryGetValue(out string? f) ? f : "";
            if (format != FormatName)
                throw new InvalidDataException($"Model file '{fileName}': {ManifestName} does not describe a {FormatName} (format is '{format}').");
            if (manifest["formatVersion"] is not JsonValue vv || !vv.TryGetValue(out int version))
                throw new InvalidDataException($"Model file '{fileName}': {ManifestName} has no integer formatVersion.");
            if (version != FormatVersion)
                throw new InvalidDataException($"Model file '{fileName}': unsupported format version {version} (this library reads version {FormatVersion}).");

            try
            {
                inputSchema = manifest["inputSchema"] == null ? null : ModelJson.ReadSchema(manifest["inputSchema"]);
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"Model file '{fileName}': {e.Message}.", e);
            }
            catch (InvalidCastException e)
            {
                throw new InvalidDataException($"Model file '{fileName}': input schema is malformed: {e.Message}", e);
            }

            if (manifest["model"] is not JsonObject model)
                throw new InvalidDataException($"Model file '{fileName}': {ManifestName} has no model.");
            CheckArchiveEntries(archive, model, fileName);
            try
            {
                return ModelLoadContext.LoadComponent(archive, fileName, "model", model);
            }
            catch (InvalidDataException e) when (!e.Message.StartsWith("Model file", StringComparison.Ordinal))
            {
                // A corrupt compressed entry: name the file.
                throw new InvalidDataException($"Model file '{fileName}': {e.Message}", e);
            }
        }
    }

    /// <summary>Every file of the archive must be the manifest or an entry listed by a component, under that component's directory.</summary>
    private static void CheckArchiveEntries(ZipArchive archive, JsonObject model, string fileName)
    {
        var listed = new HashSet<string>(StringComparer.Ordinal) { ManifestName };
        void Collect(JsonObject node, string directory)
        {
            if (node["entries"] is JsonObject entries)
            {
                foreach (var (name, value) in entries)
                {
                    string expected = directory + name;
                    if (value is not JsonValue v || !v.TryGetValue(out string? path) || path != expected)
                        throw new InvalidDataException($"Model file '{fileName}': entry '{name}' of stage '{directory.TrimEnd('/')}' must be stored at '{expected}'.");
                    if (archive.GetEntry(path) == null)
                        throw new InvalidDataException($"Model file '{fileName}': entry '{path}' is listed in the manifest but missing from the archive.");
                    listed.Add(path);
                }
            }
            else if (node["entries"] != null)
            {
                throw new InvalidDataException($"Model file '{fileName}': the entries of stage '{directory.TrimEnd('/')}' must be an object.");
            }
            if (node["children"] is JsonObject children)
            {
                foreach (var (name, child) in children)
                {
                    if (child is not JsonObject c)
                        throw new InvalidDataException($"Model file '{fileName}': stage '{directory + name}' must be an object.");
                    Collect(c, directory + name + "/");
                }
            }
            else if (node["children"] != null)
            {
                throw new InvalidDataException($"Model file '{fileName}': the children of stage '{directory.TrimEnd('/')}' must be an object.");
            }
        }
        Collect(model, RootDirectory);
        foreach (var entry in archive.Entries)
            if (!listed.Contains(entry.FullName))
                throw new InvalidDataException($"Model file '{fileName}': unexpected entry '{entry.FullName}' not described by the manifest.");
    }

    public static ITransformer Read(string filePath, out DataViewSchema? inputSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using var file = File.OpenRead(filePath);
        return Read(file, filePath, out inputSchema);
    }
}
