using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>JSON forms of types, values and schemas used in model manifests; readers throw <see cref="FormatException"/>.</summary>
internal static class ModelJson
{
    public static readonly JsonSerializerOptions SerializerOptions = new()
    {
        IncludeFields = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // A field this library does not know means a file it does not understand.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = false,
    };

    public static void CheckEntryName(string name, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, paramName);
        foreach (char c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
                throw new ArgumentException($"Entry name '{name}' may contain only letters, digits, '.', '-' and '_'.", paramName);
        if (name is "." or "..")
            throw new ArgumentException($"Entry name '{name}' is reserved.", paramName);
    }

    /// <summary>Throws <see cref="FormatException"/> if <paramref name="o"/> has a property outside <paramref name="allowed"/>.</summary>
    public static void CheckProperties(JsonObject o, string what, params string[] allowed)
    {
        foreach (var property in o)
            if (Array.IndexOf(allowed, property.Key) < 0)
                throw new FormatException($"{what} has an unknown property '{property.Key}'");
    }

    // ---- types ----

    public static JsonObject WriteType(DataViewType type) => type switch
    {
        NumberDataViewType n => new JsonObject { ["kind"] = "Number", ["raw"] = n.RawType.Name },
        TextDataViewType => new JsonObject { ["kind"] = "Text" },
        BooleanDataViewType => new JsonObject { ["kind"] = "Boolean" },
        RowIdDataViewType => new JsonObject { ["kind"] = "RowId" },
        KeyDataViewType k => new JsonObject { ["kind"] = "Key", ["raw"] = k.RawType.Name, ["count"] = k.Count },
        VectorDataViewType v => new JsonObject
        {
            ["kind"] = "Vector",
            ["item"] = WriteType(v.ItemType),
            ["dims"] = new JsonArray(v.Dimensions.Select(d => (JsonNode)d).ToArray()),
        },
        _ => throw new NotSupportedException($"Type {type} cannot be saved in a model file."),
    };

    public static DataViewType ReadType(JsonNode? node)
    {
        if (node is not JsonObject o) throw new FormatException("a type must be a JSON object");
        string kind = ReadString(o, "kind");
        switch (kind)
        {
            case "Number":
            {
                string raw = ReadString(o, "raw");
                var type = RawTypeByName(raw);
                return (type == null ? null : NumberDataViewType.FromType(type)) ?? throw new FormatException($"unknown number type '{raw}'");
            }
            case "Text": return TextDataViewType.Instance;
            case "Boolean": return BooleanDataViewType.Instance;
            case "RowId": return RowIdDataViewType.Instance;
            case "Key":
            {
                string raw = ReadString(o, "raw");
                var type = RawTypeByName(raw);
                if (type == null || !KeyDataViewType.IsValidDataType(type)) throw new FormatException($"invalid key raw type '{raw}'");
                ulong count = ReadULong(o, "count");
                try { return new KeyDataViewType(type, count); }
                catch (ArgumentException e) { throw new FormatException(e.Message); }
            }
            case "Vector":
            {
                var item = ReadType(o["item"]) as PrimitiveDataViewType ?? throw new FormatException("a vector item type must be primitive");
                if (o["dims"] is not JsonArray dims || dims.Count == 0) throw new FormatException("vector dims are missing");
                var d = dims.Select(x => x is JsonValue jv && jv.TryGetValue(out int i) && i >= 0 ? i : throw new FormatException("vector dims must be non-negative integers")).ToArray();
                try { return new VectorDataViewType(item, d); }
                catch (ArgumentException e) { throw new FormatException(e.Message); }
            }
            default:
                throw new FormatException($"unknown type kind '{kind}'");
        }
    }

    private static Type? RawTypeByName(string name) => name switch
    {
        "Single" => typeof(float), "Double" => typeof(double), "SByte" => typeof(sbyte), "Byte" => typeof(byte),
        "Int16" => typeof(short), "UInt16" => typeof(ushort), "Int32" => typeof(int), "UInt32" => typeof(uint),
        "Int64" => typeof(long), "UInt64" => typeof(ulong), _ => null,
    };

    public static string ReadString(JsonObject o, string property)
        => o[property] is JsonValue v && v.TryGetValue(out string? s) ? s : throw new FormatException($"'{property}' must be a string");

    public static ulong ReadULong(JsonObject o, string property)
        => o[property] is JsonValue v && v.TryGetValue(out ulong u) ? u : throw new FormatException($"'{property}' must be a non-negative integer");

    // ---- values ----

    public static bool CanWrite(DataViewType type)
        => type is NumberDataViewType or TextDataViewType or BooleanDataViewType or KeyDataViewType
            || type is VectorDataViewType v && CanWrite(v.ItemType);

    /// <summary>Writes a value whose raw type is that of <paramref name="type"/>.</summary>
    public static JsonNode? WriteValue(DataViewType type, object value)
    {
        if (type is VectorDataViewType vt)
        {
            var array = new JsonArray();
            foreach (var item in EnumerateVector(value))
                array.Add(WriteValue(vt.ItemType, item!));
            return array;
        }
        return value switch
        {
            float f => WriteDouble(f),
            double d => WriteDouble(d),
            ReadOnlyMemory<char> t => JsonValue.Create(t.ToString()),
            bool b => JsonValue.Create(b),
            sbyte x => JsonValue.Create(x), byte x => JsonValue.Create(x), short x => JsonValue.Create(x),
            ushort x => JsonValue.Create(x), int x => JsonValue.Create(x), uint x => JsonValue.Create(x),
            long x => JsonValue.Create(x), ulong x => JsonValue.Create(x),
            _ => throw new NotSupportedException($"Values of {type} cannot be saved in a model file."),
        };
    }

    private static JsonNode WriteDouble(double d)
        => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture));

    private static System.Collections.IEnumerable EnumerateVector(object value)
    {
        var method = value.GetType().GetMethod(nameof(VBuffer<int>.DenseValues))!;
        return (System.Collections.IEnumerable)method.Invoke(value, null)!;
    }

    /// <summary>Reads a value of <paramref name="type"/>, returned boxed as its raw type.</summary>
    public static object ReadValue(DataViewType type, JsonNode? node)
    {
        if (type is VectorDataViewType vt)
        {
            if (node is not JsonArray array) throw new FormatException($"a value of {type} must be an array");
            if (vt.IsKnownSize && array.Count != vt.Size) throw new FormatException($"a value of {type} must have {vt.Size} items, got {array.Count}");
            var items = Array.CreateInstance(vt.ItemType.RawType, array.Count);
            for (int i = 0; i < array.Count; i++)
                items.SetValue(ReadValue(vt.ItemType, array[i]), i);
            return Activator.CreateInstance(vt.RawType, array.Count, items, null)!;
        }
        if (node is not JsonValue v) throw new FormatException($"a value of {type} must be a JSON scalar");
        var raw = type.RawType;
        if (raw == typeof(ReadOnlyMemory<char>))
            return v.TryGetValue(out string? s) ? s.AsMemory() : throw new FormatException("a text value must be a string");
        if (raw == typeof(bool))
            return v.TryGetValue(out bool b) ? b : throw new FormatException("a boolean value must be true or false");
        if (raw == typeof(float) || raw == typeof(double))
        {
            double d;
            if (v.TryGetValue(out double dd)) d = dd;
            else if (v.TryGetValue(out string? text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && !double.IsFinite(parsed)) d = parsed;
            else if (v.TryGetValue(out string? nan) && nan == "NaN") d = double.NaN;
            else throw new FormatException("a floating-point value must be a number, NaN or Infinity");
            return raw == typeof(float) ? (object)(float)d : d;
        }
        try
        {
            var element = v.GetValue<JsonElement>();
            if (element.ValueKind != JsonValueKind.Number) throw new FormatException($"a value of {type} must be a number");
            object result = Type.GetTypeCode(raw) switch
            {
                TypeCode.SByte => element.GetSByte(), TypeCode.Byte => element.GetByte(),
                TypeCode.Int16 => element.GetInt16(), TypeCode.UInt16 => element.GetUInt16(),
                TypeCode.Int32 => element.GetInt32(), TypeCode.UInt32 => element.GetUInt32(),
                TypeCode.Int64 => element.GetInt64(), TypeCode.UInt64 => element.GetUInt64(),
                _ => throw new FormatException($"values of {type} cannot be read"),
            };
            if (type is KeyDataViewType key && Convert.ToUInt64(result, CultureInfo.InvariantCulture) > key.Count)
                throw new FormatException($"key value {result} exceeds the key count {key.Count}");
            return result;
        }
        catch (InvalidOperationException)
        {
            throw new FormatException($"a value of {type} must be a number");
        }
    }

    // ---- schemas ----

    public static JsonArray WriteSchema(DataViewSchema schema)
    {
        var columns = new JsonArray();
        foreach (var c in schema)
        {
            var o = new JsonObject { ["name"] = c.Name, ["type"] = WriteType(c.Type) };
            var annotations = WriteAnnotations(c.Annotations);
            if (annotations.Count > 0) o["annotations"] = annotations;
            columns.Add(o);
        }
        return columns;
    }

    public static JsonArray WriteAnnotations(DataViewSchema.Annotations annotations)
    {
        var result = new JsonArray();
        foreach (var a in annotations.Schema)
        {
            // Annotations of types a manifest cannot hold are dropped, as a text dump would.
            if (a.IsHidden || !CanWrite(a.Type)) continue;
            var value = GetAnnotationValue(annotations, a);
            result.Add(new JsonObject { ["kind"] = a.Name, ["type"] = WriteType(a.Type), ["value"] = WriteValue(a.Type, value) });
        }
        return result;
    }

    private static object GetAnnotationValue(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
    {
        var method = typeof(ModelJson).GetMethod(nameof(GetValueGeneric), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType);
        return method.Invoke(null, new object[] { annotations, column })!;
    }

    private static object GetValueGeneric<T>(DataViewSchema.Annotations annotations, DataViewSchema.Column column)
    {
        T value = default!;
        annotations.GetGetter<T>(column)(ref value);
        return value!;
    }

    public static DataViewSchema ReadSchema(JsonNode? node)
    {
        if (node is not JsonArray columns) throw new FormatException("the input schema must be an array of columns");
        var builder = new DataViewSchema.Builder();
        for (int i = 0; i < columns.Count; i++)
        {
            try
            {
                if (columns[i] is not JsonObject o) throw new FormatException("a column must be an object");
                string name = ReadString(o, "name");
                if (name.Length == 0) throw new FormatException("the column name is empty");
                var type = ReadType(o["type"]);
                builder.AddColumn(name, type, ReadAnnotations(o["annotations"]));
            }
            catch (FormatException e)
            {
                throw new FormatException($"input schema column {i}: {e.Message}");
            }
        }
        return builder.ToSchema();
    }

    public static DataViewSchema.Annotations ReadAnnotations(JsonNode? node)
    {
        if (node == null) return DataViewSchema.Annotations.Empty;
        if (node is not JsonArray array) throw new FormatException("annotations must be an array");
        var builder = new DataViewSchema.Annotations.Builder();
        foreach (var item in array)
        {
            if (item is not JsonObject o) throw new FormatException("an annotation must be an object");
            string kind = ReadString(o, "kind");
            var type = ReadType(o["type"]);
            var value = ReadValue(type, o["value"]);
            AddBoxed(builder, kind, type, value);
        }
        return builder.ToAnnotations();
    }

    public static void AddBoxed(DataViewSchema.Annotations.Builder builder, string kind, DataViewType type, object value)
    {
        var method = typeof(ModelJson).GetMethod(nameof(AddGeneric), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type.RawType);
        method.Invoke(null, new[] { builder, kind, type, value });
    }

    private static void AddGeneric<T>(DataViewSchema.Annotations.Builder builder, string kind, DataViewType type, object value)
        => builder.AddConstant(kind, type, (T)value);
}
