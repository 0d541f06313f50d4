namespace Microsoft.ML.Minibatch;

/// <summary>
/// Appends rows to a file through a buffer of its own, so that only <see cref="Write"/> and <see cref="Flush"/> touch
/// the disk: a failed write (a full disk) surfaces there, once, where the caller can say what failed, and closing the
/// file never writes. (A buffered <see cref="FileStream"/> would try the failed write again as it closes and throw a
/// second, bare error in place of the first.)
/// </summary>
internal sealed class RowFileWriter : IDisposable
{
    private readonly byte[] _buffer = new byte[1 << 20];
    private int _used;

    /// <summary>Writes to <paramref name="file"/>, which must be unbuffered (opened with a buffer size of 0) and which
    /// the writer closes.</summary>
    public RowFileWriter(FileStream file) => File = file;

    /// <summary>The file, for mapping once flushed and for writing at other positions.</summary>
    public FileStream File { get; }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            if (_used == _buffer.Length) Flush();
            int take = Math.Min(bytes.Length, _buffer.Length - _used);
            bytes[..take].CopyTo(_buffer.AsSpan(_used));
            _used += take;
            bytes = bytes[take..];
        }
    }

    /// <summary>Writes what the buffer holds; on failure the buffer is dropped, so nothing is written twice.</summary>
    public void Flush()
    {
        int used = _used;
        _used = 0;
        File.Write(_buffer, 0, used);
    }

    public void Dispose() => File.Dispose();
}
