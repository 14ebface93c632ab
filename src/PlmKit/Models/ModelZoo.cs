using PlmKit.Models.Amplify;
using PlmKit.Models.Esm;
using PlmKit.Models.EsmC;

namespace PlmKit.Models;

/// <summary>
/// Every model family PlmKit runs, their released models by name, and where to find their files
/// on this machine: a local path, the Hugging Face cache or the torch hub cache. Never downloads.
/// The one place that lists the families; everything else goes through <see cref="Load"/>.
/// </summary>
public static class ModelZoo
{
    /// <summary>The families, asked in this order which one a folder or file belongs to.</summary>
    public static IReadOnlyList<IModelFamily> Families { get; } = [new EsmFamily(), new EsmCFamily(), new AmplifyFamily()];

    /// <summary>Known models of every family, each family smallest first.</summary>
    public static IReadOnlyList<ZooModel> Models { get; } = Families.SelectMany(f => f.Zoo).ToList();

    /// <summary>The model called <paramref name="name"/>, or null.</summary>
    public static ZooModel? Find(string name) => Models.FirstOrDefault(m => m.Name == name);

    /// <summary>
    /// Loads a model given as a zoo name, a folder or a weight file, whatever its family.
    /// A zoo name gives the loaded model that name.
    /// </summary>
    /// <param name="nameOrPath">Zoo name (<c>esmc_600m</c>), folder (Hugging Face layout or a folder with <c>config.json</c>) or file (<c>.pt</c>, released <c>.pth</c>).</param>
    /// <param name="environment">Environment lookup (tests pass their own); defaults to the process environment.</param>
    /// <param name="withLmHead">Also load the masked-language-model head (zero-shot scores); embeddings do not need it.</param>
    /// <param name="adapter">A LoRA fine-tuning checkpoint of <c>plmkit finetune</c> to merge into the weights (ESM-2 only; see <see cref="EsmLora"/>), or null.
    /// The loaded model is then named <c>&lt;model&gt;+&lt;adapter file name&gt;</c> and the adapter file counts among its weight files, so stores and manifests tell it from the base model.</param>
    /// <param name="options">Dtype, device and layer streaming of the weights; null: float32 on the CPU, all in memory. With an
    /// <paramref name="adapter"/> the weights load as float32 in memory (the merge adds the low-rank product in float32).</param>
    /// <exception cref="ModelLoadException">Unknown name, files not on this machine, no family recognises the path, damaged files, or an adapter that does not fit.</exception>
    public static LoadedModel Load(string nameOrPath, Func<string, string?>? environment = null, bool withLmHead = false, string? adapter = null,
        LoadOptions? options = null)
    {
        TorchRuntime.EnsureLoaded();
        var path = Resolve(nameOrPath, environment);
        var loaded = FamilyOf(path).Load(path, withLmHead, adapter is null ? options : null);
        if (Find(nameOrPath) is { } zoo && !Directory.Exists(nameOrPath) && !File.Exists(nameOrPath)) loaded = loaded with { Name = zoo.Name };
        if (adapter is null) return loaded;
        if (loaded.Model is not EsmModel esm)
        {
            loaded.Model.Dispose();
            throw new ModelLoadException($"{adapter}: LoRA adapters apply to ESM-2 models; {nameOrPath} is {loaded.Model.Info.Family}");
        }
        try
        {
            EsmLora.Merge(esm, adapter, loaded.ComputeWeightsSha256());
        }
        catch
        {
            loaded.Model.Dispose();
            throw;
        }
        return loaded with { Name = $"{loaded.Name}+{Path.GetFileNameWithoutExtension(adapter)}", WeightFiles = [.. loaded.WeightFiles, adapter] };
    }

    /// <summary>The family whose layout <paramref name="path"/> has.</summary>
    /// <exception cref="ModelLoadException">No family recognises it; the message lists what each expects.</exception>
    public static IModelFamily FamilyOf(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path)) throw new ModelLoadException($"{path}: no such file or folder.");
        return Families.FirstOrDefault(f => f.Recognises(path)) ?? throw new ModelLoadException(
            $"{path}: not a model PlmKit recognises. Expected a Hugging Face folder whose config.json has model_type 'esm' (ESM-2, ESM-1v), " +
            "'esmc' (ESM C) or 'AMPLIFY'; a fair-esm .pt checkpoint; a released ESM C file (esmc_300m_2024_12_v0.pth, esmc_600m_2024_12_v0.pth) " +
            "or the Hugging Face folder holding it under data/weights/; or a folder with another ESM C .pth beside a config.json.");
    }

    /// <summary>
    /// Turns a <c>--model</c> value into a folder or file to load: an existing path as is; a zoo
    /// name looked up in its family's caches (Hugging Face, then torch hub).
    /// </summary>
    /// <param name="nameOrPath">A path or a zoo name.</param>
    /// <param name="environment">Environment lookup (tests pass their own); defaults to the process environment.</param>
    /// <exception cref="ModelLoadException">Unknown name, a model whose weights are not released, or a known model whose files are not on this machine; the message says where to put them.</exception>
    public static string Resolve(string nameOrPath, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (Directory.Exists(nameOrPath) || File.Exists(nameOrPath)) return nameOrPath;
        var model = Find(nameOrPath) ?? throw new ModelLoadException(
            $"'{nameOrPath}' is neither a file or folder nor a known model ({string.Join(", ", Models.Where(m => m.NotLocal is null).Select(m => m.Name))}).");
        if (model.NotLocal is { } why) throw new ModelLoadException($"model '{model.Name}': {why}");
        var family = Families.First(f => f.Zoo.Contains(model));
        return family.Locate(model, environment) ?? throw new ModelLoadException(
            $"model '{model.Name}' is not on this machine (no network downloads). {family.WhereToPut(model, environment)}");
    }

    /// <summary>$HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.</summary>
    public static string HuggingFaceHubCache(Func<string, string?> environment) =>
        NonEmpty(environment("HF_HUB_CACHE"))
        ?? (NonEmpty(environment("HF_HOME")) is { } home ? Path.Combine(home, "hub")
            : Path.Combine(NonEmpty(environment("XDG_CACHE_HOME")) ?? Path.Combine(Home(environment), ".cache"), "huggingface", "hub"));

    /// <summary>The cache folder of Hugging Face repository <paramref name="repo"/> (<c>models--owner--name</c>).</summary>
    public static string HuggingFaceRepoFolder(string repo, Func<string, string?> environment) =>
        Path.Combine(HuggingFaceHubCache(environment), "models--" + repo.Replace("/", "--", StringComparison.Ordinal));

    /// <summary>$TORCH_HOME/hub/checkpoints, else ~/.cache/torch/hub/checkpoints (torch.hub's layout).</summary>
    public static string TorchHubCheckpoints(Func<string, string?> environment) =>
        Path.Combine(NonEmpty(environment("TORCH_HOME"))
                     ?? Path.Combine(NonEmpty(environment("XDG_CACHE_HOME")) ?? Path.Combine(Home(environment), ".cache"), "torch"),
            "hub", "checkpoints");

    /// <summary>
    /// The snapshot of a cached Hugging Face repository that holds <paramref name="requiredFile"/>:
    /// the one <c>refs/main</c> points to, else the most recently written one; null when none does.
    /// </summary>
    /// <param name="repo">Repository id (<c>facebook/esm2_t6_8M_UR50D</c>).</param>
    /// <param name="requiredFile">Path inside the snapshot that must exist (<c>config.json</c>).</param>
    /// <param name="environment">Environment lookup.</param>
    public static string? HuggingFaceSnapshot(string repo, string requiredFile, Func<string, string?> environment)
    {
        var repoDir = HuggingFaceRepoFolder(repo, environment);
        var snapshots = Path.Combine(repoDir, "snapshots");
        if (!Directory.Exists(snapshots)) return null;
        var mainRef = Path.Combine(repoDir, "refs", "main");
        if (File.Exists(mainRef))
        {
            var candidate = Path.Combine(snapshots, File.ReadAllText(mainRef).Trim());
            if (File.Exists(Path.Combine(candidate, requiredFile))) return candidate;
        }
        return new DirectoryInfo(snapshots).EnumerateDirectories()
            .Where(d => File.Exists(Path.Combine(d.FullName, requiredFile)))
            .OrderByDescending(d => d.LastWriteTimeUtc)
            .Select(d => d.FullName)
            .FirstOrDefault();
    }

    /// <summary>
    /// The <c>model_type</c> of <c>config.json</c> in <paramref name="folder"/>, or null when there
    /// is no such file, it is not a JSON object or has no string <c>model_type</c>.
    /// </summary>
    public static string? ConfigModelType(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                   && doc.RootElement.TryGetProperty("model_type", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.String
                ? t.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string Home(Func<string, string?> environment) =>
        NonEmpty(environment("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
