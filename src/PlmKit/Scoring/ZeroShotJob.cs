using System.Diagnostics;
using PlmKit.Data;
using PlmKit.Embeddings;
using PlmKit.Models;
using TorchSharp;

namespace PlmKit.Scoring;

/// <summary>Settings of <see cref="ZeroShotJob"/>, parsed once at the edge.</summary>
/// <param name="Model">Zoo name, model folder or weight file (its LM head is loaded too).</param>
/// <param name="Input">Assay with mutant strings of one wild type (the study's DMS CSV, a ProteinGym CSV, or a CSV with id, sequence, mutant).</param>
/// <param name="Strategy">How variants are scored.</param>
/// <param name="Out">Output folder: <c>scores.csv</c> and <c>score.manifest.json</c>.</param>
/// <param name="Format">Assay format (auto-detected by default).</param>
/// <param name="MaxTokens">Token budget per forward pass of masked copies.</param>
/// <param name="Device"><c>auto</c>, <c>cpu</c> or <c>cuda[:N]</c>.</param>
/// <param name="Threads">CPU threads for torch, or null for torch's choice.</param>
/// <param name="LongPolicy">Wild types over the model's limit (<see cref="ZeroShotScorer.LongPolicy"/>): error, truncate or windows.</param>
public sealed record ZeroShotSettings(string Model, string Input, ZeroShotStrategy Strategy, string Out,
    AssayFormat Format = AssayFormat.Auto, int MaxTokens = 4096, string Device = "auto", int? Threads = null,
    LongSequencePolicy LongPolicy = LongSequencePolicies.Default);

/// <summary>What <see cref="ZeroShotJob.Run"/> wrote.</summary>
/// <param name="Variants">Rows scored.</param>
/// <param name="Table">Path of <c>scores.csv</c>.</param>
/// <param name="Manifest">Path of <c>score.manifest.json</c>.</param>
/// <param name="Seconds">Wall time of the scoring.</param>
public sealed record ZeroShotReport(int Variants, string Table, string Manifest, double Seconds);

/// <summary>
/// <c>plmkit score</c> as one call: zero-shot scores of every variant of an assay, written as
/// <c>id, mutant, score</c> in input order with a manifest, after every score is computed.
/// </summary>
public static class ZeroShotJob
{
    /// <summary>Table file name inside the output folder.</summary>
    public const string TableName = "scores.csv";

    /// <summary>Scores the assay and writes the table and manifest.</summary>
    /// <exception cref="PlmKitException">Bad settings, input or model (one-line messages).</exception>
    public static ZeroShotReport Run(ZeroShotSettings settings, IReadOnlyList<string>? argv = null)
    {
        if (File.Exists(settings.Out)) throw new ConfigurationException($"--out: '{settings.Out}' is a file; give a folder");
        if (settings.MaxTokens < 1) throw new ConfigurationException($"--max-tokens must be positive (got {settings.MaxTokens})");
        if (settings.Threads is < 1) throw new ConfigurationException($"--threads must be at least 1 (got {settings.Threads})");
        var assay = AssayReader.Read(settings.Input, settings.Format);
        if (assay.WildType is not { } wildType)
            throw new InputException(settings.Input, null, "no mutant strings: zero-shot scores need the variants of one wild type (a mutant column such as A24C or A24C:G30W)");

        var loaded = ModelZoo.Load(settings.Model, withLmHead: true);
        if (loaded.Model is not IMaskedLanguageModel model)
            throw new ConfigurationException($"--model {settings.Model}: this family has no masked-language-model head to score with");
        var scorer = new ZeroShotScorer(model, settings.MaxTokens, settings.LongPolicy);
        var mutants = assay.Records.Select(r => r.Mutant ?? "WT").ToList();
        if (settings.Threads is int threads) torch.set_num_threads(threads);
        model.To(TorchRuntime.ResolveDevice(settings.Device), torch.ScalarType.Float32);

        var watch = Stopwatch.StartNew();
        // The scorer's offset is subtracted from mutant positions; the assay's is added.
        double[] scores;
        try { scores = scorer.Score(wildType, mutants, settings.Strategy, -assay.MutantOffset); }
        catch (InputException e) when (e.File is null) { throw new InputException(settings.Input, null, e.Problem); }
        double seconds = watch.Elapsed.TotalSeconds;

        var table = Path.Combine(settings.Out, TableName);
        CsvFile.Write(table, ["id", "mutant", "score"],
            assay.Records.Select((r, i) => (IReadOnlyList<object?>)[r.Id, r.Mutant ?? "", scores[i]]));
        var manifestPath = Path.Combine(settings.Out, "score.manifest.json");
        new Manifest("score", argv)
            .Input(settings.Input).Input(loaded.WeightFiles.Count > 0 ? loaded.WeightFiles[0] : loaded.Source)
            .Config("model", settings.Model).Config("family", model.Info.Family).Config("strategy", settings.Strategy.Key())
            .Config("max_tokens", settings.MaxTokens).Config("long", settings.LongPolicy.Key()).Config("max_residues", scorer.MaxResidues).Config("device", settings.Device).Config("mutant_offset", assay.MutantOffset)
            .Output(table)
            .Set("dataset", assay.Name).Set("variants", assay.Count).Set("wild_type_length", wildType.Length).Set("scoring_seconds", seconds)
            .Write(manifestPath);
        loaded.Model.Dispose();
        return new ZeroShotReport(assay.Count, table, manifestPath, seconds);
    }
}
