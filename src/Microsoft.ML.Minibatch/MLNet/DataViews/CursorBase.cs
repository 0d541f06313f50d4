using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Common bookkeeping of our cursors: schema, active columns, position and getter checks.</summary>
internal abstract class CursorBase : DataViewRowCursor
{
    private readonly bool[] _active;
    private bool _disposed;

    protected CursorBase(DataViewSchema schema, IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        Schema = schema;
        _active = ActiveFlags(schema, columnsNeeded);
    }

    public static bool[] ActiveFlags(DataViewSchema schema, IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var active = new bool[schema.Count];
        foreach (var c in columnsNeeded)
        {
            if ((uint)c.Index >= (uint)active.Length || schema[c.Index].Name != c.Name)
                throw new ArgumentOutOfRangeException(nameof(columnsNeeded), $"Column '{c.Name}' (index {c.Index}) does not belong to this schema.");
            active[c.Index] = true;
        }
        return active;
    }

    public override DataViewSchema Schema { get; }

    public override long Position => PositionCore;

    protected long PositionCore { get; set; } = -1;

    public override long Batch => 0;

    protected bool Done { get; private set; }

    public override bool IsColumnActive(DataViewSchema.Column column)
        => (uint)column.Index < (uint)_active.Length && _active[column.Index];

    public override ValueGetter<DataViewRowId> GetIdGetter()
        => (ref DataViewRowId id) => id = new DataViewRowId((ulong)CurrentRowId, 0);

    /// <summary>The stable identifier of the current row (its index in the source by default).</summary>
    protected virtual long CurrentRowId => PositionCore;

    public override bool MoveNext()
    {
        if (Done || _disposed) return false;
        if (MoveNextCore())
        {
            PositionCore++;
            return true;
        }
        Done = true;
        return false;
    }

    protected abstract bool MoveNextCore();

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        CheckGetter<TValue>(column);
        return (ValueGetter<TValue>)GetGetterCore(column);
    }

    protected void CheckGetter<TValue>(DataViewSchema.Column column)
    {
        if (!IsColumnActive(column))
            throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
        var type = Schema[column.Index].Type;
        if (typeof(TValue) != type.RawType)
            throw new InvalidOperationException($"Invalid TValue in GetGetter: '{typeof(TValue)}', expected type: '{type.RawType}'.");
    }

    /// <summary>Returns a <c>ValueGetter&lt;RawType&gt;</c> for an active column.</summary>
    protected abstract Delegate GetGetterCore(DataViewSchema.Column column);

    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (disposing) DisposeCore();
        base.Dispose(disposing);
    }

    protected virtual void DisposeCore()
    {
    }

    protected void EnsurePositioned()
    {
        if (PositionCore < 0 || Done)
            throw new InvalidOperationException("The cursor is not positioned on a row.");
    }
}
