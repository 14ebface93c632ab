using System.Text.Json;
using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// A <c>.safetensors</c> file opened for reading tensor by tensor: the header is checked against
/// the file (a truncated file, damaged header or unsupported dtype is named before any weight is
/// read), and each tensor is read straight into its destination (<see cref="TensorReader"/>; when
/// the dtype or device differs, through a temporary of at most <see cref="SliceBytes"/>).
/// </summary>
public sealed class SafetensorsFile : IWeightFile
{
    /// <summary>Largest piece read (and cast) at once, unless <see cref="Open(string, long)"/> is given another.</summary>
    public const long SliceBytes = 64L << 20;

    private static readonly Dictionary<string, ScalarType> Types = new()
    {
        ["F64"] = ScalarType.Float64, ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16, ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32, ["I16"] = ScalarType.Int16, ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte, ["BOOL"] = ScalarType.Bool,
    };

    private readonly TensorReader reader;
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    private sealed record Entry(ScalarType Type, int ElementSize, long[] Shape, long Offset);

    private SafetensorsFile(TensorReader reader) => this.reader = reader;

    /// <inheritdoc/>
    public string Path => reader.Path;

    /// <summary>Tensor keys in header order.</summary>
    public IReadOnlyCollection<string> Keys => entries.Keys;

    /// <summary>Opens <paramref name="path"/> and checks its header against its length.</summary>
    /// <exception cref="ModelLoadException">Truncated file, damaged header, unsupported dtype.</exception>
    public static SafetensorsFile Open(string path) => Open(path, SliceBytes);

    /// <summary>Opens <paramref name="path"/>, reading at most <paramref name="sliceBytes"/> at once (at least one row of a tensor).</summary>
    /// <inheritdoc cref="Open(string)" path="/exception"/>
    public static SafetensorsFile Open(string path, long sliceBytes)
    {
        var file = new SafetensorsFile(TensorReader.Open(path, sliceBytes));
        try
        {
            file.ReadHeader();
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private void ReadHeader()
    {
        long length = reader.Length;
        var lenBytes = new byte[8];
        if (length < 8)
            throw new ModelLoadException($"{Path}: truncated (no safetensors header).");
        reader.ReadExactly(lenBytes, 0);
        ulong headerLength = BitConverter.ToUInt64(lenBytes);
        if (headerLength > (ulong)(length - 8))
            throw new ModelLoadException($"{Path}: truncated or not a safetensors file (header of {headerLength} bytes, file has {length}).");
        // The format caps its header at 100 MB; a larger length field is damage, not a header to allocate.
        if (headerLength > 100_000_000)
            throw new ModelLoadException($"{Path}: damaged safetensors header (length field {headerLength} bytes, the format allows 100 MB).");
        var header = new byte[headerLength];
        reader.ReadExactly(header, 8);
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(header);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{Path}: damaged safetensors header ({e.Message}).");
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new ModelLoadException($"{Path}: damaged safetensors header (a JSON {root.ValueKind.ToString().ToLowerInvariant()}, expected an object of tensors).");
        long dataStart = 8 + (long)headerLength, dataLength = length - dataStart;
        foreach (var entry in root.EnumerateObject())
        {
            if (entry.Name == "__metadata__") continue;
            string dtype;
            long[] shape, offsets;
            try
            {
                dtype = entry.Value.GetProperty("dtype").GetString() ?? throw new InvalidOperationException("null dtype");
                shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new ModelLoadException($"{Path}: damaged safetensors header entry '{entry.Name}'.");
            }
            if (!Types.TryGetValue(dtype, out var type))
                throw new ModelLoadException($"{Path}: tensor '{entry.Name}' has unsupported dtype {dtype}.");
            int size = TensorReader.ElementSize(type)!.Value;
            long bytes = shape.Aggregate(1L, (a, b) => a * b) * size;
            if (offsets.Length != 2 || offsets[1] - offsets[0] != bytes || offsets[0] < 0)
                throw new ModelLoadException($"{Path}: tensor '{entry.Name}': data offsets do not match shape {WeightFiles.Shape(shape)} of {dtype}.");
            if (offsets[1] > dataLength)
                throw new ModelLoadException($"{Path}: truncated: tensor '{entry.Name}' ends at byte {offsets[1]} of the data, the file holds {dataLength}.");
            entries[entry.Name] = new Entry(type, size, shape, dataStart + offsets[0]);
        }
    }

    /// <inheritdoc/>
    public StoredTensor Tensor(string key)
    {
        var e = entries[key];
        return new StoredTensor(Path, key, e.Shape, e.Type, target => ReadInto(e, target));
    }

    /// <summary>Reads tensor <paramref name="key"/> whole, in the file's dtype, on the CPU; the caller disposes it.</summary>
    public Tensor Read(string key) => Tensor(key).Read();

    private void ReadInto(Entry e, Tensor target) => reader.ReadInto(e.Type, e.ElementSize, e.Shape, e.Offset, target);

    /// <inheritdoc/>
    public void Dispose() => reader.Dispose();
}
