using System.Text.Json;
using static TorchSharp.torch;

namespace PlmKit.Models.EsmC;

/// <summary>An ESM C model loaded from disk: <see cref="LoadedModel"/> with the model typed as <see cref="EsmCModel"/> (for logits).</summary>
public sealed record LoadedEsmC : LoadedModel
{
    /// <summary>Wraps a loaded ESM C model.</summary>
    public LoadedEsmC(EsmCModel model, string name, string source, IReadOnlyList<string> weightFiles) : base(model, name, source, weightFiles) => Model = model;

    /// <summary>The model in eval mode, in the dtype and on the device the load asked for (float32 on the CPU by default).</summary>
    public new EsmCModel Model { get; }
}

/// <summary>
/// Loads ESM C weights: the released state dicts (<c>esmc_300m_2024_12_v0.pth</c>,
/// <c>esmc_600m_2024_12_v0.pth</c>: <c>torch.save(model.state_dict())</c>, no config, the shape
/// known by name as in <c>esm.pretrained</c>), the Hugging Face folders holding them under
/// <c>data/weights/</c>, and folders with a <c>config.json</c> (<c>model_type</c> <c>esmc</c>)
/// beside <c>model.safetensors</c> or one <c>.pth</c>. Every tensor is checked by name and shape
/// (<see cref="WeightFiles.Assign"/>) before any is copied.
/// </summary>
/// <remarks>
/// The state-dict names are the model's module names (<see cref="EsmCModel"/>), so no key
/// translation is needed. Unlike the official loader, which knows only the two released names,
/// other shapes come from <c>config.json</c> (fine-tuned or test models).
/// </remarks>
public static class EsmCCheckpoint
{
    // Zoo name → released file name (EsmCFamily's zoo and esm.pretrained).
    private static readonly IReadOnlyDictionary<string, string> ReleasedFiles = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["esmc_300m"] = "esmc_300m_2024_12_v0.pth",
        ["esmc_600m"] = "esmc_600m_2024_12_v0.pth",
    };

    /// <summary>The released file name of zoo model <paramref name="zooName"/> (<c>esmc_300m</c> → <c>esmc_300m_2024_12_v0.pth</c>), or null.</summary>
    public static string? ReleasedFileOf(string zooName) => ReleasedFiles.GetValueOrDefault(zooName);

    /// <summary>The released weight file inside a Hugging Face folder (<c>data/weights/esmc_*_2024_12_v0.pth</c>), or null.</summary>
    public static string? ReleasedFileIn(string folder)
    {
        foreach (var name in ReleasedFiles.Values)
        {
            var path = Path.Combine(folder, "data", "weights", name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>
    /// Loads an ESM C model from a released <c>.pth</c>, a Hugging Face folder holding one, a
    /// folder with <c>config.json</c> and weights, or a <c>.pth</c> with a <c>config.json</c> beside it.
    /// </summary>
    /// <param name="path">A file or folder.</param>
    /// <param name="withSequenceHead">Also load the sequence head (for logits); otherwise <c>sequence_head.*</c> is ignored.</param>
    /// <returns>The model in float32 on the CPU, eval mode. Its name: the zoo name for released files, else the folder name or file stem.</returns>
    /// <exception cref="ModelLoadException">Missing or unreadable files, a bad config, or a missing, unexpected or misshapen tensor; the message names the file and the tensor or field.</exception>
    /// <param name="options">Dtype, device and layer streaming of the weights; null: float32 on the CPU, all in memory.</param>
    public static LoadedEsmC Load(string path, bool withSequenceHead = false, LoadOptions? options = null)
    {
        TorchRuntime.EnsureLoaded();
        if (Directory.Exists(path)) return LoadFolder(path, withSequenceHead, options);
        if (File.Exists(path)) return LoadFile(path, withSequenceHead, options);
        throw new ModelLoadException($"{path}: no such file or folder.");
    }

    private static LoadedEsmC LoadFolder(string folder, bool withHead, LoadOptions? options)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        if (ReleasedFileIn(folder) is { } released) return LoadReleased(released, folder, withHead, options);

        var configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
            throw new ModelLoadException($"{folder}: no config.json and no data/weights/esmc_*_2024_12_v0.pth; an ESM C folder needs a config.json " +
                                         "(model_type 'esmc', d_model, n_heads, n_layers) beside model.safetensors or one .pth file.");
        var config = ReadConfig(configPath);
        return LoadWeights(WeightFileIn(folder), config, folder, name, withHead, options);
    }

    private static LoadedEsmC LoadFile(string file, bool withHead, LoadOptions? options)
    {
        if (EsmCConfig.OfReleasedFile(Path.GetFileName(file)) is not null) return LoadReleased(file, file, withHead, options);
        var configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, "config.json");
        if (!File.Exists(configPath))
            throw new ModelLoadException($"{file}: not a released ESM C file name ({string.Join(", ", ReleasedFiles.Values)}) and no config.json beside it, " +
                                         "so its shape is unknown; give the folder with a config.json (model_type 'esmc', d_model, n_heads, n_layers) and the weights.");
        return LoadWeights(file, ReadConfig(configPath), file, Path.GetFileNameWithoutExtension(file), withHead, options);
    }

    private static LoadedEsmC LoadReleased(string file, string source, bool withHead, LoadOptions? options)
    {
        var fileName = Path.GetFileName(file);
        var zooName = ReleasedFiles.First(p => p.Value == fileName).Key;
        return LoadWeights(file, EsmCConfig.OfReleasedFile(fileName)!, source, zooName, withHead, options);
    }

    // model.safetensors, else the folder's only .pth.
    private static string WeightFileIn(string folder)
    {
        var safetensors = Path.Combine(folder, "model.safetensors");
        if (File.Exists(safetensors)) return safetensors;
        var pth = Directory.GetFiles(folder, "*.pth").Order(StringComparer.Ordinal).ToList();
        return pth.Count switch
        {
            1 => pth[0],
            0 => throw new ModelLoadException($"{folder}: no model.safetensors and no .pth file beside config.json."),
            _ => throw new ModelLoadException($"{folder}: {pth.Count} .pth files ({string.Join(", ", pth.Select(Path.GetFileName))}); keep one, or give the file itself."),
        };
    }

    private static LoadedEsmC LoadWeights(string file, EsmCConfig config, string source, string name, bool withHead, LoadOptions? options)
    {
        var (open, state) = WeightFiles.Open([file], key => Wanted(key, withHead) ? key : null);
        var model = WeightFiles.Build(options, state, open, (BlockPrefix, config.Layers, config.DModel, config.Heads),
            placement => new EsmCModel(config, withHead, placement), (m, blocks) => m.StreamFrom(blocks), file, key => key,
            $"{config.Layers}-layer ESM C (d_model {config.DModel}, {config.Heads} heads{(withHead ? ", with sequence head" : "")})",
            m => m.eval());
        return new LoadedEsmC(model, name, source, [file]);
    }

    private const string BlockPrefix = "transformer.blocks";

    // The sequence head is read only when logits are wanted.
    private static bool Wanted(string key, bool withHead) => withHead || !key.StartsWith("sequence_head.", StringComparison.Ordinal);

    // ---- config.json ---------------------------------------------------------------------------

    // Informational fields (the golden config's) checked against the shape they must agree with,
    // and Hugging Face bookkeeping fields that say nothing about the weights.
    private static readonly HashSet<string> KnownFields = new(StringComparer.Ordinal)
    {
        "model_type", "d_model", "n_heads", "n_layers",
        "d_head", "embedding_rows", "tokenizer_vocab_size", "ffn_hidden", "residue_scaling_factor", "layer_norm_eps", "rotary_base",
        "pad_token_id", "cls_token_id", "eos_token_id", "unk_token_id", "mask_token_id", "torch_dtype", "note",
        "architectures", "transformers_version", "_name_or_path",
    };

    /// <summary>
    /// Reads an ESM C <c>config.json</c>: <c>d_model</c>, <c>n_heads</c>, <c>n_layers</c> required;
    /// derived sizes and token ids, where given, must agree with them; any other field is refused.
    /// </summary>
    /// <exception cref="ModelLoadException">Not a JSON object, another model_type, a missing, unknown or inconsistent field.</exception>
    public static EsmCConfig ReadConfig(string path)
    {
        var root = WeightFiles.ReadConfig(path);
        if (root.TryGetProperty("model_type", out var mt) && (mt.ValueKind != JsonValueKind.String || mt.GetString() != "esmc"))
            throw new ModelLoadException($"{path}: model_type is {mt.GetRawText()}, expected \"esmc\".");
        foreach (var p in root.EnumerateObject())
            if (!KnownFields.Contains(p.Name))
                throw new ModelLoadException($"{path}: unknown field '{p.Name}' in an ESM C config (ESM C takes d_model, n_heads, n_layers and the sizes derived from them).");

        int Int(string key)
        {
            if (root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)) return i;
            throw new ModelLoadException($"{path}: '{key}' is missing or not an integer.");
        }
        var config = new EsmCConfig(Int("d_model"), Int("n_heads"), Int("n_layers"));
        config.Validate(path);

        void Agrees(string key, double expected, string what)
        {
            if (!root.TryGetProperty(key, out var v)) return;
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var value))
                throw new ModelLoadException($"{path}: '{key}' must be a number.");
            if (Math.Abs(value - expected) > 1e-9 * Math.Max(1, Math.Abs(expected)))
                throw new ModelLoadException($"{path}: '{key}' is {v.GetRawText()}, but {what} is {expected} for ESM C with d_model {config.DModel}, n_heads {config.Heads}, n_layers {config.Layers}.");
        }
        Agrees("d_head", config.HeadDim, "d_model / n_heads");
        Agrees("ffn_hidden", config.FfnHidden, "the SwiGLU width");
        Agrees("residue_scaling_factor", config.ResidueScaling, "sqrt(n_layers / 36)");
        Agrees("embedding_rows", EsmCConfig.EmbeddingRows, "the embedding's row count");
        Agrees("tokenizer_vocab_size", EsmCTokenizer.Tokens.Count, "the vocabulary size");
        Agrees("layer_norm_eps", EsmCConfig.LayerNormEps, "the LayerNorm epsilon");
        Agrees("rotary_base", EsmCConfig.RotaryBase, "the rotary base");
        Agrees("pad_token_id", EsmCTokenizer.PadId, "<pad>'s id");
        Agrees("cls_token_id", EsmCTokenizer.Cls, "<cls>'s id");
        Agrees("eos_token_id", EsmCTokenizer.Eos, "<eos>'s id");
        Agrees("unk_token_id", EsmCTokenizer.Unk, "<unk>'s id");
        Agrees("mask_token_id", EsmCTokenizer.Mask, "<mask>'s id");
        return config;
    }
}
