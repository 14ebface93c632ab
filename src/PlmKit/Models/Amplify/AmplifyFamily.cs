namespace PlmKit.Models.Amplify;

/// <summary>
/// AMPLIFY (chandar-lab): Hugging Face folders with <c>config.json</c> (<c>model_type</c>
/// <c>AMPLIFY</c>) and <c>model.safetensors</c>, found in the Hugging Face cache
/// (<c>chandar-lab/AMPLIFY_120M</c>, <c>AMPLIFY_350M</c>). Loaded with the study's last layer (SWAT's
/// LayerNorm, <see cref="AmplifyFinal.SwatLayerNorm"/>); the other variants through <see cref="AmplifyCheckpoint.Load"/>.
/// </summary>
public sealed class AmplifyFamily : IModelFamily
{
    /// <inheritdoc/>
    public string Name => "AMPLIFY";

    /// <inheritdoc/>
    public IReadOnlyList<ZooModel> Zoo { get; } =
    [
        new("amplify_120M", "amplify", 24, 640, 10, 120_000_000, "chandar-lab/AMPLIFY_120M", "MIT"),
        new("amplify_350M", "amplify", 32, 960, 15, 350_000_000, "chandar-lab/AMPLIFY_350M", "MIT"),
    ];

    /// <inheritdoc/>
    public bool Recognises(string path) => Directory.Exists(path) && ModelZoo.ConfigModelType(path) == "AMPLIFY";

    /// <inheritdoc/>
    public LoadedModel Load(string path, bool withLmHead = false, LoadOptions? options = null) => AmplifyCheckpoint.Load(path, withLmHead: withLmHead, options: options);

    /// <inheritdoc/>
    public string? Locate(ZooModel model, Func<string, string?> environment) =>
        ModelZoo.HuggingFaceSnapshot(model.HuggingFaceRepo!, "config.json", environment);

    /// <inheritdoc/>
    public string WhereToPut(ZooModel model, Func<string, string?> environment) =>
        $"Put the Hugging Face files (config.json, model.safetensors, the tokenizer files) of {model.HuggingFaceRepo} in " +
        $"{Path.Combine(ModelZoo.HuggingFaceRepoFolder(model.HuggingFaceRepo!, environment), "snapshots", "<revision>")} " +
        $"(e.g. `huggingface-cli download {model.HuggingFaceRepo}` on a machine with internet, then copy the cache), " +
        "or pass --model <folder>.";
}
