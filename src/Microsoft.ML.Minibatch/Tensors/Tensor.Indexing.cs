namespace Microsoft.ML.Minibatch.Tensors;

public partial class Tensor
{
    /// <summary>
    /// For each row i of a 2-dimensional tensor, the element in column <paramref name="columns"/>[i]
    /// (PyTorch's <c>x[range(n), columns]</c>, i.e. <c>x.gather(1, columns[:, None]).squeeze(1)</c>).
    /// </summary>
    /// <param name="columns">One column index per row.</param>
    /// <exception cref="ArgumentException">The number of indices differs from the number of rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, columns).</exception>
    public Tensor Pick(IntTensor columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (Rank != 2 || columns.Rank != 1 || columns.ElementCount != _shape[0])
        {
            throw new ArgumentException(
                $"Shapes {ShapeString} and {columns.ShapeString} do not match for Pick (expected [n, c] and [n]).", nameof(columns));
        }
        int rows = _shape[0], cols = _shape[1];
        var index = columns.AsSpan();
        var x = Values;
        var result = Empty([rows]);
        var y = result.AsSpan();
        for (int i = 0; i < rows; i++)
        {
            int c = index[i];
            if ((uint)c >= (uint)cols) throw IndexOutOfBounds(nameof(columns), c, cols);
            y[i] = x[i * cols + c];
        }
        if (Autograd.ShouldRecord(this)) Autograd.Record(result, new PickNode(this, result, columns.ToArray()));
        return result;
    }

    /// <summary>
    /// The entries of the first dimension listed in <paramref name="indices"/>, in that order, as a new tensor
    /// (PyTorch's <c>x[indices]</c> / <c>index_select(0, indices)</c>); used to gather a minibatch by index.
    /// </summary>
    /// <param name="indices">Row indices into the first dimension.</param>
    public Tensor IndexSelect(IntTensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (Rank == 0) throw new InvalidOperationException("IndexSelect needs a tensor with at least one dimension.");
        var shape = (int[])_shape.Clone();
        shape[0] = indices.ElementCount;
        var result = Empty(shape);
        int rowSize = _shape[0] == 0 ? 0 : _length / _shape[0];
        var src = Values;
        var dest = result.AsSpan();
        var index = indices.AsSpan();
        for (int i = 0; i < index.Length; i++)
        {
            int r = index[i];
            if ((uint)r >= (uint)_shape[0]) throw IndexOutOfBounds(nameof(indices), r, _shape[0]);
            src.Slice(r * rowSize, rowSize).CopyTo(dest.Slice(i * rowSize, rowSize));
        }
        if (Autograd.ShouldRecord(this)) Autograd.Record(result, new IndexSelectNode(this, result, indices.ToArray(), rowSize));
        return result;
    }

    internal static ArgumentOutOfRangeException IndexOutOfBounds(string paramName, int index, int size) =>
        new(paramName, index, $"Index {index} is out of bounds for a dimension of size {size}.");
}
