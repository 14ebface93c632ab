using System.Collections;
using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// Reading weight files and checking them against a model, for every family: safetensors (header
/// checked against the file) and <c>torch.save</c> pickles through TorchSharp.PyBridge, then a
/// name/shape/dtype check of the whole state dict so a damaged or mismatched file names the file
/// and the tensor before any weight is copied.
/// </summary>
public static class WeightFiles
{
    /// <summary>The shard files a Hugging Face <c>model.safetensors.index.json</c> lists, in name order, each checked to exist.</summary>
    /// <exception cref="ModelLoadException">Not an index with a <c>weight_map</c>, or a listed shard is missing.</exception>
    public static List<string> ShardFiles(string indexPath)
    {
        List<string> shards;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(indexPath));
            shards = doc.RootElement.GetProperty("weight_map").EnumerateObject()
                .Select(p => p.Value.GetString()!).Distinct().Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ModelLoadException($"{indexPath}: not a safetensors index (needs a 'weight_map' object): {e.Message}");
        }
        var dir = Path.GetDirectoryName(indexPath)!;
        foreach (var shard in shards)
            if (!File.Exists(Path.Combine(dir, shard)))
                throw new ModelLoadException($"{indexPath}: shard '{shard}' is listed but missing.");
        return shards.Select(s => Path.Combine(dir, s)).ToList();
    }

    /// <summary>
    /// Reads a model's <c>config.json</c> (any family) as a JSON object; a syntax error is reported
    /// as <c>file:line:</c> with the 1-based line (System.Text.Json counts lines from 0).
    /// </summary>
    /// <exception cref="ModelLoadException">Not valid JSON, or not a JSON object.</exception>
    public static JsonElement ReadConfig(string path)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            var location = e.LineNumber is long line ? $"{path}:{line + 1}" : path;
            throw new ModelLoadException($"{location}: not valid JSON ({e.Message.Split(" LineNumber:")[0]}).");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new ModelLoadException($"{path}: expected a JSON object.");
        return root;
    }

    /// <summary>A shape as <c>[a, b]</c>, for messages.</summary>
    public static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>
    /// Checks that <paramref name="state"/> holds exactly the parameters and buffers of
    /// <paramref name="model"/> with their shapes and a floating-point type, then copies them in
    /// (cast to the model's dtype). Nothing is copied when a check fails.
    /// </summary>
    /// <param name="model">The freshly built model.</param>
    /// <param name="state">Module name → tensor read from the files.</param>
    /// <param name="origin">Module name → (file, key in that file), for messages.</param>
    /// <param name="source">The folder or file loaded, for the message on a missing tensor.</param>
    /// <param name="displayName">Module name → the key users would see in their file.</param>
    /// <param name="description">What the model is, e.g. "2-layer ESM C (d_model 64)", for the message on an unexpected tensor.</param>
    /// <exception cref="ModelLoadException">A tensor is missing, unexpected, misshapen or not floating point.</exception>
    public static void Assign(nn.Module model, IReadOnlyDictionary<string, Tensor> state,
        IReadOnlyDictionary<string, (string File, string Key)> origin, string source, Func<string, string> displayName, string description)
    {
        var expected = new Dictionary<string, Tensor>();
        foreach (var (name, p) in model.named_parameters()) expected[name] = p;
        foreach (var (name, b) in model.named_buffers()) expected[name] = b;

        foreach (var name in state.Keys)
            if (!expected.ContainsKey(name))
            {
                var (file, key) = origin[name];
                throw new ModelLoadException($"{file}: unexpected tensor '{key}' for a {description} " +
                                             "(is the file from another model or family, or the config from another size?).");
            }
        foreach (var (name, target) in expected)
        {
            if (!state.TryGetValue(name, out var tensor))
                throw new ModelLoadException($"{source}: tensor '{displayName(name)}' is missing (expected shape {Shape(target.shape)}); the file is incomplete or from another model, or the config gives another size than the weights have.");
            if (!tensor.shape.SequenceEqual(target.shape))
                throw new ModelLoadException($"{origin[name].File}: tensor '{origin[name].Key}' has shape {Shape(tensor.shape)}, expected {Shape(target.shape)} for a {description}.");
            if (!tensor.is_floating_point())
                throw new ModelLoadException($"{origin[name].File}: tensor '{origin[name].Key}' has type {tensor.dtype}, expected a floating-point type.");
        }
        using (no_grad())
            foreach (var (name, target) in expected)
                target.copy_(state[name].to(target.dtype));
    }

    private static readonly Dictionary<string, int> SafetensorsTypeSize = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>
    /// Checks the safetensors header against the file (PyBridge reads past the end of a truncated
    /// file without saying so) and reads the wanted tensors.
    /// </summary>
    /// <param name="file">A <c>.safetensors</c> file.</param>
    /// <param name="wanted">Which keys to read (the others are checked, not read).</param>
    /// <returns>Key → tensor on the CPU in the file's dtype; the caller disposes them.</returns>
    /// <exception cref="ModelLoadException">Truncated file, damaged header, unsupported dtype.</exception>
    public static Dictionary<string, Tensor> ReadSafetensors(string file, Func<string, bool> wanted)
    {
        long length = new FileInfo(file).Length;
        var keep = new List<string>();
        using (var stream = File.OpenRead(file))
        {
            var lenBytes = new byte[8];
            if (length < 8 || stream.Read(lenBytes, 0, 8) != 8)
                throw new ModelLoadException($"{file}: truncated (no safetensors header).");
            ulong headerLength = BitConverter.ToUInt64(lenBytes);
            if (headerLength > (ulong)(length - 8))
                throw new ModelLoadException($"{file}: truncated or not a safetensors file (header of {headerLength} bytes, file has {length}).");
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(header);
                root = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new ModelLoadException($"{file}: damaged safetensors header ({e.Message}).");
            }
            if (root.ValueKind != JsonValueKind.Object)
                throw new ModelLoadException($"{file}: damaged safetensors header (a JSON {root.ValueKind.ToString().ToLowerInvariant()}, expected an object of tensors).");
            long dataLength = length - 8 - (long)headerLength;
            foreach (var entry in root.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                try
                {
                    var dtype = entry.Value.GetProperty("dtype").GetString()!;
                    var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                    var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                    if (!SafetensorsTypeSize.TryGetValue(dtype, out var size))
                        throw new ModelLoadException($"{file}: tensor '{entry.Name}' has unsupported dtype {dtype}.");
                    long bytes = shape.Aggregate(1L, (a, b) => a * b) * size;
                    if (offsets.Length != 2 || offsets[1] - offsets[0] != bytes)
                        throw new ModelLoadException($"{file}: tensor '{entry.Name}': data offsets do not match shape {Shape(shape)} of {dtype}.");
                    if (offsets[1] > dataLength)
                        throw new ModelLoadException($"{file}: truncated: tensor '{entry.Name}' ends at byte {offsets[1]} of the data, the file holds {dataLength}.");
                }
                catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    throw new ModelLoadException($"{file}: damaged safetensors header entry '{entry.Name}'.");
                }
                if (wanted(entry.Name)) keep.Add(entry.Name);
            }
        }
        return Safetensors.LoadStateDict(file, keep);
    }

    /// <summary>
    /// Unpickles a <c>torch.save</c> file: its top-level dictionary and its state dict (the
    /// <c>model</c> entry, or the root itself when the file is a bare state dict).
    /// </summary>
    /// <exception cref="ModelLoadException">Not a readable PyTorch checkpoint, or no tensors in it.</exception>
    public static (Hashtable Root, Dictionary<string, Tensor> State) ReadPickle(string file)
    {
        Hashtable root;
        if (!StartsLikeAZip(file))
            throw new ModelLoadException($"{file}: cannot read as a PyTorch checkpoint: not a zip archive (torch.save's format since PyTorch 1.6; older files must be re-saved).");
        try
        {
            root = PyTorchUnpickler.UnpickleStateDict(file);
        }
        catch (Exception e) when (e is not PlmKitException)
        {
            throw new ModelLoadException($"{file}: cannot read as a PyTorch checkpoint (truncated or damaged?): {e.Message}", e);
        }
        var source = root["model"] as IDictionary ?? root;
        var state = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry e in source)
            if (e.Key is string k && e.Value is Tensor t) state[k] = t;
        if (state.Count == 0) throw new ModelLoadException($"{file}: no tensors found (expected a 'model' state dict).");
        return (root, state);
    }

    // TorchSharp's own message for a file that is not a zip blames the PyTorch version even for a text file.
    private static bool StartsLikeAZip(string file)
    {
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(file);
        return stream.Read(magic) == 4 && magic.SequenceEqual("PK\u0003\u0004"u8);
    }
}
