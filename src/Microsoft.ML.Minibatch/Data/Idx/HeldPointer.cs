using System.Runtime.InteropServices;

namespace Microsoft.ML.Minibatch.Data;

/// <summary>
/// The address of a memory map's view, held for the length of a <c>using</c> block. The view's handle counts the hold,
/// so disposing the map cannot unmap the pages under a reader, and a hold taken after the map is disposed throws
/// <see cref="ObjectDisposedException"/> instead of reading unmapped memory.
/// </summary>
internal readonly unsafe ref struct HeldPointer
{
    private readonly SafeBuffer _buffer;

    /// <exception cref="ObjectDisposedException">The map has been disposed.</exception>
    public HeldPointer(SafeBuffer buffer)
    {
        byte* start = null;
        buffer.AcquirePointer(ref start);
        _buffer = buffer;
        Start = start;
    }

    /// <summary>The first byte of the view.</summary>
    public byte* Start { get; }

    /// <summary>Releases the hold.</summary>
    public void Dispose() => _buffer.ReleasePointer();
}
