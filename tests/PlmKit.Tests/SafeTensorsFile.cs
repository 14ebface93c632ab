using System.Buffers.Binary;
using System.Text.Json;

namespace PlmKit.Tests;

/// <summary>
/// Minimal reader of <c>.safetensors</c> files for tests (u64 little-endian header length, a JSON
/// header mapping names to dtype/shape/byte offsets, then the raw little-endian data). Enough
/// for the golden references (F32, I64, I8, U8); reads the whole file into memory.
/// </summary>
public sealed class SafeTensorsFile
{
    private readonly byte[] _bytes;
    private readonly long _dataStart;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed record Entry(string DType, int[] Shape, long Begin, long End);

    /// <summary>Path the file was read from.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensor names in the file.</summary>
    public IReadOnlyCollection<string> Keys => _entries.Keys;

    private SafeTensorsFile(string path, byte[] bytes)
    {
        Path = path;
        _bytes = bytes;
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        _dataStart = 8 + headerLength;
        var metadata = new Dictionary<string, string>();
        using var json = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        foreach (var property in json.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                foreach (var m in property.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                continue;
            }
            var offsets = property.Value.GetProperty("data_offsets");
            _entries[property.Name] = new Entry(
                property.Value.GetProperty("dtype").GetString()!,
                property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                offsets[0].GetInt64(),
                offsets[1].GetInt64());
        }
        Metadata = metadata;
    }

    /// <summary>Reads <paramref name="path"/>.</summary>
    public static SafeTensorsFile Open(string path) => new(path, File.ReadAllBytes(path));

    /// <summary>Whether a tensor called <paramref name="key"/> exists.</summary>
    public bool Contains(string key) => _entries.ContainsKey(key);

    /// <summary>Shape of <paramref name="key"/>.</summary>
    public int[] Shape(string key) => Get(key).Shape;

    /// <summary>Dtype string of <paramref name="key"/> (F32, I64, I8, U8, ...).</summary>
    public string DType(string key) => Get(key).DType;

    /// <summary>Values of <paramref name="key"/> as floats (F32 as is; I8, U8 and I64 converted).</summary>
    public float[] Floats(string key)
    {
        var e = Get(key);
        var raw = _bytes.AsSpan((int)(_dataStart + e.Begin), (int)(e.End - e.Begin));
        return e.DType switch
        {
            "F32" => ReadF32(raw),
            "I8" => raw.ToArray().Select(b => (float)(sbyte)b).ToArray(),
            "U8" => raw.ToArray().Select(b => (float)b).ToArray(),
            "I64" => Int64(key).Select(v => (float)v).ToArray(),
            _ => throw new NotSupportedException($"{Path}: {key} has dtype {e.DType}"),
        };
    }

    private static float[] ReadF32(ReadOnlySpan<byte> raw)
    {
        var values = new float[raw.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(4 * i, 4));
        return values;
    }

    /// <summary>Values of an I64 tensor.</summary>
    public long[] Int64(string key)
    {
        var e = Get(key);
        if (e.DType != "I64") throw new NotSupportedException($"{Path}: {key} has dtype {e.DType}, not I64");
        var raw = _bytes.AsSpan((int)(_dataStart + e.Begin), (int)(e.End - e.Begin));
        var values = new long[raw.Length / 8];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(8 * i, 8));
        return values;
    }

    private Entry Get(string key) =>
        _entries.TryGetValue(key, out var e) ? e : throw new KeyNotFoundException($"{Path}: no tensor '{key}'");
}
