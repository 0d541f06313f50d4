using System.Linq.Expressions;
using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Binds the public fields and properties of a class to columns, in both directions.</summary>
internal static class TypeMapping
{
    public static DataViewType InferColumnType(MemberInfo member, Type memberType)
    {
        var keyAttribute = member.GetCustomAttribute<KeyTypeAttribute>();
        var vectorAttribute = member.GetCustomAttribute<VectorTypeAttribute>();
        bool isVector = memberType.IsArray || IsVBuffer(memberType);
        var itemClr = memberType.IsArray ? memberType.GetElementType()! : IsVBuffer(memberType) ? memberType.GetGenericArguments()[0] : memberType;

        PrimitiveDataViewType item;
        if (keyAttribute != null)
        {
            if (!KeyDataViewType.IsValidDataType(itemClr))
                throw new InvalidOperationException($"Member {member.Name} has [KeyType] but its type {itemClr.Name} is not byte, ushort, uint or ulong.");
            ulong count = keyAttribute.KeyCount ?? (itemClr == typeof(byte) ? byte.MaxValue : itemClr == typeof(ushort) ? ushort.MaxValue
                : itemClr == typeof(uint) ? uint.MaxValue : ulong.MaxValue);
            item = new KeyDataViewType(itemClr, count);
        }
        else
        {
            item = PrimitiveFromClr(itemClr)
                ?? throw new ArgumentOutOfRangeException("rawType", $"Could not determine an IDataView type for member {member.Name}");
        }
        if (!isVector)
        {
            if (vectorAttribute != null)
                throw new InvalidOperationException($"Member {member.Name} has [VectorType] but is not an array.");
            return item;
        }
        var dims = vectorAttribute == null || vectorAttribute.Dimensions.IsEmpty ? new[] { 0 } : vectorAttribute.Dimensions.ToArray();
        return new VectorDataViewType(item, dims);
    }

    private static bool IsVBuffer(Type t) => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(VBuffer<>);

    private static PrimitiveDataViewType? PrimitiveFromClr(Type t)
    {
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>)) return TextDataViewType.Instance;
        if (t == typeof(bool)) return BooleanDataViewType.Instance;
        if (t == typeof(DataViewRowId)) return RowIdDataViewType.Instance;
        return NumberDataViewType.FromType(t);
    }

    /// <summary>The column definitions of <paramref name="type"/>, completed with member information.</summary>
    public static List<SchemaDefinition.Column> Resolve(Type type, SchemaDefinition? definition, SchemaDefinition.Direction direction)
    {
        var columns = definition?.ToList() ?? SchemaDefinition.Create(type, direction).ToList();
        foreach (var c in columns)
        {
            if (c.MemberInfo == null)
            {
                var member = (MemberInfo?)type.GetProperty(c.MemberName, BindingFlags.Public | BindingFlags.Instance)
                    ?? type.GetField(c.MemberName, BindingFlags.Public | BindingFlags.Instance)
                    ?? throw new ArgumentException($"Type {type.Name} has no public field or property '{c.MemberName}'.", nameof(definition));
                c.MemberInfo = member;
                c.MemberType = member is PropertyInfo p ? p.PropertyType : ((FieldInfo)member).FieldType;
            }
            c.ColumnType ??= InferColumnType(c.MemberInfo, c.MemberType!);
        }
        return columns;
    }

    public static MemberBinding Bind(SchemaDefinition.Column column)
    {
        var memberType = column.MemberType!;
        var type = column.ColumnType!;
        var raw = type.RawType;
        Type bindingType;
        if (type is VectorDataViewType vt)
        {
            var itemRaw = vt.ItemType.RawType;
            if (memberType == raw) bindingType = typeof(VBufferBinding<>).MakeGenericType(itemRaw);
            else if (memberType == typeof(string[]) && itemRaw == typeof(ReadOnlyMemory<char>)) bindingType = typeof(TextArrayBinding);
            else if (memberType.IsArray && memberType.GetElementType() == itemRaw) bindingType = typeof(ArrayBinding<>).MakeGenericType(itemRaw);
            else throw Mismatch(column);
        }
        else if (memberType == raw) bindingType = typeof(ScalarBinding<>).MakeGenericType(raw);
        else if (memberType == typeof(string) && raw == typeof(ReadOnlyMemory<char>)) bindingType = typeof(TextBinding);
        else throw Mismatch(column);
        return (MemberBinding)Activator.CreateInstance(bindingType, column)!;
    }

    private static InvalidOperationException Mismatch(SchemaDefinition.Column column)
        => new($"Member '{column.MemberName}' of type {column.MemberType!.Name} cannot hold column '{column.ColumnName}' of type {column.ColumnType}.");

    /// <summary>Whether values of a data view column of type <paramref name="actual"/> can be stored in the member bound to <paramref name="declared"/>.</summary>
    public static bool IsCompatible(DataViewType declared, DataViewType actual)
    {
        if (declared is VectorDataViewType dv)
        {
            if (actual is not VectorDataViewType av || av.ItemType.RawType != dv.ItemType.RawType) return false;
            return !dv.IsKnownSize || dv.Size == av.Size;
        }
        return actual is not VectorDataViewType && actual.RawType == declared.RawType;
    }

    public static Func<object, T> CompileGetter<T>(MemberInfo member)
    {
        var obj = Expression.Parameter(typeof(object), "obj");
        var access = Expression.MakeMemberAccess(Expression.Convert(obj, member.DeclaringType!), member);
        return Expression.Lambda<Func<object, T>>(access, obj).Compile();
    }

    public static Action<object, T> CompileSetter<T>(MemberInfo member)
    {
        var obj = Expression.Parameter(typeof(object), "obj");
        var value = Expression.Parameter(typeof(T), "value");
        var access = Expression.MakeMemberAccess(Expression.Convert(obj, member.DeclaringType!), member);
        return Expression.Lambda<Action<object, T>>(Expression.Assign(access, value), obj, value).Compile();
    }
}

/// <summary>Moves values between one member and one column.</summary>
internal abstract class MemberBinding
{
    protected MemberBinding(SchemaDefinition.Column column)
    {
        Column = column;
    }

    public SchemaDefinition.Column Column { get; }

    public string ColumnName => Column.ColumnName;

    public DataViewType ColumnType => Column.ColumnType!;

    /// <summary>A <c>ValueGetter&lt;TRaw&gt;</c> reading the member of the object returned by <paramref name="current"/>.</summary>
    public abstract Delegate MakeGetter(Func<object?> current);

    /// <summary>An action copying the current value of <paramref name="column"/> in <paramref name="row"/> into an object's member.</summary>
    public abstract Action<object> MakeFiller(DataViewRow row, DataViewSchema.Column column);

    protected static object Current(Func<object?> current)
        => current() ?? throw new InvalidOperationException("The cursor is not positioned on a row.");
}

internal sealed class ScalarBinding<T> : MemberBinding
{
    private readonly Func<object, T> _get;
    private readonly Lazy<Action<object, T>> _set;

    public ScalarBinding(SchemaDefinition.Column column) : base(column)
    {
        _get = TypeMapping.CompileGetter<T>(column.MemberInfo!);
        _set = new(() => TypeMapping.CompileSetter<T>(column.MemberInfo!));
    }

    public override Delegate MakeGetter(Func<object?> current)
        => (ValueGetter<T>)((ref T dst) => dst = _get(Current(current)));

    public override Action<object> MakeFiller(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        var set = _set.Value;
        return obj =>
        {
            T value = default!;
            getter(ref value);
            set(obj, value);
        };
    }
}

internal sealed class TextBinding : MemberBinding
{
    private readonly Func<object, string?> _get;
    private readonly Lazy<Action<object, string?>> _set;

    public TextBinding(SchemaDefinition.Column column) : base(column)
    {
        _get = TypeMapping.CompileGetter<string?>(column.MemberInfo!);
        _set = new(() => TypeMapping.CompileSetter<string?>(column.MemberInfo!));
    }

    public override Delegate MakeGetter(Func<object?> current)
        => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> dst) => dst = (_get(Current(current)) ?? "").AsMemory());

    public override Action<object> MakeFiller(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<ReadOnlyMemory<char>>(column);
        var set = _set.Value;
        return obj =>
        {
            ReadOnlyMemory<char> value = default;
            getter(ref value);
            set(obj, value.ToString());
        };
    }
}

internal sealed class ArrayBinding<T> : MemberBinding
{
    private readonly Func<object, T[]?> _get;
    private readonly Lazy<Action<object, T[]?>> _set;
    private readonly int _size;

    public ArrayBinding(SchemaDefinition.Column column) : base(column)
    {
        _get = TypeMapping.CompileGetter<T[]?>(column.MemberInfo!);
        _set = new(() => TypeMapping.CompileSetter<T[]?>(column.MemberInfo!));
        _size = ((VectorDataViewType)column.ColumnType!).Size;
    }

    public override Delegate MakeGetter(Func<object?> current)
        => (ValueGetter<VBuffer<T>>)((ref VBuffer<T> dst) =>
        {
            var array = _get(Current(current)) ?? Array.Empty<T>();
            if (_size > 0 && array.Length != _size)
                throw new InvalidOperationException($"Column '{ColumnName}' is a vector of size {_size}, but member '{Column.MemberName}' holds {array.Length} values.");
            VBuffer<T>.Copy(array, 0, ref dst, array.Length);
        });

    public override Action<object> MakeFiller(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        var get = _get;
        var set = _set.Value;
        VBuffer<T> buffer = default;
        return obj =>
        {
            getter(ref buffer);
            // Reuse the object's array when it already has the right length (reused row objects).
            var array = get(obj);
            if (array == null || array.Length != buffer.Length)
                array = new T[buffer.Length];
            buffer.CopyTo(array);
            set(obj, array);
        };
    }
}

internal sealed class TextArrayBinding : MemberBinding
{
    private readonly Func<object, string[]?> _get;
    private readonly Lazy<Action<object, string[]?>> _set;
    private readonly int _size;

    public TextArrayBinding(SchemaDefinition.Column column) : base(column)
    {
        _get = TypeMapping.CompileGetter<string[]?>(column.MemberInfo!);
        _set = new(() => TypeMapping.CompileSetter<string[]?>(column.MemberInfo!));
        _size = ((VectorDataViewType)column.ColumnType!).Size;
    }

    public override Delegate MakeGetter(Func<object?> current)
        => (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> dst) =>
        {
            var array = _get(Current(current)) ?? Array.Empty<string>();
            if (_size > 0 && array.Length != _size)
                throw new InvalidOperationException($"Column '{ColumnName}' is a vector of size {_size}, but member '{Column.MemberName}' holds {array.Length} values.");
            var editor = VBufferEditor.Create(ref dst, array.Length);
            for (int i = 0; i < array.Length; i++)
                editor.Values[i] = (array[i] ?? "").AsMemory();
            dst = editor.Commit();
        });

    public override Action<object> MakeFiller(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
        var set = _set.Value;
        VBuffer<ReadOnlyMemory<char>> buffer = default;
        return obj =>
        {
            getter(ref buffer);
            set(obj, buffer.DenseValues().Select(m => m.ToString()).ToArray());
        };
    }
}

internal sealed class VBufferBinding<T> : MemberBinding
{
    private readonly Func<object, VBuffer<T>> _get;
    private readonly Lazy<Action<object, VBuffer<T>>> _set;

    public VBufferBinding(SchemaDefinition.Column column) : base(column)
    {
        _get = TypeMapping.CompileGetter<VBuffer<T>>(column.MemberInfo!);
        _set = new(() => TypeMapping.CompileSetter<VBuffer<T>>(column.MemberInfo!));
    }

    public override Delegate MakeGetter(Func<object?> current)
        => (ValueGetter<VBuffer<T>>)((ref VBuffer<T> dst) => _get(Current(current)).CopyTo(ref dst));

    public override Action<object> MakeFiller(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        var set = _set.Value;
        return obj =>
        {
            VBuffer<T> value = default;
            getter(ref value);
            set(obj, value);
        };
    }
}
