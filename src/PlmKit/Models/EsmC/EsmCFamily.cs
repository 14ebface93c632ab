namespace PlmKit.Models.EsmC;

/// <summary>
/// ESM C (EvolutionaryScale): the released state dicts <c>esmc_300m_2024_12_v0.pth</c> and
/// <c>esmc_600m_2024_12_v0.pth</c> (sizes known by name), the Hugging Face folders that hold them
/// under <c>data/weights/</c>, and folders with any other ESM C <c>.pth</c> beside a
/// <c>config.json</c> whose <c>model_type</c> is <c>esmc</c> (fine-tuned or test models).
/// </summary>
public sealed class EsmCFamily : IModelFamily
{
    /// <summary>The weight file inside the Hugging Face repositories.</summary>
    public static string WeightPath(ZooModel model) =>
        Path.Combine("data", "weights", EsmCCheckpoint.ReleasedFileOf(model.Name)
                                        ?? throw new ArgumentException($"{model.Name} has no released file.", nameof(model)));

    /// <inheritdoc/>
    public string Name => "ESM C";

    /// <inheritdoc/>
    public IReadOnlyList<ZooModel> Zoo { get; } =
    [
        new("esmc_300m", "esmc", 30, 960, 15, 300_000_000, "EvolutionaryScale/esmc-300m-2024-12", "EvolutionaryScale Cambrian Open License"),
        new("esmc_600m", "esmc", 36, 1152, 18, 600_000_000, "EvolutionaryScale/esmc-600m-2024-12", "EvolutionaryScale Cambrian Non-Commercial License"),
        new("esmc_6b", "esmc", 80, 2560, 40, 6_000_000_000, null, "EvolutionaryScale Forge terms of service",
            NotLocal: "ESM C 6B is served only through EvolutionaryScale's Forge API; its weights are not released, and PlmKit runs local weights only " +
                      "(embed with Forge, then bring the vectors to `plmkit evaluate` as a feature table)."),
    ];

    /// <inheritdoc/>
    public bool Recognises(string path)
    {
        if (File.Exists(path)) return path.EndsWith(".pth", StringComparison.OrdinalIgnoreCase);
        return ModelZoo.ConfigModelType(path) == "esmc" || EsmCCheckpoint.ReleasedFileIn(path) is not null;
    }

    /// <inheritdoc/>
    public LoadedModel Load(string path, bool withLmHead = false, LoadOptions? options = null) => EsmCCheckpoint.Load(path, withLmHead, options);

    /// <inheritdoc/>
    public string? Locate(ZooModel model, Func<string, string?> environment) =>
        ModelZoo.HuggingFaceSnapshot(model.HuggingFaceRepo!, WeightPath(model), environment);

    /// <inheritdoc/>
    public string WhereToPut(ZooModel model, Func<string, string?> environment) =>
        $"Put {WeightPath(model).Replace('\\', '/')} of {model.HuggingFaceRepo} in " +
        $"{Path.Combine(ModelZoo.HuggingFaceRepoFolder(model.HuggingFaceRepo!, environment), "snapshots", "<revision>")} " +
        $"(e.g. `huggingface-cli download {model.HuggingFaceRepo}` on a machine with internet, then copy the cache), " +
        "or pass --model <the .pth file>.";
}
