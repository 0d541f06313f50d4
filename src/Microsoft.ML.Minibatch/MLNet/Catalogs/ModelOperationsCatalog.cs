using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Saving and loading models, and prediction engines.</summary>
public sealed class ModelOperationsCatalog
{
    internal ModelOperationsCatalog(MLContext context)
    {
        Environment = context;
    }

    internal MLContext Environment { get; }

    /// <summary>Writes <paramref name="model"/> and the schema of its input to <paramref name="stream"/> as a model zip.</summary>
    /// <param name="model">The model (every component must support saving).</param>
    /// <param name="inputSchema">The schema of the data the model expects, or <see langword="null"/>.</param>
    /// <param name="stream">A writable stream.</param>
    public void Save(ITransformer model, DataViewSchema? inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("The stream must be writable.", nameof(stream));
        ModelFile.Write(model, inputSchema, stream);
    }

    /// <summary>
    /// Writes <paramref name="model"/> and the schema of its input to <paramref name="filePath"/> as a model zip, atomically:
    /// the file is written under a temporary name in the same directory and then renamed.
    /// </summary>
    /// <param name="model">The model (every component must support saving).</param>
    /// <param name="inputSchema">The schema of the data the model expects, or <see langword="null"/>.</param>
    /// <param name="filePath">The path of the model file.</param>
    public void Save(ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        ModelFile.Write(model, inputSchema, filePath);
    }

    /// <summary>Loads a model saved by <see cref="Save(ITransformer, DataViewSchema?, Stream)"/>; throws <see cref="InvalidDataException"/> for anything it does not understand.</summary>
    /// <param name="stream">A readable, seekable stream.</param>
    /// <param name="inputSchema">Receives the saved input schema (null if none was saved).</param>
    /// <returns>The model.</returns>
    public ITransformer Load(Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        string name = stream is FileStream fs ? fs.Name : "<stream>";
        var model = ModelFile.Read(stream, name, out var schema);
        inputSchema = schema!;
        return model;
    }

    /// <summary>Loads a model file; throws <see cref="InvalidDataException"/> naming the file for anything it does not understand.</summary>
    /// <param name="filePath">The model file.</param>
    /// <param name="inputSchema">Receives the saved input schema (null if none was saved).</param>
    /// <returns>The model.</returns>
    public ITransformer Load(string filePath, out DataViewSchema inputSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        var model = ModelFile.Read(filePath, out var schema);
        inputSchema = schema!;
        return model;
    }

    /// <summary>A single-threaded engine predicting one <typeparamref name="TDst"/> per <typeparamref name="TSrc"/>.</summary>
    /// <typeparam name="TSrc">The input class.</typeparam>
    /// <typeparam name="TDst">The output class.</typeparam>
    /// <param name="transformer">The model.</param>
    /// <param name="ignoreMissingColumns">Leave output members without a matching column untouched instead of throwing.</param>
    /// <param name="inputSchemaDefinition">Overrides the input mapping.</param>
    /// <param name="outputSchemaDefinition">Overrides the output mapping.</param>
    /// <returns>The engine (not thread-safe).</returns>
    public PredictionEngine<TSrc, TDst> CreatePredictionEngine<TSrc, TDst>(ITransformer transformer, bool ignoreMissingColumns = true,
        SchemaDefinition? inputSchemaDefinition = null, SchemaDefinition? outputSchemaDefinition = null)
        where TSrc : class
        where TDst : class, new()
    {
        ArgumentNullException.ThrowIfNull(transformer);
        return new PredictionEngine<TSrc, TDst>(transformer, ignoreMissingColumns, inputSchemaDefinition, outputSchemaDefinition);
    }
}
