namespace Microsoft.ML.Minibatch.NN;

/// <summary>
/// One named float32 array of a state dict as it travels through <see cref="TorchSharpFormat"/>:
/// a key such as <c>0.weight</c>, a shape and the row-major values.
/// </summary>
/// <remarks>The codec works on these plain entries so it needs nothing from the tensor engine.</remarks>
internal sealed class StateDictEntry
{
    /// <summary>Creates an entry, checking that <paramref name="data"/> holds exactly the shape's element count.</summary>
    /// <param name="key">The state-dict key; must not be empty.</param>
    /// <param name="shape">Dimensions, each ≥ 0; empty for a scalar.</param>
    /// <param name="data">Row-major values.</param>
    public StateDictEntry(string key, int[] shape, float[] data)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (key.Length == 0)
            throw new ArgumentException("A state-dict key must not be empty.", nameof(key));
        if (shape.Length > TorchSharpFormat.MaxRank)
            throw new ArgumentException($"Entry '{key}' has rank {shape.Length}; at most {TorchSharpFormat.MaxRank} is supported.", nameof(shape));
        long count = TorchSharpFormat.ElementCount(shape);
        if (count < 0)
            throw new ArgumentException($"Entry '{key}' has a negative dimension in shape [{string.Join(", ", shape)}].", nameof(shape));
        if (count != data.Length)
            throw new ArgumentException($"Entry '{key}' has shape [{string.Join(", ", shape)}] ({count} elements) but {data.Length} values.", nameof(data));
        Key = key;
        Shape = shape;
        Data = data;
    }

    /// <summary>The state-dict key.</summary>
    public string Key { get; }

    /// <summary>The dimensions (empty for a scalar).</summary>
    public int[] Shape { get; }

    /// <summary>The row-major values.</summary>
    public float[] Data { get; }
}
