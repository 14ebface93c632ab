namespace PlmKit.Models.Esm;

/// <summary>
/// ESM-2 and ESM-1v (fair-esm): Hugging Face folders (<c>model_type</c> <c>esm</c>) and fair-esm
/// <c>.pt</c> checkpoints, found in the Hugging Face cache (<c>facebook/&lt;name&gt;</c>) or the
/// torch hub cache (<c>&lt;name&gt;.pt</c>).
/// </summary>
public sealed class EsmFamily : IModelFamily
{
    private const string Licence = "MIT";

    /// <inheritdoc/>
    public string Name => "ESM-2/ESM-1v";

    /// <inheritdoc/>
    public IReadOnlyList<ZooModel> Zoo { get; } =
    [
        Esm2("esm2_t6_8M_UR50D", 6, 320, 20, 8_000_000),
        Esm2("esm2_t12_35M_UR50D", 12, 480, 20, 35_000_000),
        Esm2("esm2_t30_150M_UR50D", 30, 640, 20, 150_000_000),
        Esm2("esm2_t33_650M_UR50D", 33, 1280, 20, 650_000_000),
        Esm2("esm2_t36_3B_UR50D", 36, 2560, 40, 3_000_000_000),
        Esm2("esm2_t48_15B_UR50D", 48, 5120, 40, 15_000_000_000),
        new("esm1v_t33_650M_UR90S_1", "esm1b", 33, 1280, 20, 650_000_000, "facebook/esm1v_t33_650M_UR90S_1", Licence),
    ];

    private static ZooModel Esm2(string name, int layers, int hidden, int heads, long parameters) =>
        new(name, "esm2", layers, hidden, heads, parameters, "facebook/" + name, Licence);

    /// <inheritdoc/>
    public bool Recognises(string path) =>
        Directory.Exists(path)
            // A config.json without a model_type (or one that does not parse) is left to the ESM
            // loader, which says what is wrong with it.
            ? File.Exists(Path.Combine(path, "config.json")) && ModelZoo.ConfigModelType(path) is null or "esm"
              // EvolutionaryScale's repositories hold their weights under data/weights/, beside a config.json of their own.
              && !Directory.Exists(Path.Combine(path, "data", "weights"))
            : path.EndsWith(".pt", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public LoadedModel Load(string path, bool withLmHead = false, LoadOptions? options = null) => EsmCheckpoint.Load(path, withLmHead, options);

    /// <inheritdoc/>
    public string? Locate(ZooModel model, Func<string, string?> environment)
    {
        if (ModelZoo.HuggingFaceSnapshot(model.HuggingFaceRepo!, "config.json", environment) is { } snapshot) return snapshot;
        var torchFile = Path.Combine(ModelZoo.TorchHubCheckpoints(environment), model.Name + ".pt");
        return File.Exists(torchFile) ? torchFile : null;
    }

    /// <inheritdoc/>
    public string WhereToPut(ZooModel model, Func<string, string?> environment) =>
        $"Put the Hugging Face files (config.json, model.safetensors) of {model.HuggingFaceRepo} in " +
        $"{Path.Combine(ModelZoo.HuggingFaceRepoFolder(model.HuggingFaceRepo!, environment), "snapshots", "<revision>")} " +
        $"(e.g. `huggingface-cli download {model.HuggingFaceRepo}` on a machine with internet, then copy the cache), " +
        $"or the fair-esm checkpoint https://dl.fbaipublicfiles.com/fair-esm/models/{model.Name}.pt at " +
        $"{Path.Combine(ModelZoo.TorchHubCheckpoints(environment), model.Name + ".pt")}, or pass --model <folder or .pt file>.";
}
