using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// Positioned reads of a weight file's tensors straight into their destinations, shared by
/// <see cref="SafetensorsFile"/> and <see cref="PickleFile"/>: a tensor stored row-major is read
/// into the target's memory when dtype and device agree, else through a temporary of at most
/// the slice size, so loading never holds the whole file, a managed array, or a second copy of a weight.
/// </summary>
/// <remarks>
/// Positioned reads rather than a memory map: a mapped file's pages count in the process's
/// resident size as they are touched, which would hide the memory saved from the measured peak.
/// </remarks>
internal sealed class TensorReader : IDisposable
{
    private readonly SafeFileHandle handle;
    private readonly long sliceBytes;

    private TensorReader(string path, SafeFileHandle handle, long sliceBytes)
    {
        Path = path;
        this.handle = handle;
        this.sliceBytes = sliceBytes;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The file's length in bytes.</summary>
    public long Length => RandomAccess.GetLength(handle);

    /// <exception cref="ModelLoadException">The file cannot be opened.</exception>
    public static TensorReader Open(string path, long sliceBytes)
    {
        if (sliceBytes < 1) throw new ArgumentOutOfRangeException(nameof(sliceBytes), sliceBytes, "must be positive");
        try
        {
            return new TensorReader(path, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess), sliceBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path}: cannot be read ({e.Message})", e);
        }
    }

    /// <summary>Bytes per element of the dtypes weight files hold, or null for another dtype.</summary>
    public static int? ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => null,
    };

    /// <summary>Fills a buffer with the bytes from <paramref name="offset"/> on.</summary>
    public delegate void Fill(Span<byte> buffer, long offset);

    /// <summary>
    /// Reads a row-major tensor of <paramref name="shape"/> stored as <paramref name="type"/> at byte
    /// <paramref name="offset"/> into <paramref name="target"/> (same shape; cast to its dtype, moved to its device).
    /// </summary>
    public void ReadInto(ScalarType type, int elementSize, long[] shape, long offset, Tensor target) =>
        ReadInto(type, elementSize, shape, offset, target, ReadExactly, sliceBytes);

    /// <summary>
    /// <see cref="ReadInto(ScalarType, int, long[], long, Tensor)"/> from any source: <paramref name="fill"/> is
    /// called with consecutive pieces of at most <paramref name="sliceBytes"/> in order, so a sequential stream can serve it.
    /// </summary>
    public static void ReadInto(ScalarType type, int elementSize, long[] shape, long offset, Tensor target, Fill fill, long sliceBytes)
    {
        if (!target.shape.SequenceEqual(shape))
            throw new ArgumentException($"target shape {WeightFiles.Shape(target.shape)} differs from {WeightFiles.Shape(shape)}.");
        using var noGrad = no_grad();
        long rows = shape.Length == 0 ? 1 : shape[0];
        long rowBytes = rows == 0 ? 0 : shape.Skip(1).Aggregate((long)elementSize, (a, b) => a * b);
        long rowsPerSlice = Math.Max(1, sliceBytes / Math.Max(1, rowBytes));
        bool direct = target.device_type == TorchSharp.DeviceType.CPU && target.dtype == type && target.is_contiguous();
        var flat = shape.Length == 0 ? target.view(1) : target;
        for (long row = 0; row < rows; row += rowsPerSlice)
        {
            long count = Math.Min(rowsPerSlice, rows - row);
            using var part = flat.narrow(0, row, count);
            long at = offset + row * rowBytes;
            if (direct)
            {
                fill(part.bytes, at);
                continue;
            }
            using var staging = empty(part.shape, type);
            fill(staging.bytes, at);
            part.copy_(staging);
        }
    }

    /// <summary>Fills <paramref name="buffer"/> from byte <paramref name="offset"/>.</summary>
    /// <exception cref="ModelLoadException">The file ends first.</exception>
    public void ReadExactly(Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n <= 0) throw new ModelLoadException($"{Path}: file ended while reading at byte {offset} (changed while loading?).");
            buffer = buffer[n..];
            offset += n;
        }
    }

    public void Dispose() => handle.Dispose();
}
