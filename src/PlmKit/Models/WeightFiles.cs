using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// Reading weight files and checking them against a model, for every family: safetensors (header
/// checked against the file) and <c>torch.save</c> pickles (<see cref="PickleFile"/>), then a
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
    /// Builds a model from its weight files' tensors, the one way every family's loader does it: asks
    /// whether to stream (<see cref="ChooseStreaming"/>), builds the model in the compute dtype (one
    /// block when streamed), checks and reads the weights (<see cref="Assign"/>), hands the open files
    /// to the model when streamed and closes them otherwise, and on failure disposes the model and the files.
    /// </summary>
    /// <param name="options">Dtype, device and streaming; null: float32 on the CPU, all in memory.</param>
    /// <param name="state">Module name → tensor of the files.</param>
    /// <param name="open">The open files the tensors read from.</param>
    /// <param name="blocks">The blocks' module prefix, their number L, and the width and heads that size them.</param>
    /// <param name="create">Builds the blank model for a placement.</param>
    /// <param name="streamFrom">Hands a streamed model its blocks' weights.</param>
    /// <param name="source">The folder or file loaded, for messages.</param>
    /// <param name="displayName">Module name → the key users would see in their file.</param>
    /// <param name="description">What the model is, for the message on an unexpected tensor.</param>
    /// <param name="prepare">Run once the weights are in (the family's own fix-ups, eval mode).</param>
    /// <exception cref="ModelLoadException">A tensor is missing, unexpected, misshapen or not floating point, or a read fails.</exception>
    internal static TModel Build<TModel>(LoadOptions? options, IReadOnlyDictionary<string, StoredTensor> state, IReadOnlyList<IWeightFile> open,
        (string Prefix, int Count, int Hidden, int Heads) blocks, Func<WeightPlacement, TModel> create, Action<TModel, BlockStream> streamFrom,
        string source, Func<string, string> displayName, string description, Action<TModel> prepare) where TModel : nn.Module
    {
        options ??= LoadOptions.Default;
        bool streamed = false;
        TModel? model = null;
        try
        {
            var placement = new WeightPlacement(options.Dtype, options.Device);
            streamed = ChooseStreaming(options, state, blocks.Prefix, blocks.Count, placement.ElementSize, blocks.Hidden, blocks.Heads);
            model = create(placement with { Streamed = streamed });
            var blockTensors = Assign(model, state, source, displayName, description, streamed ? (blocks.Prefix, blocks.Count) : null);
            if (streamed) streamFrom(model, new BlockStream(blocks.Prefix, blockTensors, open));
            prepare(model);
            var built = model;
            model = null;
            return built;
        }
        finally
        {
            model?.Dispose();
            if (!streamed || model is not null)
                foreach (var f in open) f.Dispose();
        }
    }

    /// <summary>
    /// Checks that <paramref name="state"/> holds exactly the parameters and buffers of
    /// <paramref name="model"/> with their shapes and a floating-point type, then reads them in
    /// one by one (cast to each parameter's dtype and device). Nothing is read when a check fails.
    /// </summary>
    /// <param name="model">The freshly built model.</param>
    /// <param name="state">Module name → tensor of the files.</param>
    /// <param name="source">The folder or file loaded, for the message on a missing tensor.</param>
    /// <param name="displayName">Module name → the key users would see in their file.</param>
    /// <param name="description">What the model is, e.g. "2-layer ESM C (d_model 64)", for the message on an unexpected tensor.</param>
    /// <param name="streamed">For a model built with one block (<see cref="WeightPlacement.Streamed"/>): the blocks' module prefix
    /// (<c>layers</c>) and their number L. The slot's tensors (<c>layers.0.*</c>) stand for every block's, which are checked
    /// against the slot's shapes but not read.</param>
    /// <returns>With <paramref name="streamed"/>, the blocks' tensors (module name → tensor) for <see cref="BlockStream"/>; otherwise empty.</returns>
    /// <exception cref="ModelLoadException">A tensor is missing, unexpected, misshapen or not floating point.</exception>
    internal static IReadOnlyDictionary<string, StoredTensor> Assign(nn.Module model, IReadOnlyDictionary<string, StoredTensor> state,
        string source, Func<string, string> displayName, string description, (string Prefix, int Blocks)? streamed = null)
    {
        var expected = new Dictionary<string, Tensor>();
        var inBlocks = new HashSet<string>(StringComparer.Ordinal);
        var slotPrefix = streamed is { } s ? s.Prefix + ".0." : null;
        foreach (var (name, t) in model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(model.named_buffers()))
        {
            if (slotPrefix is not null && name.StartsWith(slotPrefix, StringComparison.Ordinal))
                for (int i = 0; i < streamed!.Value.Blocks; i++)
                {
                    var blockName = $"{streamed.Value.Prefix}.{i}.{name[slotPrefix.Length..]}";
                    expected[blockName] = t;
                    inBlocks.Add(blockName);
                }
            else expected[name] = t;
        }

        foreach (var (name, tensor) in state)
            if (!expected.ContainsKey(name))
                throw new ModelLoadException($"{tensor.File}: unexpected tensor '{tensor.Key}' for a {description} " +
                                             "(is the file from another model or family, or the config from another size?).");
        foreach (var (name, target) in expected)
        {
            if (!state.TryGetValue(name, out var tensor))
                throw new ModelLoadException($"{source}: tensor '{displayName(name)}' is missing (expected shape {Shape(target.shape)}); the file is incomplete or from another model, or the config gives another size than the weights have.");
            if (!tensor.Shape.SequenceEqual(target.shape))
                throw new ModelLoadException($"{tensor.File}: tensor '{tensor.Key}' has shape {Shape(tensor.Shape)}, expected {Shape(target.shape)} for a {description}.");
            if (!tensor.IsFloatingPoint)
                throw new ModelLoadException($"{tensor.File}: tensor '{tensor.Key}' is not of a floating-point type.");
        }
        // Once per parameter: a streamed model's one block stands for every block's names.
        foreach (var target in expected.Values.Distinct(ReferenceEqualityComparer.Instance)) _ = HugePages.Advise((Tensor)target!);
        var blockTensors = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
        foreach (var (name, target) in expected)
        {
            if (inBlocks.Contains(name)) blockTensors[name] = state[name];
            else state[name].CopyTo(target);
        }
        return blockTensors;
    }

    private static bool IsBlockName(string name, string prefix)
    {
        if (!name.StartsWith(prefix + ".", StringComparison.Ordinal)) return false;
        var rest = name.AsSpan(prefix.Length + 1);
        int dot = rest.IndexOf('.');
        return dot > 0 && int.TryParse(rest[..dot], out _);
    }

    /// <summary>
    /// Asks <see cref="LoadOptions.StreamBlocks"/> whether to stream this model's blocks, telling it the
    /// weights' sizes in the compute dtype (from the files' headers); the one place every family's loader makes this choice.
    /// </summary>
    /// <param name="options">The load options (no callback: never streamed).</param>
    /// <param name="state">Module name → tensor, as given to <see cref="Assign"/>.</param>
    /// <param name="blockPrefix">The blocks' module prefix (<c>layers</c>).</param>
    /// <param name="blocks">L.</param>
    /// <param name="elementSize">Bytes per element in the compute dtype.</param>
    /// <param name="hidden">Width D.</param>
    /// <param name="heads">Attention heads.</param>
    internal static bool ChooseStreaming(LoadOptions options, IReadOnlyDictionary<string, StoredTensor> state, string blockPrefix, int blocks,
        int elementSize, int hidden, int heads) =>
        options.StreamBlocks?.Invoke(Sizes(state, blockPrefix, blocks, elementSize, hidden, heads)) == true;

    // Weight sizes in the compute dtype, from the files' headers.
    private static WeightSizes Sizes(IReadOnlyDictionary<string, StoredTensor> state, string blockPrefix, int blocks, int elementSize, int hidden, int heads)
    {
        long total = 0, inBlocks = 0;
        foreach (var (name, t) in state)
        {
            long bytes = t.Shape.Aggregate(1L, (a, b) => a * b) * elementSize;
            total += bytes;
            if (IsBlockName(name, blockPrefix)) inBlocks += bytes;
        }
        long block = blocks == 0 ? 0 : inBlocks / blocks;
        return new WeightSizes(total, total - inBlocks, block, blocks, hidden, heads, elementSize);
    }

    /// <summary>
    /// Opens the weight files of a model (<c>.safetensors</c>, else a <c>torch.save</c> pickle) and lists
    /// their wanted tensors by module name; the caller disposes the files once the tensors are read
    /// (or keeps them open for streaming).
    /// </summary>
    /// <param name="files">The files, in order.</param>
    /// <param name="moduleName">File key → module name, or null for a tensor the model does not take.</param>
    /// <exception cref="ModelLoadException">Truncated file, damaged header or pickle, unsupported dtype, a tensor in two files.</exception>
    public static (List<IWeightFile> Open, Dictionary<string, StoredTensor> State) Open(IEnumerable<string> files, Func<string, string?> moduleName)
    {
        var open = new List<IWeightFile>();
        try
        {
            foreach (var path in files)
                open.Add(path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? SafetensorsFile.Open(path) : PickleFile.Open(path));
            return (open, Index(open, moduleName));
        }
        catch
        {
            foreach (var f in open) f.Dispose();
            throw;
        }
    }

    /// <summary>The wanted tensors of open weight files by module name.</summary>
    /// <param name="open">The files, in order.</param>
    /// <param name="moduleName">File key → module name, or null for a tensor the model does not take.</param>
    /// <exception cref="ModelLoadException">A tensor is in two files.</exception>
    public static Dictionary<string, StoredTensor> Index(IEnumerable<IWeightFile> open, Func<string, string?> moduleName)
    {
        var state = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
        foreach (var file in open)
            foreach (var key in file.Keys)
                if (moduleName(key) is { } name)
                {
                    // Two shards holding one tensor is a damaged index or a mixed folder: taking either would be a guess.
                    if (state.TryGetValue(name, out var earlier))
                        throw new ModelLoadException($"{file.Path}: tensor '{key}' is also in {earlier.File}; a tensor belongs in one shard.");
                    state[name] = file.Tensor(key);
                }
        return state;
    }

    /// <summary>Reads the wanted tensors of a small safetensors file (an adapter) whole.</summary>
    /// <param name="file">A <c>.safetensors</c> file.</param>
    /// <param name="wanted">Which keys to read (the others are checked, not read).</param>
    /// <returns>Key → tensor on the CPU in the file's dtype; the caller disposes them.</returns>
    /// <exception cref="ModelLoadException">Truncated file, damaged header, unsupported dtype.</exception>
    public static Dictionary<string, Tensor> ReadSafetensors(string file, Func<string, bool> wanted)
    {
        using var open = SafetensorsFile.Open(file);
        var result = new Dictionary<string, Tensor>();
        foreach (var key in open.Keys.Where(wanted)) result[key] = open.Read(key);
        return result;
    }
}
