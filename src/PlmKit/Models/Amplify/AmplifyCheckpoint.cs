using System.Text.Json;
using static TorchSharp.torch;

namespace PlmKit.Models.Amplify;

/// <summary>An AMPLIFY model loaded from disk: <see cref="LoadedModel"/> with the model typed as <see cref="AmplifyModel"/> (for logits).</summary>
public sealed record LoadedAmplify : LoadedModel
{
    /// <summary>Wraps a loaded AMPLIFY model.</summary>
    public LoadedAmplify(AmplifyModel model, string name, string source, IReadOnlyList<string> weightFiles) : base(model, name, source, weightFiles) => Model = model;

    /// <summary>The model in eval mode, in the dtype and on the device the load asked for (float32 on the CPU by default).</summary>
    public new AmplifyModel Model { get; }
}

/// <summary>
/// Loads AMPLIFY from a Hugging Face folder (<c>config.json</c> with <c>model_type</c>
/// <c>AMPLIFY</c>, and <c>model.safetensors</c>, a sharded <c>model.safetensors.index.json</c> or
/// <c>pytorch_model.bin</c>), checking every tensor's name and shape against the config. The
/// checkpoint's names are the model's (<c>encoder.weight</c>, <c>transformer_encoder.{i}.q.weight</c>,
/// ...), so no translation is needed.
/// </summary>
public static class AmplifyCheckpoint
{
    /// <summary>Loads an AMPLIFY model folder.</summary>
    /// <param name="path">Folder with <c>config.json</c> and the weights.</param>
    /// <param name="final">What the last layer L is: SWAT's LayerNorm (the study's vectors; the default), the model's RMSNorm, or none.
    /// Non-default variants get their own <see cref="ModelInfo.Family"/> (<c>amplify+rmsnorm</c>, <c>amplify+nonorm</c>), so the store keeps them apart.</param>
    /// <param name="withLmHead">Also load the <c>decoder</c> (for logits); otherwise <c>decoder.*</c> is ignored.</param>
    /// <param name="options">Dtype, device and layer streaming of the weights; null: float32 on the CPU, all in memory.</param>
    /// <exception cref="ModelLoadException">Missing or unreadable files, an unsupported or unknown config field, a missing, unexpected or misshapen tensor (named with its file).</exception>
    public static LoadedAmplify Load(string path, AmplifyFinal final = AmplifyFinal.SwatLayerNorm, bool withLmHead = false, LoadOptions? options = null)
    {
        TorchRuntime.EnsureLoaded();
        if (File.Exists(path))
            throw new ModelLoadException($"{path}: AMPLIFY loads from its Hugging Face folder (config.json and model.safetensors), not a single file.");
        if (!Directory.Exists(path)) throw new ModelLoadException($"{path}: no such file or folder.");
        var configPath = Path.Combine(path, "config.json");
        if (!File.Exists(configPath))
            throw new ModelLoadException($"{path}: no config.json; an AMPLIFY folder needs config.json and model.safetensors.");
        var config = AmplifyConfig.Read(configPath);
        var tokenizer = AmplifyTokenizer.ForFolder(path, config, configPath);
        var files = WeightFilesIn(path);

        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
        var (open, state) = WeightFiles.Open(files, key => Wanted(key, withLmHead) ? key : null);
        // The stacked q/k/v of a block shares the q, k and v parameters' memory (AmplifyBlock.Fuse): nothing derived to count.
        var model = WeightFiles.Build(options, state, open, (BlockPrefix, config.Layers, config.HiddenSize, config.Heads),
            placement => new AmplifyModel(config, tokenizer, final, withLmHead, placement), (m, blocks) => m.StreamFrom(blocks), path, n => n,
            $"{config.Layers}-layer AMPLIFY (hidden_size {config.HiddenSize}, FFN {config.FfnHidden})",
            m => m.PrepareForInference());
        return new LoadedAmplify(model, name, path, files);
    }

    private const string BlockPrefix = "transformer_encoder";

    // The decoder is the LM head: read only when logits are wanted.
    private static bool Wanted(string key, bool withLmHead) => withLmHead || !key.StartsWith("decoder.", StringComparison.Ordinal);

    private static List<string> WeightFilesIn(string folder)
    {
        var single = Path.Combine(folder, "model.safetensors");
        var index = Path.Combine(folder, "model.safetensors.index.json");
        var bin = Path.Combine(folder, "pytorch_model.bin");
        if (File.Exists(single)) return [single];
        if (File.Exists(index)) return WeightFiles.ShardFiles(index);
        if (File.Exists(bin)) return [bin];
        throw new ModelLoadException($"{folder}: no model.safetensors, model.safetensors.index.json or pytorch_model.bin.");
    }
}
