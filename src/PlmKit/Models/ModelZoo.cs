namespace PlmKit.Models;

/// <summary>A released ESM model the zoo knows by name.</summary>
/// <param name="Name">fair-esm / Hugging Face name (<c>esm2_t33_650M_UR50D</c>).</param>
/// <param name="Architecture">Model family.</param>
/// <param name="Layers">Transformer blocks L.</param>
/// <param name="Hidden">Hidden width D.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="Parameters">Parameter count as published (fair-esm README).</param>
public sealed record ZooModel(string Name, EsmArchitecture Architecture, int Layers, int Hidden, int Heads, long Parameters)
{
    /// <summary>Hugging Face repository id (<c>facebook/&lt;name&gt;</c>).</summary>
    public string HuggingFaceRepo => "facebook/" + Name;

    /// <summary>fair-esm download URL of the <c>.pt</c> checkpoint.</summary>
    public string FairEsmUrl => $"https://dl.fbaipublicfiles.com/fair-esm/models/{Name}.pt";
}

/// <summary>
/// The released ESM-2 models and ESM-1v (seed 1) by name, and where to find their files on
/// this machine: a local path, the Hugging Face cache or the torch hub cache. Never downloads.
/// </summary>
public static class ModelZoo
{
    /// <summary>Known models, smallest first.</summary>
    public static IReadOnlyList<ZooModel> Models { get; } =
    [
        new("esm2_t6_8M_UR50D", EsmArchitecture.Esm2, 6, 320, 20, 8_000_000),
        new("esm2_t12_35M_UR50D", EsmArchitecture.Esm2, 12, 480, 20, 35_000_000),
        new("esm2_t30_150M_UR50D", EsmArchitecture.Esm2, 30, 640, 20, 150_000_000),
        new("esm2_t33_650M_UR50D", EsmArchitecture.Esm2, 33, 1280, 20, 650_000_000),
        new("esm2_t36_3B_UR50D", EsmArchitecture.Esm2, 36, 2560, 40, 3_000_000_000),
        new("esm2_t48_15B_UR50D", EsmArchitecture.Esm2, 48, 5120, 40, 15_000_000_000),
        new("esm1v_t33_650M_UR90S_1", EsmArchitecture.Esm1b, 33, 1280, 20, 650_000_000),
    ];

    /// <summary>The model called <paramref name="name"/>, or null.</summary>
    public static ZooModel? Find(string name) => Models.FirstOrDefault(m => m.Name == name);

    /// <summary>
    /// Turns a <c>--model</c> value into a folder or file to load: an existing path as is; a zoo
    /// name looked up in the Hugging Face cache, then the torch hub cache.
    /// </summary>
    /// <param name="nameOrPath">A path (HF folder or <c>.pt</c>) or a zoo name.</param>
    /// <param name="environment">Environment lookup (tests pass their own); defaults to the process environment.</param>
    /// <exception cref="ModelLoadException">Unknown name, or a known model whose files are not on this machine; the message says where to put them.</exception>
    public static string Resolve(string nameOrPath, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (Directory.Exists(nameOrPath) || File.Exists(nameOrPath)) return nameOrPath;
        var model = Find(nameOrPath) ?? throw new ModelLoadException(
            $"'{nameOrPath}' is neither a file or folder nor a known model ({string.Join(", ", Models.Select(m => m.Name))}).");

        var hubRoot = HuggingFaceHubCache(environment);
        var repoDir = Path.Combine(hubRoot, "models--facebook--" + model.Name);
        var snapshot = HuggingFaceSnapshot(repoDir);
        if (snapshot is not null) return snapshot;

        var torchFile = Path.Combine(TorchHubCheckpoints(environment), model.Name + ".pt");
        if (File.Exists(torchFile)) return torchFile;

        throw new ModelLoadException(
            $"model '{model.Name}' is not on this machine (no network downloads). Put the Hugging Face files " +
            $"(config.json, model.safetensors) of {model.HuggingFaceRepo} in {Path.Combine(repoDir, "snapshots", "<revision>")} " +
            $"(e.g. `huggingface-cli download {model.HuggingFaceRepo}` on a machine with internet, then copy the cache), " +
            $"or the fair-esm checkpoint {model.FairEsmUrl} at {torchFile}, or pass --model <folder or .pt file>.");
    }

    /// <summary>$HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.</summary>
    public static string HuggingFaceHubCache(Func<string, string?> environment) =>
        NonEmpty(environment("HF_HUB_CACHE"))
        ?? (NonEmpty(environment("HF_HOME")) is { } home ? Path.Combine(home, "hub")
            : Path.Combine(NonEmpty(environment("XDG_CACHE_HOME")) ?? Path.Combine(Home(environment), ".cache"), "huggingface", "hub"));

    /// <summary>$TORCH_HOME/hub/checkpoints, else ~/.cache/torch/hub/checkpoints (torch.hub's layout).</summary>
    public static string TorchHubCheckpoints(Func<string, string?> environment) =>
        Path.Combine(NonEmpty(environment("TORCH_HOME"))
                     ?? Path.Combine(NonEmpty(environment("XDG_CACHE_HOME")) ?? Path.Combine(Home(environment), ".cache"), "torch"),
            "hub", "checkpoints");

    // The snapshot refs/main points to, else the most recently written snapshot with a config.json.
    private static string? HuggingFaceSnapshot(string repoDir)
    {
        var snapshots = Path.Combine(repoDir, "snapshots");
        if (!Directory.Exists(snapshots)) return null;
        var mainRef = Path.Combine(repoDir, "refs", "main");
        if (File.Exists(mainRef))
        {
            var candidate = Path.Combine(snapshots, File.ReadAllText(mainRef).Trim());
            if (File.Exists(Path.Combine(candidate, "config.json"))) return candidate;
        }
        return new DirectoryInfo(snapshots).EnumerateDirectories()
            .Where(d => File.Exists(Path.Combine(d.FullName, "config.json")))
            .OrderByDescending(d => d.LastWriteTimeUtc)
            .Select(d => d.FullName)
            .FirstOrDefault();
    }

    private static string Home(Func<string, string?> environment) =>
        NonEmpty(environment("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
