namespace Microsoft.ML;

/// <summary>Reads the current value of a column into <paramref name="value"/>, reusing its buffers when possible.</summary>
/// <typeparam name="TValue">The raw type of the column.</typeparam>
/// <param name="value">The destination.</param>
public delegate void ValueGetter<TValue>(ref TValue value);
