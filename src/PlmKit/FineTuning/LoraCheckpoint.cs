using PlmKit.Models;
using PlmKit.Models.Esm;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.FineTuning;

/// <summary>
/// The fine-tuning checkpoint: one safetensors file holding only what training changes — the
/// adapters and head under their own names (<c>layers.{i}.self_attn.q_proj.lora_A.weight</c>,
/// <c>head.dense.weight</c>, … as PEFT/SWAT name them), AdamW's moments (<c>optimizer.m.*</c>,
/// <c>optimizer.v.*</c>) and step count, and the metrics of every finished epoch
/// (<c>metrics.epochs</c>, float64 [E, 8]). Written atomically after each epoch, so a kill at any
/// point leaves the previous epoch's complete file.
/// </summary>
public static class LoraCheckpoint
{
    /// <summary>Writes the checkpoint atomically.</summary>
    public static void Save(string path, LoraEsm2Regressor model, LoraOptimizer optimizer, IReadOnlyList<LoraEpoch> epochs)
    {
        using var scope = NewDisposeScope();
        var state = new Dictionary<string, Tensor>();
        foreach (var (name, p) in model.named_parameters()) state[name] = p.detach();
        var (t, m, v) = optimizer.State;
        foreach (var (name, x) in m) state["optimizer.m." + name] = x;
        foreach (var (name, x) in v) state["optimizer.v." + name] = x;
        state["optimizer.t"] = tensor(new long[] { t });
        var lora = model.Settings;
        state[EsmLora.SettingsTensor] = tensor(new[] { lora.Rank, lora.Alpha, lora.Dropout, lora.HeadDropout, (double)(int)lora.QueryAndValue });
        if (model.BaseWeightsSha256 is { } sha) state[EsmLora.BaseTensor] = tensor(Convert.FromHexString(sha));
        var rows = epochs.SelectMany(e => new[] { e.Epoch, e.Step, e.TrainLoss, e.TrainR2, e.ValLoss, e.ValR2, e.Seconds, e.TokensPerSecond }).ToArray();
        state["metrics.epochs"] = tensor(rows, [epochs.Count, 8]);
        AtomicFile.Write(path, temp => Safetensors.SaveStateDict(temp, state));
    }

    /// <summary>Restores the adapters, head and optimiser state; returns the finished epochs' metrics.</summary>
    /// <exception cref="ModelLoadException">The file is not such a checkpoint, or its tensors do not fit the model.</exception>
    public static IReadOnlyList<LoraEpoch> Load(string path, LoraEsm2Regressor model, LoraOptimizer optimizer)
    {
        Dictionary<string, Tensor> state;
        try
        {
            state = Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is not PlmKitException)
        {
            throw new ModelLoadException($"{path}: not a readable safetensors checkpoint ({e.Message})");
        }
        try
        {
            CopyParameters(path, state, model);
            if (!state.TryGetValue("optimizer.t", out var t) || !state.TryGetValue("metrics.epochs", out var metrics))
                throw new ModelLoadException($"{path}: adapters only, no training state (optimizer.t, metrics.epochs): it cannot be resumed");
            var names = model.named_parameters().Select(p => p.name).ToArray();
            optimizer.Restore((int)t.item<long>(),
                names.ToDictionary(n => n, n => state.GetValueOrDefault("optimizer.m." + n) ?? throw new ModelLoadException($"{path}: optimizer moment of '{n}' is missing")),
                names.ToDictionary(n => n, n => state.GetValueOrDefault("optimizer.v." + n) ?? throw new ModelLoadException($"{path}: optimizer moment of '{n}' is missing")));
            var values = metrics.to(ScalarType.Float64).data<double>().ToArray();
            return Enumerable.Range(0, (int)metrics.shape[0]).Select(i =>
            {
                var r = values.AsSpan(i * 8, 8);
                return new LoraEpoch((int)r[0], (int)r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
            }).ToList();
        }
        finally
        {
            foreach (var x in state.Values) x.Dispose();
        }
    }

    /// <summary>
    /// A fine-tuned model from a checkpoint: <paramref name="baseModel"/>'s weights with the
    /// adapters and head of <paramref name="path"/>, built with the LoRA settings recorded there (for
    /// predictions; <c>plmkit predict</c>). Eval mode.
    /// </summary>
    /// <param name="baseModel">The ESM-2 model the adapters were trained on.</param>
    /// <param name="path">A checkpoint written by <see cref="Save"/>.</param>
    /// <param name="baseWeightsSha256">SHA-256 of the base weights, checked against the one recorded; null skips the check.</param>
    /// <exception cref="ModelLoadException">Not such a checkpoint, trained on other weights, or tensors that do not fit.</exception>
    public static LoraEsm2Regressor LoadModel(EsmModel baseModel, string path, string? baseWeightsSha256)
    {
        var (rank, alpha, dropout, headDropout, targets, baseSha) = EsmLora.ReadSettings(path);
        EsmLora.CheckBase(path, baseSha, baseWeightsSha256);
        var model = new LoraEsm2Regressor(baseModel, new LoraSettings(rank, alpha, dropout, headDropout, (LoraTargets)targets)) { BaseWeightsSha256 = baseSha };
        try
        {
            var state = WeightFiles.ReadSafetensors(path, _ => true);
            try
            {
                CopyParameters(path, state, model);
            }
            finally
            {
                foreach (var x in state.Values) x.Dispose();
            }
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    // The adapters and head of a checkpoint into the model: every parameter present, with the model's shape.
    private static void CopyParameters(string path, Dictionary<string, Tensor> state, LoraEsm2Regressor model)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            if (!state.TryGetValue(name, out var saved)) throw new ModelLoadException($"{path}: tensor '{name}' is missing");
            if (!saved.shape.SequenceEqual(p.shape))
                throw new ModelLoadException($"{path}: tensor '{name}' is [{string.Join(", ", saved.shape)}], the model needs [{string.Join(", ", p.shape)}] (another rank or model size?)");
            p.copy_(saved);
        }
    }
}
