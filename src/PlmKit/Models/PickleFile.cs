using System.Buffers.Binary;
using System.Collections;
using System.IO.Compression;
using System.Text;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// A <c>torch.save</c> checkpoint (<c>.pt</c>, <c>.pth</c>, <c>pytorch_model.bin</c>) opened for
/// reading tensor by tensor, like <see cref="SafetensorsFile"/>: the pickle is read for its
/// objects and each tensor's description (storage, dtype, offset, shape, stride), and the
/// storages, which <c>torch.save</c> writes uncompressed into the zip archive, are read with
/// positioned reads straight into the model's parameters (<see cref="TensorReader"/>; a storage
/// that another writer compressed is decompressed from its entry the same way, slice by slice).
/// So a checkpoint never sits in memory whole, loading holds no second copy of the weights, and
/// its blocks can be streamed like safetensors'.
/// </summary>
/// <remarks>
/// The pickle itself is TorchSharp.PyBridge's (Razorvine.Pickle); asked not to read tensors, it
/// returns a descriptor object per tensor, whose type PyBridge 1.4 keeps internal, so its public
/// properties are read by reflection here (one place; the descriptor tests fail first if a
/// PyBridge update renames them). The zip's central directory is read by hand because
/// <see cref="System.IO.Compression.ZipArchive"/> offers entries only as sequential streams,
/// not the byte offsets that positioned reads and re-reads of a streamed block need.
/// </remarks>
public sealed class PickleFile : IWeightFile
{
    private readonly TensorReader reader;
    private readonly long sliceBytes;
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private ZipArchive? archive;

    // Offset: byte of element 0 in the file (stored) or in its entry (Deflated, the entry's index in the archive).
    private sealed record Entry(ScalarType Type, int ElementSize, long[] Shape, long[] Stride, long Offset, int? Deflated);

    private PickleFile(TensorReader reader, Hashtable root, long sliceBytes)
    {
        this.reader = reader;
        Root = root;
        this.sliceBytes = sliceBytes;
    }

    /// <inheritdoc/>
    public string Path => reader.Path;

    /// <summary>
    /// The unpickled object (e.g. fair-esm's <c>{"model", "cfg", "args"}</c>), for its non-tensor
    /// entries; tensors in it are descriptors, read through <see cref="Tensor"/>.
    /// </summary>
    public Hashtable Root { get; }

    /// <summary>The state dict's keys: its <c>model</c> entry's, or the root's when the file is a bare state dict.</summary>
    public IReadOnlyCollection<string> Keys => entries.Keys;

    /// <summary>Opens <paramref name="path"/>, reads its pickle and locates every tensor's storage.</summary>
    /// <exception cref="ModelLoadException">Not a zip archive, a damaged or truncated pickle or archive, no tensors, a compressed
    /// or big-endian storage, an unsupported dtype, or a tensor larger than its storage.</exception>
    public static PickleFile Open(string path) => Open(path, SafetensorsFile.SliceBytes);

    /// <summary>Opens <paramref name="path"/>, reading at most <paramref name="sliceBytes"/> at once (at least one row of a tensor).</summary>
    /// <inheritdoc cref="Open(string)" path="/exception"/>
    public static PickleFile Open(string path, long sliceBytes)
    {
        var reader = TensorReader.Open(path, sliceBytes);
        PickleFile? file = null;
        try
        {
            var magic = new byte[4];
            if (reader.Length < 4 || !ReadsAs(reader, magic, 0, "PK\u0003\u0004"u8))
                throw new ModelLoadException($"{path}: cannot read as a PyTorch checkpoint: not a zip archive (torch.save's format since PyTorch 1.6; older files must be re-saved).");
            try
            {
                Hashtable root;
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
                    root = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true, skipTensorRead: true);
                file = new PickleFile(reader, root, sliceBytes);
                file.Locate(root["model"] as IDictionary ?? root);
                return file;
            }
            catch (Exception e) when (e is not PlmKitException)
            {
                throw new ModelLoadException($"{path}: cannot read as a PyTorch checkpoint (truncated or damaged?): {e.Message}", e);
            }
        }
        catch
        {
            // The file owns the reader (and the archive a deflated byte-order entry opened) once made.
            if (file is not null) file.Dispose();
            else reader.Dispose();
            throw;
        }
    }

    private static bool ReadsAs(TensorReader reader, byte[] buffer, long offset, ReadOnlySpan<byte> expected)
    {
        reader.ReadExactly(buffer, offset);
        return buffer.AsSpan().SequenceEqual(expected);
    }

    private void Locate(IDictionary state)
    {
        var archive = ZipDirectory.Read(reader);
        int orderIndex = archive.FindIndex(e => e.Name.EndsWith("/byteorder", StringComparison.Ordinal));
        if (orderIndex >= 0)
        {
            var order = archive[orderIndex];
            var text = new byte[Math.Min(order.Size, 16)];
            if (order.Method == 8)
                using (var inflated = Inflate(orderIndex, 0)) inflated.ReadExactly(text);
            else if (order.Method == 0) reader.ReadExactly(text, archive.DataStart(reader, order));
            else throw new ModelLoadException($"{Path}: its byte order is compressed with zip method {order.Method}; only stored and deflated entries are read (torch.save stores them).");
            if (Encoding.ASCII.GetString(text) != "little")
                throw new ModelLoadException($"{Path}: tensors saved in '{Encoding.ASCII.GetString(text)}' byte order; only little-endian checkpoints are read.");
        }
        foreach (DictionaryEntry item in state)
        {
            if (item.Key is not string key || Descriptor.Of(item.Value) is not { } d) continue;
            if (d.ArchiveIndex < 0 || d.ArchiveIndex >= archive.Count)
                throw new ModelLoadException($"{Path}: tensor '{key}' points outside the archive.");
            var storage = archive[d.ArchiveIndex];
            if (storage.Method is not (0 or 8))
                throw new ModelLoadException($"{Path}: tensor '{key}' is compressed with zip method {storage.Method}; only stored and deflated entries are read (torch.save stores them).");
            if (d.Shape.Length != d.Stride.Length || d.Shape.Any(n => n < 0) || d.Stride.Any(n => n < 0))
                throw new ModelLoadException($"{Path}: tensor '{key}' has a damaged shape {WeightFiles.Shape(d.Shape)} or stride {WeightFiles.Shape(d.Stride)}.");
            int size = TensorReader.ElementSize(d.Type) ?? throw new ModelLoadException($"{Path}: tensor '{key}' has unsupported dtype {d.Type}.");
            long start = storage.Method == 8 ? 0 : archive.DataStart(reader, storage);
            if (storage.Method == 0 && start + storage.Size > reader.Length)
                throw new ModelLoadException($"{Path}: truncated: tensor '{key}' ends at byte {start + storage.Size}, the file has {reader.Length}.");
            long offset = d.StorageOffset * (long)size;
            long extent = Extent(d.Shape, d.Stride) * size;
            if (d.StorageOffset < 0 || offset + extent > storage.Size)
                throw new ModelLoadException($"{Path}: tensor '{key}' of shape {WeightFiles.Shape(d.Shape)} does not fit its storage of {storage.Size} bytes (damaged file?).");
            entries[key] = new Entry(d.Type, size, d.Shape, d.Stride, start + offset, storage.Method == 8 ? d.ArchiveIndex : null);
        }
        if (entries.Count == 0) throw new ModelLoadException($"{Path}: no tensors found (expected a 'model' state dict).");
    }

    // Elements spanned from element 0 to the last (0 for an empty tensor).
    private static long Extent(long[] shape, long[] stride)
    {
        if (shape.Any(n => n == 0)) return 0;
        long last = 0;
        for (int i = 0; i < shape.Length; i++) last += (shape[i] - 1) * stride[i];
        return last + 1;
    }

    /// <inheritdoc/>
    public StoredTensor Tensor(string key)
    {
        var e = entries[key];
        return new StoredTensor(Path, key, e.Shape, e.Type, target => ReadInto(e, target));
    }

    /// <summary>Reads tensor <paramref name="key"/> whole, in the file's dtype, on the CPU; the caller disposes it.</summary>
    public Tensor Read(string key) => Tensor(key).Read();

    private void ReadInto(Entry e, Tensor target)
    {
        using var inflated = e.Deflated is { } index ? Inflate(index, e.Offset) : null;
        TensorReader.Fill fill = inflated is null ? reader.ReadExactly : (buffer, _) =>
        {
            try
            {
                inflated.ReadExactly(buffer);
            }
            catch (Exception x) when (x is IOException or InvalidDataException)
            {
                throw new ModelLoadException($"{Path}: cannot read a compressed tensor ({x.Message})", x);
            }
        };
        if (RowMajor(e.Shape, e.Stride))
        {
            TensorReader.ReadInto(e.Type, e.ElementSize, e.Shape, e.Offset, target, fill, sliceBytes);
            return;
        }
        // A view saved with its storage (a transpose, a slice of a larger tensor): read the span it covers, then gather.
        // (It is held whole for the gather: the one case where a weight is briefly in memory twice.)
        using var noGrad = no_grad();
        long extent = Extent(e.Shape, e.Stride);
        using var staging = empty(extent, e.Type);
        long step = Math.Max(1, sliceBytes / e.ElementSize);
        for (long at = 0; at < extent; at += step)
            using (var part = staging.narrow(0, at, Math.Min(step, extent - at)))
                fill(part.bytes, e.Offset + at * e.ElementSize);
        using var view = staging.as_strided(e.Shape, e.Stride);
        target.copy_(view);
    }

    // A deflated storage's entry, decompressing from the start and positioned at byte offset of its contents.
    private Stream Inflate(int index, long offset)
    {
        try
        {
            if (archive is null)
            {
                var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read);
                try
                {
                    archive = new ZipArchive(file, ZipArchiveMode.Read);
                }
                catch
                {
                    file.Dispose();
                    throw;
                }
            }
            var stream = archive.Entries[index].Open();
            try
            {
                var skip = new byte[4096];
                for (long left = offset; left > 0; left -= skip.Length) stream.ReadExactly(skip, 0, (int)Math.Min(skip.Length, left));
                return stream;
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new ModelLoadException($"{Path}: cannot read a compressed tensor ({e.Message})", e);
        }
    }

    private static bool RowMajor(long[] shape, long[] stride)
    {
        long expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        archive?.Dispose();
        reader.Dispose();
    }

    // One tensor as PyBridge describes it when asked not to read it.
    private sealed record Descriptor(int ArchiveIndex, ScalarType Type, long StorageOffset, long[] Shape, long[] Stride)
    {
        public static Descriptor? Of(object? value)
        {
            if (value is null || value.GetType().Name != "TensorConstructorArgs") return null;
            var type = value.GetType();
            object? Get(string name) => type.GetProperty(name)?.GetValue(value)
                ?? throw new InvalidOperationException($"TorchSharp.PyBridge's tensor descriptor has no '{name}'; PlmKit reads PyBridge 1.4's.");
            // PyBridge opens a stream per tensor for reading later; it is not used here.
            (Get("Data") as IDisposable)?.Dispose();
            return new Descriptor((int)Get("ArchiveIndex")!, (ScalarType)Get("DType")!, Convert.ToInt64(Get("StorageOffset")),
                (long[])Get("Shape")!, (long[])Get("Stride")!);
        }
    }

    /// <summary>The central directory of a zip archive (zip64 included): entry names, methods, sizes, local headers.</summary>
    private sealed class ZipDirectory : List<ZipDirectory.Item>
    {
        public sealed record Item(string Name, int Method, long Size, long LocalHeader);

        private const uint EndSignature = 0x06054b50, Zip64LocatorSignature = 0x07064b50, Zip64EndSignature = 0x06064b50,
            CentralSignature = 0x02014b50, LocalSignature = 0x04034b50;

        public static ZipDirectory Read(TensorReader reader)
        {
            long length = reader.Length;
            // The end record is 22 bytes plus a comment of at most 65,535.
            int tail = (int)Math.Min(length, 22 + 65535);
            var buffer = new byte[tail];
            reader.ReadExactly(buffer, length - tail);
            int end = -1;
            for (int i = tail - 22; i >= 0; i--)
                if (BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(i)) == EndSignature) { end = i; break; }
            if (end < 0) throw Damaged(reader, "no end of central directory");
            long count = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(end + 10));
            long size = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(end + 12));
            long offset = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(end + 16));
            if (end >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(end - 20)) == Zip64LocatorSignature)
            {
                long at = (long)BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(end - 12));
                var record = new byte[56];
                if (at < 0 || at + 56 > length) throw Damaged(reader, "zip64 end record outside the file");
                reader.ReadExactly(record, at);
                if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndSignature) throw Damaged(reader, "no zip64 end record");
                count = (long)BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32));
                size = (long)BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(40));
                offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(48));
            }
            if (offset < 0 || size < 0 || offset > length || size > length - offset || size > int.MaxValue)
                throw Damaged(reader, "central directory outside the file");
            var central = new byte[size];
            reader.ReadExactly(central, offset);
            var directory = new ZipDirectory();
            int p = 0;
            for (long i = 0; i < count; i++)
            {
                if (p + 46 > central.Length || BinaryPrimitives.ReadUInt32LittleEndian(central.AsSpan(p)) != CentralSignature)
                    throw Damaged(reader, $"central directory entry {i}");
                var h = central.AsSpan(p);
                int method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]);
                long compressed = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
                long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
                int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
                int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
                int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
                long local = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);
                if (p + 46 + nameLength + extraLength > central.Length) throw Damaged(reader, $"central directory entry {i}");
                string name = Encoding.UTF8.GetString(h.Slice(46, nameLength));
                // Zip64: the sizes and offset that overflow 32 bits are in extra field 0x0001, in this order.
                var extra = h.Slice(46 + nameLength, extraLength);
                while (extra.Length >= 4)
                {
                    int id = BinaryPrimitives.ReadUInt16LittleEndian(extra), n = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
                    var field = extra.Slice(4, Math.Min(n, extra.Length - 4));
                    if (id == 1)
                    {
                        int q = 0;
                        if (uncompressed == 0xFFFFFFFF) uncompressed = Next(field, ref q);
                        if (compressed == 0xFFFFFFFF) compressed = Next(field, ref q);
                        if (local == 0xFFFFFFFF) local = Next(field, ref q);
                    }
                    extra = extra[Math.Min(extra.Length, 4 + n)..];
                }
                if (uncompressed < 0 || local < 0) throw Damaged(reader, $"zip64 field of '{name}'");
                directory.Add(new Item(name, method, uncompressed, local));
                p += 46 + nameLength + extraLength + commentLength;
            }
            return directory;
        }

        // The next 64-bit value of a zip64 field, or −1 when the field is too short.
        private static long Next(ReadOnlySpan<byte> field, ref int at)
        {
            long v = at + 8 <= field.Length ? (long)BinaryPrimitives.ReadUInt64LittleEndian(field[at..]) : -1;
            at += 8;
            return v;
        }

        // The data follows the local header, whose name and extra field may differ in length from the central copy's.
        public long DataStart(TensorReader reader, Item item)
        {
            var header = new byte[30];
            if (item.LocalHeader + 30 > reader.Length) throw Damaged(reader, $"local header of '{item.Name}' outside the file");
            reader.ReadExactly(header, item.LocalHeader);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != LocalSignature) throw Damaged(reader, $"local header of '{item.Name}'");
            return item.LocalHeader + 30 + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(26)) + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(28));
        }

        private static ModelLoadException Damaged(TensorReader reader, string what) =>
            new($"{reader.Path}: cannot read as a PyTorch checkpoint (truncated or damaged zip archive: {what}).");
    }
}
