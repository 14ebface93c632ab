using System.Collections;
using System.Text.Json;
using System.Text.RegularExpressions;
using Razorvine.Pickle.Objects;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Models.Esm;

/// <summary>An ESM model loaded from disk: <see cref="LoadedModel"/> with the model typed as <see cref="EsmModel"/> (for logits).</summary>
public sealed record LoadedEsm : LoadedModel
{
    /// <summary>Wraps a loaded ESM model.</summary>
    public LoadedEsm(EsmModel model, string name, string source, IReadOnlyList<string> weightFiles) : base(model, name, source, weightFiles) => Model = model;

    /// <summary>The model in eval mode, in the dtype and on the device the load asked for (float32 on the CPU by default).</summary>
    public new EsmModel Model { get; }
}

/// <summary>
/// Loads ESM weights from a Hugging Face folder (<c>config.json</c> + <c>model.safetensors</c>,
/// a sharded <c>model.safetensors.index.json</c>, or <c>pytorch_model.bin</c>) or from a fair-esm
/// <c>.pt</c> checkpoint, checking every expected tensor's presence and shape.
/// </summary>
/// <remarks>
/// Files are read tensor by tensor (<see cref="SafetensorsFile"/>, <see cref="PickleFile"/>); the
/// fair-esm <c>cfg</c>/<c>args</c> entries are <c>argparse.Namespace</c> objects, which PyBridge's
/// pickle reader (Razorvine.Pickle) returns as a <see cref="ClassDict"/> of their attributes, so no
/// custom unpickler is needed. What is written here by hand: the key translation (Hugging Face →
/// fair-esm names) and the name/shape check, so a damaged file names the bad tensor.
/// </remarks>
public static class EsmCheckpoint
{
    /// <summary>
    /// Loads a model from a Hugging Face folder or a fair-esm <c>.pt</c> file.
    /// </summary>
    /// <param name="path">Folder with <c>config.json</c>, or a <c>.pt</c> file.</param>
    /// <param name="withLmHead">Also load the LM head (for logits); otherwise <c>lm_head.*</c> is ignored.</param>
    /// <param name="options">Dtype, device and layer streaming of the weights; null: float32 on the CPU, all in memory.</param>
    /// <exception cref="ModelLoadException">Missing files, unreadable or truncated files, a missing, unexpected or misshapen tensor.</exception>
    public static LoadedEsm Load(string path, bool withLmHead = false, LoadOptions? options = null)
    {
        TorchRuntime.EnsureLoaded();
        if (Directory.Exists(path)) return LoadHuggingFace(path, withLmHead, options);
        if (File.Exists(path)) return LoadFairEsm(path, withLmHead, options);
        throw new ModelLoadException($"{path}: no such file or folder.");
    }

    /// <summary>Loads a Hugging Face <c>EsmForMaskedLM</c> / <c>EsmModel</c> folder.</summary>
    /// <inheritdoc cref="Load" path="/param"/>
    /// <inheritdoc cref="Load" path="/exception"/>
    public static LoadedEsm LoadHuggingFace(string folder, bool withLmHead = false, LoadOptions? options = null)
    {
        TorchRuntime.EnsureLoaded();
        var configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
            throw new ModelLoadException($"{folder}: no config.json; a Hugging Face model folder needs config.json and model.safetensors.");
        var config = ReadHfConfig(configPath);

        var files = new List<string>();
        var single = Path.Combine(folder, "model.safetensors");
        var index = Path.Combine(folder, "model.safetensors.index.json");
        var bin = Path.Combine(folder, "pytorch_model.bin");
        if (File.Exists(single)) files.Add(single);
        else if (File.Exists(index)) files.AddRange(WeightFiles.ShardFiles(index));
        else if (File.Exists(bin)) files.Add(bin);
        else throw new ModelLoadException($"{folder}: no model.safetensors, model.safetensors.index.json or pytorch_model.bin.");
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));

        var (open, stored) = WeightFiles.Open(files, key => Wanted(HfToFair(key), withLmHead) ? HfToFair(key) : null);
        return Finish(config, withLmHead, options, stored, open, folder, n => FairToHf(n), name, files);
    }

    /// <summary>
    /// Loads a fair-esm checkpoint (<c>torch.save({"model": ..., "cfg": ...})</c> for ESM-2,
    /// <c>{"model": ..., "args": ...}</c> for ESM-1b/ESM-1v). Unlike fair-esm, the family is told
    /// from the contents, not from the file name; the contact-regression file is not needed. The
    /// tensors are read from the file one by one into the model (<see cref="PickleFile"/>).
    /// </summary>
    /// <inheritdoc cref="Load" path="/param"/>
    /// <inheritdoc cref="Load" path="/exception"/>
    public static LoadedEsm LoadFairEsm(string file, bool withLmHead = false, LoadOptions? options = null)
    {
        TorchRuntime.EnsureLoaded();
        var pickle = PickleFile.Open(file);
        try
        {
            var root = pickle.Root;
            EsmConfig config;
            if (root["cfg"] is IDictionary cfg && cfg["model"] is ClassDict model2)
                config = new EsmConfig(EsmArchitecture.Esm2,
                    Int(model2, "encoder_layers", file), Int(model2, "encoder_embed_dim", file),
                    Int(model2, "encoder_attention_heads", file), Int(model2, "encoder_ffn_embed_dim", file),
                    Bool(model2, "token_dropout", file, fallback: null));
            else if (root["args"] is ClassDict rawArgs)
            {
                // fair-esm's v1 loader renames "encoder_layers" → "layers" etc. (its `pra` lambda).
                var args = new Dictionary<string, object>();
                foreach (var (k, v) in rawArgs)
                    args[k.Contains("encoder") ? string.Concat(k.Split("encoder_").Skip(1)) : k] = v;
                var arch = args.TryGetValue("arch", out var a) ? a as string : null;
                if (arch != "roberta_large")
                    throw new ModelLoadException($"{file}: fair-esm architecture '{arch}' is not supported (ESM-2 and ESM-1b/ESM-1v 'roberta_large' are).");
                config = new EsmConfig(EsmArchitecture.Esm1b,
                    Int(args, "layers", file), Int(args, "embed_dim", file), Int(args, "attention_heads", file),
                    Int(args, "ffn_embed_dim", file), Bool(args, "token_dropout", file, fallback: false),
                    EmbLayerNormBefore: pickle.Keys.Any(k => StripFairPrefix(k).StartsWith("emb_layer_norm_before", StringComparison.Ordinal)),
                    MaxPositions: Int(args, "max_positions", file));
            }
            else throw new ModelLoadException($"{file}: not a fair-esm checkpoint (no 'cfg' or 'args' entry next to 'model').");

            var state = WeightFiles.Index([pickle], key => Wanted(StripFairPrefix(key), withLmHead) ? StripFairPrefix(key) : null);
            return Finish(config, withLmHead, options, state, [pickle], file, name => name, Path.GetFileNameWithoutExtension(file), [file]);
        }
        catch
        {
            // Finish closes the file itself when it fails (a second Dispose does nothing); a bad config fails before it.
            pickle.Dispose();
            throw;
        }
    }

    // Builds the model in the compute dtype (one block when streamed), checks and reads the weights.
    // The open weight files pass to the model when streamed, else are closed here.
    private static LoadedEsm Finish(EsmConfig config, bool withLmHead, LoadOptions? options, Dictionary<string, StoredTensor> state,
        List<IWeightFile> open, string source, Func<string, string> displayName, string name, IReadOnlyList<string> files)
    {
        // The stacked q/k/v of a block shares the q, k and v parameters' memory (EsmSelfAttention.Fuse): nothing derived to count.
        var model = WeightFiles.Build<EsmModel>(options, state, open, ("layers", config.Layers, config.Hidden, config.Heads),
            placement => config.Architecture == EsmArchitecture.Esm2 ? new Esm2Model(config, withLmHead, placement) : new Esm1bModel(config, withLmHead, placement),
            (m, blocks) => m.StreamFrom(blocks), source, displayName,
            $"{config.Layers}-layer {config.Architecture} model (hidden {config.Hidden})",
            m =>
            {
                // fair-esm's ESM-1b loader zeroes the <mask> embedding ("for token drop").
                if (config.Architecture == EsmArchitecture.Esm1b)
                    using (no_grad())
                    using (var maskRow = m.get_parameter("embed_tokens.weight")![EsmAlphabet.Mask])
                        maskRow.zero_();
                m.PrepareForInference();
            });
        return new LoadedEsm(model, name, source, files);
    }

    // ---- names -------------------------------------------------------------------------------

    // fair-esm's _load_model_and_alphabet_core_v2 strips these prefixes (the v1 loader's two
    // split-lambdas do the same to the keys of roberta_large checkpoints).
    private static readonly Regex FairPrefix = new("^(encoder\\.sentence_encoder\\.|encoder\\.)", RegexOptions.Compiled);

    private static string StripFairPrefix(string key) => FairPrefix.Replace(key, "");

    // Hugging Face EsmForMaskedLM ↔ fair-esm names. Each rule: HF pattern, fair-esm replacement.
    // Keys are matched without the optional "esm." prefix (EsmModel checkpoints have none).
    private static readonly (Regex Hf, string Fair)[] HfRules =
    [
        (new(@"^embeddings\.word_embeddings\.weight$"), "embed_tokens.weight"),
        (new(@"^embeddings\.position_embeddings\.weight$"), "embed_positions.weight"),
        (new(@"^embeddings\.layer_norm\.(weight|bias)$"), "emb_layer_norm_before.$1"),
        (new(@"^encoder\.layer\.(\d+)\.attention\.self\.query\.(weight|bias)$"), "layers.$1.self_attn.q_proj.$2"),
        (new(@"^encoder\.layer\.(\d+)\.attention\.self\.key\.(weight|bias)$"), "layers.$1.self_attn.k_proj.$2"),
        (new(@"^encoder\.layer\.(\d+)\.attention\.self\.value\.(weight|bias)$"), "layers.$1.self_attn.v_proj.$2"),
        (new(@"^encoder\.layer\.(\d+)\.attention\.self\.rotary_embeddings\.inv_freq$"), "layers.$1.self_attn.rot_emb.inv_freq"),
        (new(@"^encoder\.layer\.(\d+)\.attention\.output\.dense\.(weight|bias)$"), "layers.$1.self_attn.out_proj.$2"),
        (new(@"^encoder\.layer\.(\d+)\.attention\.LayerNorm\.(weight|bias)$"), "layers.$1.self_attn_layer_norm.$2"),
        (new(@"^encoder\.layer\.(\d+)\.intermediate\.dense\.(weight|bias)$"), "layers.$1.fc1.$2"),
        (new(@"^encoder\.layer\.(\d+)\.output\.dense\.(weight|bias)$"), "layers.$1.fc2.$2"),
        (new(@"^encoder\.layer\.(\d+)\.LayerNorm\.(weight|bias)$"), "layers.$1.final_layer_norm.$2"),
        (new(@"^encoder\.emb_layer_norm_after\.(weight|bias)$"), "emb_layer_norm_after.$1"),
        (new(@"^contact_head\.(.*)$"), "contact_head.$1"),
    ];

    // Names that never become module tensors: the tied decoder (= embed_tokens.weight; some
    // transformers versions also save its bias, a copy of lm_head.bias), the
    // contact head, HF's position-id buffer.
    private static bool Wanted(string fairName, bool withLmHead) =>
        !fairName.StartsWith("contact_head.", StringComparison.Ordinal)
        && fairName is not ("lm_head.weight" or "lm_head.decoder.weight" or "lm_head.decoder.bias" or "embeddings.position_ids")
        && (withLmHead || !fairName.StartsWith("lm_head.", StringComparison.Ordinal));

    /// <summary>The fair-esm name of a Hugging Face key (unchanged when no rule matches, e.g. <c>lm_head.*</c>).</summary>
    internal static string HfToFair(string hfKey)
    {
        var key = hfKey.StartsWith("esm.", StringComparison.Ordinal) ? hfKey[4..] : hfKey;
        foreach (var (hf, fair) in HfRules)
            if (hf.IsMatch(key)) return hf.Replace(key, fair);
        return key;
    }

    /// <summary>The Hugging Face <c>EsmForMaskedLM</c> key of a fair-esm name (for messages).</summary>
    internal static string FairToHf(string fairName)
    {
        if (fairName.StartsWith("lm_head.", StringComparison.Ordinal)) return fairName;
        var m = Regex.Match(fairName, @"^layers\.(\d+)\.(.+)$");
        string inner = m.Success ? m.Groups[2].Value : fairName;
        string? hf = inner switch
        {
            "embed_tokens.weight" => "embeddings.word_embeddings.weight",
            "embed_positions.weight" => "embeddings.position_embeddings.weight",
            "self_attn.rot_emb.inv_freq" => "attention.self.rotary_embeddings.inv_freq",
            _ => null,
        };
        if (hf is null)
        {
            var parts = inner.Split('.');
            string leaf = parts[^1];
            string module = string.Join('.', parts[..^1]);
            string? hfModule = module switch
            {
                "self_attn.q_proj" => "attention.self.query",
                "self_attn.k_proj" => "attention.self.key",
                "self_attn.v_proj" => "attention.self.value",
                "self_attn.out_proj" => "attention.output.dense",
                "self_attn_layer_norm" => "attention.LayerNorm",
                "fc1" => "intermediate.dense",
                "fc2" => "output.dense",
                "final_layer_norm" => "LayerNorm",
                "emb_layer_norm_after" => "encoder.emb_layer_norm_after",
                "emb_layer_norm_before" => "embeddings.layer_norm",
                _ => null,
            };
            hf = hfModule is null ? inner : $"{hfModule}.{leaf}";
        }
        return "esm." + (m.Success ? $"encoder.layer.{m.Groups[1].Value}.{hf}" : hf);
    }

    private static EsmConfig ReadHfConfig(string path)
    {
        var root = WeightFiles.ReadConfig(path);
        // A field of the wrong JSON type is named like a wrong value (GetString would throw on it).
        string? Text(string key)
        {
            if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new ModelLoadException($"{path}: '{key}' is {v.GetRawText()}, not a string.");
        }
        string? modelType = Text("model_type");
        if (modelType is not null && modelType != "esm")
            throw new ModelLoadException($"{path}: model_type is '{modelType}', expected 'esm'.");
        int JInt(string key)
        {
            if (root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)) return i;
            throw new ModelLoadException($"{path}: '{key}' is missing or not an integer.");
        }
        bool JBool(string key, bool fallback) =>
            root.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;

        if (root.TryGetProperty("vocab_size", out _) && JInt("vocab_size") is var vocab && vocab != EsmAlphabet.Size)
            throw new ModelLoadException($"{path}: vocab_size is {vocab}; only the 33-token ESM-1b/ESM-2 alphabet is supported.");
        string positions = Text("position_embedding_type") ?? "absolute";
        var arch = positions switch
        {
            "rotary" => EsmArchitecture.Esm2,
            "absolute" => EsmArchitecture.Esm1b,
            _ => throw new ModelLoadException($"{path}: position_embedding_type '{positions}' is not supported (rotary = ESM-2, absolute = ESM-1b/ESM-1v)."),
        };
        // HF counts max_position_embeddings with the padding offset (1026 = 1024 + pad + 1).
        int maxPositions = arch == EsmArchitecture.Esm1b ? JInt("max_position_embeddings") - EsmAlphabet.Pad - 1 : 0;
        var config = new EsmConfig(arch, JInt("num_hidden_layers"), JInt("hidden_size"), JInt("num_attention_heads"),
            JInt("intermediate_size"), JBool("token_dropout", false), JBool("emb_layer_norm_before", false), maxPositions);
        config.Validate(path);
        return config;
    }

    private static int Int(Dictionary<string, object> ns, string key, string file) =>
        ns.TryGetValue(key, out var v) && v is int i ? i
        : v is long l ? checked((int)l)
        : throw new ModelLoadException($"{file}: the checkpoint's config has no integer '{key}'.");

    private static bool Bool(Dictionary<string, object> ns, string key, string file, bool? fallback) =>
        ns.TryGetValue(key, out var v) && v is bool b ? b
        : fallback ?? throw new ModelLoadException($"{file}: the checkpoint's config has no boolean '{key}'.");
}
