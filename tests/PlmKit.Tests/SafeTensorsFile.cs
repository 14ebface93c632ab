using System.Buffers.Binary;
using System.Text.Json;

namespace PlmKit.Tests;

/// <summary>
/// Minimal safetensors reader for tests: u64-LE header length, JSON header, raw little-endian
/// tensors. Converts F32, F64, U8, I8 and I64 to double.
/// </summary>
public sealed class SafeTensorsFile
{
    private readonly byte[] _bytes;
    private readonly long _dataStart;
    private readonly Dictionary<string, (string Dtype, long[] Shape, long Begin, long End)> _entries = new();

    /// <summary>Reads the whole file.</summary>
    public SafeTensorsFile(string path)
    {
        _bytes = File.ReadAllBytes(path);
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(_bytes);
        _dataStart = 8 + headerLength;
        using var doc = JsonDocument.Parse(_bytes.AsMemory(8, (int)headerLength));
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__") continue;
            var shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            _entries[p.Name] = (p.Value.GetProperty("dtype").GetString()!, shape, offsets[0], offsets[1]);
        }
    }

    /// <summary>Tensor names.</summary>
    public IEnumerable<string> Keys => _entries.Keys;

    /// <summary>Shape of a tensor.</summary>
    public long[] Shape(string key) => _entries[key].Shape;

    /// <summary>All values of a tensor as double, row-major.</summary>
    public double[] ToDoubles(string key)
    {
        var (dtype, _, begin, end) = _entries[key];
        var span = _bytes.AsSpan((int)(_dataStart + begin), (int)(end - begin));
        return dtype switch
        {
            "F32" => Enumerable.Range(0, span.Length / 4).Select(i => (double)BinaryPrimitives.ReadSingleLittleEndian(_bytes.AsSpan((int)(_dataStart + begin) + 4 * i))).ToArray(),
            "F64" => Enumerable.Range(0, span.Length / 8).Select(i => BinaryPrimitives.ReadDoubleLittleEndian(_bytes.AsSpan((int)(_dataStart + begin) + 8 * i))).ToArray(),
            "I64" => Enumerable.Range(0, span.Length / 8).Select(i => (double)BinaryPrimitives.ReadInt64LittleEndian(_bytes.AsSpan((int)(_dataStart + begin) + 8 * i))).ToArray(),
            "U8" => span.ToArray().Select(b => (double)b).ToArray(),
            "I8" => span.ToArray().Select(b => (double)(sbyte)b).ToArray(),
            _ => throw new NotSupportedException($"dtype {dtype}"),
        };
    }
}
