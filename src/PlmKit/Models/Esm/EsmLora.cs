using TorchSharp;
using static TorchSharp.torch;

namespace PlmKit.Models.Esm;

/// <summary>
/// LoRA adapters of ESM-2 as PlmKit's fine-tuning checkpoints hold them (one safetensors file, see
/// <c>PlmKit.FineTuning.LoraCheckpoint</c>), and their merge into a loaded model, so that the
/// embedding pipeline runs a fine-tuned model exactly as it runs a released one.
/// </summary>
/// <remarks>
/// Tensor names are PEFT's on fair-esm module names: <c>layers.{i}.self_attn.{q_proj|v_proj}.lora_A.weight</c>
/// [r, D] and <c>.lora_B.weight</c> [D, r]; <see cref="SettingsTensor"/> holds the LoRA settings and
/// <see cref="BaseTensor"/> the SHA-256 of the base weights the adapters were trained on. Merging
/// adds (α/r)·B·A to the projection's weight — the same linear map as the adapter path of an
/// eval-mode forward (dropout off), so a merged model's hidden states equal the fine-tuned ones to
/// float32 rounding.
/// </remarks>
public static class EsmLora
{
    /// <summary>float64 [5]: rank, alpha, LoRA dropout, head dropout, target flags (1 q_proj, 2 v_proj).</summary>
    public const string SettingsTensor = "lora.settings";

    /// <summary>uint8 [32]: SHA-256 of the base model's weight files (<see cref="LoadedModel.ComputeWeightsSha256"/>), when known at training time.</summary>
    public const string BaseTensor = "lora.base_sha256";

    /// <summary>Name of an adapter matrix: <c>layers.{layer}.self_attn.{projection}.lora_{A|B}.weight</c>.</summary>
    public static string AdapterName(int layer, string projection, char matrix) => $"layers.{layer}.self_attn.{projection}.lora_{matrix}.weight";

    /// <summary>The rank and alpha recorded in an adapter file, and the base weights' SHA-256 if recorded.</summary>
    /// <exception cref="ModelLoadException">Unreadable, or not a PlmKit LoRA file.</exception>
    public static (int Rank, double Alpha, double Dropout, double HeadDropout, int Targets, string? BaseSha256) ReadSettings(string path)
    {
        var state = Read(path, name => name is SettingsTensor or BaseTensor);
        try
        {
            return Settings(path, state);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Adds the adapters of <paramref name="path"/> to <paramref name="model"/>'s <c>q_proj</c> /
    /// <c>v_proj</c> weights (in place, float32, before any dtype change) and rebuilds its derived weights.
    /// </summary>
    /// <param name="model">An ESM-2 model as loaded (float32).</param>
    /// <param name="path">A fine-tuning checkpoint (<c>fold&lt;k&gt;.safetensors</c> of <c>plmkit finetune</c>).</param>
    /// <param name="baseWeightsSha256">SHA-256 of the model's weight files, checked against the one recorded in the file; null skips the check.</param>
    /// <exception cref="ModelLoadException">Not an ESM-2 model, not an adapter file, trained on other weights, or shapes that do not fit.</exception>
    public static void Merge(EsmModel model, string path, string? baseWeightsSha256)
    {
        if (model.Config.Architecture != EsmArchitecture.Esm2)
            throw new ModelLoadException($"{path}: LoRA adapters apply to ESM-2 models; this model is ESM-1b/1v");
        var state = Read(path, name => name.StartsWith("layers.", StringComparison.Ordinal) && name.Contains(".lora_", StringComparison.Ordinal) || name is SettingsTensor or BaseTensor);
        try
        {
            var (rank, alpha, _, _, targets, baseSha) = Settings(path, state);
            CheckBase(path, baseSha, baseWeightsSha256);
            var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            var projections = new[] { (Flag: 1, Name: "q_proj"), (Flag: 2, Name: "v_proj") }.Where(p => (targets & p.Flag) != 0).ToArray();
            int merged = 0;
            using (no_grad())
            using (var scaling = (alpha / rank).ToScalar())
            using (var one = 1.0.ToScalar())
            {
                for (int i = 0; i < model.Config.Layers; i++)
                    foreach (var (_, projection) in projections)
                    {
                        string a = AdapterName(i, projection, 'A'), b = AdapterName(i, projection, 'B');
                        if (!state.TryGetValue(a, out var loraA) || !state.TryGetValue(b, out var loraB))
                            throw new ModelLoadException($"{path}: tensor '{(state.ContainsKey(a) ? b : a)}' is missing (adapters for {model.Config.Layers} layers expected)");
                        var weight = parameters[$"layers.{i}.self_attn.{projection}.weight"];
                        long d = weight.shape[0];
                        if (!loraA.shape.SequenceEqual([rank, d]) || !loraB.shape.SequenceEqual([d, rank]))
                            throw new ModelLoadException($"{path}: '{a}' is [{string.Join(", ", loraA.shape)}] and '{b}' [{string.Join(", ", loraB.shape)}]; this model needs [{rank}, {d}] and [{d}, {rank}] (another model size?)");
                        using var delta = loraB.to(ScalarType.Float32).matmul(loraA.to(ScalarType.Float32)).mul_(scaling);
                        weight.add_(delta.to(weight.dtype), one);
                        merged++;
                    }
            }
            if (state.Keys.Any(k => k.StartsWith($"layers.{model.Config.Layers}.", StringComparison.Ordinal)))
                throw new ModelLoadException($"{path}: holds adapters for more than the model's {model.Config.Layers} layers (another model size?)");
            model.PrepareForInference();
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>Refuses adapters recorded as trained on other base weights; either SHA-256 null skips the check.</summary>
    /// <exception cref="ModelLoadException">The two differ.</exception>
    public static void CheckBase(string path, string? recordedSha256, string? baseWeightsSha256)
    {
        if (recordedSha256 is not null && baseWeightsSha256 is not null && recordedSha256 != baseWeightsSha256)
            throw new ModelLoadException($"{path}: the adapters were trained on other base weights (SHA-256 {recordedSha256[..12]}…, this model {baseWeightsSha256[..12]}…)");
    }

    private static Dictionary<string, Tensor> Read(string path, Func<string, bool> wanted)
    {
        if (!File.Exists(path)) throw new ModelLoadException($"{path}: no such adapter file");
        return WeightFiles.ReadSafetensors(path, wanted);
    }

    private static (int Rank, double Alpha, double Dropout, double HeadDropout, int Targets, string? BaseSha256) Settings(string path, Dictionary<string, Tensor> state)
    {
        if (!state.TryGetValue(SettingsTensor, out var settings) || settings.numel() != 5)
            throw new ModelLoadException($"{path}: not a PlmKit LoRA checkpoint (no '{SettingsTensor}' tensor of 5 values)");
        var v = settings.to(ScalarType.Float64).data<double>().ToArray();
        if (v[0] < 1 || v[0] != Math.Floor(v[0]) || !(v[1] > 0) || v[4] is not (1 or 2 or 3))
            throw new ModelLoadException($"{path}: '{SettingsTensor}' holds impossible values [{string.Join(", ", v)}]");
        string? sha = state.TryGetValue(BaseTensor, out var b) && b.numel() == 32
            ? Convert.ToHexStringLower(b.to(ScalarType.Byte).data<byte>().ToArray())
            : null;
        return ((int)v[0], v[1], v[2], v[3], (int)v[4], sha);
    }
}
