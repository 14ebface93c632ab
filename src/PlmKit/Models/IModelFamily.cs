namespace PlmKit.Models;

/// <summary>
/// One model family's loading rules: which folders and files are its own, how to load them, its
/// released models and where users keep their files. <see cref="ModelZoo"/> asks each family in
/// turn, so nothing outside a family's folder needs to know its layouts.
/// </summary>
public interface IModelFamily
{
    /// <summary>Family name for messages (<c>ESM-2/ESM-1v</c>, <c>ESM C</c>, <c>AMPLIFY</c>).</summary>
    string Name { get; }

    /// <summary>The family's released models, smallest first.</summary>
    IReadOnlyList<ZooModel> Zoo { get; }

    /// <summary>
    /// Whether <paramref name="path"/> (an existing folder or file) is laid out as this family's
    /// weights: a <c>config.json</c> whose <c>model_type</c> is the family's, or the family's
    /// released file names. Reads at most a small config file.
    /// </summary>
    bool Recognises(string path);

    /// <summary>Loads the model at <paramref name="path"/> (eval mode), checking every tensor before reading any; with <paramref name="withLmHead"/> also its masked-language-model head.</summary>
    /// <param name="path">The model's folder or file.</param>
    /// <param name="withLmHead">Also load the masked-language-model head.</param>
    /// <param name="options">Dtype, device and layer streaming; null: float32 on the CPU, all in memory.</param>
    /// <exception cref="ModelLoadException">Missing, damaged or mismatched files; the message names the file and tensor.</exception>
    LoadedModel Load(string path, bool withLmHead = false, LoadOptions? options = null);

    /// <summary>The folder or file holding <paramref name="model"/>'s weights on this machine (caches only, no downloads), or null.</summary>
    /// <param name="model">One of <see cref="Zoo"/>.</param>
    /// <param name="environment">Environment lookup (HF_HOME, TORCH_HOME, HOME, ...).</param>
    string? Locate(ZooModel model, Func<string, string?> environment);

    /// <summary>One sentence telling where to put <paramref name="model"/>'s files so <see cref="Locate"/> finds them.</summary>
    string WhereToPut(ZooModel model, Func<string, string?> environment);
}

/// <summary>A released model the zoo knows by name.</summary>
/// <param name="Name">Zoo name (<c>esm2_t33_650M_UR50D</c>, <c>esmc_600m</c>, <c>amplify_120M</c>).</param>
/// <param name="Family">Family key, as <see cref="ModelInfo.Family"/> (<c>esm2</c>, <c>esm1b</c>, <c>esmc</c>, <c>amplify</c>).</param>
/// <param name="Layers">Transformer blocks L.</param>
/// <param name="Hidden">Hidden width D.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="Parameters">Parameter count as published.</param>
/// <param name="HuggingFaceRepo">Hugging Face repository id, or null.</param>
/// <param name="Licence">Licence of the released weights.</param>
/// <param name="NotLocal">Null when the weights are released; otherwise why PlmKit cannot run the model (ESM C 6B: Forge API only).</param>
public sealed record ZooModel(string Name, string Family, int Layers, int Hidden, int Heads, long Parameters,
    string? HuggingFaceRepo, string Licence, string? NotLocal = null);
