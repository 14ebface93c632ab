using System.Collections.Immutable;
using System.Globalization;
using PlmKit.Data;
using PlmKit.Models;
using PlmKit.Models.Esm;
using PlmKit.Regression;
using TorchSharp;

namespace PlmKit.FineTuning;

/// <summary>Settings of <see cref="PredictJob"/>, parsed once at the edge.</summary>
/// <param name="Model">The ESM-2 the adapters were trained on (zoo name, folder or fair-esm file).</param>
/// <param name="Adapter">A fine-tuning checkpoint of <c>plmkit finetune</c> (<c>fold&lt;k&gt;.safetensors</c>).</param>
/// <param name="Input">Sequences: FASTA, or CSV with <c>id</c> and <c>sequence</c> columns (a study or ProteinGym assay CSV included; a <c>target</c> column, when present, is scored against).</param>
/// <param name="Out">Output folder.</param>
/// <param name="Device"><c>auto</c>, <c>cpu</c> or <c>cuda[:N]</c>.</param>
/// <param name="Threads">CPU threads for torch, or null.</param>
/// <param name="MaxTokens">Padded tokens per forward batch.</param>
public sealed record PredictSettings(string Model, string Adapter, string Input, string Out, string Device = "auto", int? Threads = null, int MaxTokens = 4096);

/// <summary>What <see cref="PredictJob.Run"/> produced.</summary>
/// <param name="Ids">Input ids, in input order.</param>
/// <param name="Predictions">Predicted target per id.</param>
/// <param name="Targets">Measured targets when the input has a <c>target</c> column, else empty.</param>
/// <param name="R2">R² against the targets, or NaN.</param>
/// <param name="Spearman">Spearman ρ against the targets, or NaN.</param>
/// <param name="Folder">The output folder.</param>
public sealed record PredictReport(ImmutableArray<string> Ids, ImmutableArray<double> Predictions, ImmutableArray<double> Targets, double R2, double Spearman, string Folder);

/// <summary>
/// <c>plmkit predict</c>: predictions of a fine-tuned model (base ESM-2 + adapters and head of a
/// <c>plmkit finetune</c> checkpoint, with the LoRA settings recorded there) for new sequences.
/// Writes <c>predictions.csv</c> (<c>id, prediction</c>, and <c>target</c> when the input has one)
/// and <c>predict.manifest.json</c>, after every check and every prediction.
/// </summary>
public static class PredictJob
{
    /// <summary>Runs the job; see <see cref="PredictSettings"/>.</summary>
    /// <exception cref="PlmKitException">Bad settings, input, model or adapter (one-line messages), before anything is written.</exception>
    public static PredictReport Run(PredictSettings settings, IReadOnlyList<string>? argv = null)
    {
        OutputFolder.Check(settings.Out);
        if (settings.MaxTokens < 1) throw new ConfigurationException($"--max-tokens must be positive (got {settings.MaxTokens})");
        var records = SequenceInput.Read(settings.Input);
        ResidueAlphabet.Validate(records.Select(r => (r.Id, r.Sequence)).ToList(), settings.Input);
        var targets = ReadTargets(settings.Input, records);

        var loaded = ModelZoo.Load(settings.Model);
        if (loaded.Model is not EsmModel esm || esm.Config.Architecture != EsmArchitecture.Esm2)
        {
            loaded.Model.Dispose();
            throw new ConfigurationException($"--model {settings.Model}: fine-tuned adapters apply to ESM-2; this is {loaded.Model.Info.Family}");
        }
        if (settings.Threads is int threads) torch.set_num_threads(threads);
        var device = TorchRuntime.ResolveDevice(settings.Device);
        string weightsSha = loaded.ComputeWeightsSha256();
        double[] predictions;
        try
        {
            using var model = LoraCheckpoint.LoadModel(esm, settings.Adapter, weightsSha);
            model.MoveTo(device);
            predictions = model.Predict(records.Select(r => r.Sequence).ToArray(), settings.MaxTokens);
        }
        finally
        {
            loaded.Model.Dispose();
        }

        double r2 = targets is null ? double.NaN : Metrics.R2(targets, predictions);
        double rho = targets is null ? double.NaN : Metrics.Spearman(targets, predictions);
        Directory.CreateDirectory(settings.Out);
        var file = Path.Combine(settings.Out, "predictions.csv");
        CsvFile.Write(file, targets is null ? ["id", "prediction"] : ["id", "prediction", "target"],
            records.Select((r, i) => (IReadOnlyList<object?>)(targets is null ? [r.Id, predictions[i]] : [r.Id, predictions[i], targets[i]])));
        var manifest = new Manifest("predict", argv).Input(settings.Input).Input(settings.Adapter)
            .Config("model", settings.Model).Config("model_name", loaded.Name).Config("weights_sha256", weightsSha)
            .Config("adapter", Path.GetFullPath(settings.Adapter)).Config("device", device.ToString()).Config("max_tokens", settings.MaxTokens)
            .Output(file).Set("rows", records.Count);
        if (targets is not null) manifest.Set("r2", r2).Set("spearman", rho);
        manifest.Write(Path.Combine(settings.Out, "predict.manifest.json"));
        return new PredictReport([.. records.Select(r => r.Id)], [.. predictions], targets is null ? [] : [.. targets], r2, rho, settings.Out);
    }

    // The target column of a CSV input, per record (the first row of each id, as SequenceInput keeps it); null without one.
    private static double[]? ReadTargets(string path, IReadOnlyList<FastaRecord> records)
    {
        if (!path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return null;
        var table = CsvTable.Load(path);
        int idCol = Array.FindIndex(table.Header, c => c.Trim().Equals("id", StringComparison.OrdinalIgnoreCase));
        int targetCol = Array.FindIndex(table.Header, c => c.Trim().Equals("target", StringComparison.OrdinalIgnoreCase));
        if (targetCol < 0) return null;
        var byId = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            var id = row.Fields[idCol].Trim();
            if (byId.ContainsKey(id)) continue;
            if (!double.TryParse(row.Fields[targetCol], NumberStyles.Float, CultureInfo.InvariantCulture, out var y) || !double.IsFinite(y))
                throw new InputException(path, row.Line, $"target '{row.Fields[targetCol]}' is not a finite number.");
            byId[id] = y;
        }
        return records.Select(r => byId[r.Id]).ToArray();
    }
}
