using System.Diagnostics;
using PlmKit.Data;
using PlmKit.Embeddings;
using PlmKit.Embeddings.Store;
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
    LongSequencePolicy LongPolicy = LongSequencePolicies.Default)
{
    /// <summary>Embedding store folder that caches scores (<see cref="EmbeddingStore.PutScores"/>): only the missing ones are computed; null for none.</summary>
    public string? Store { get; init; }

    /// <summary>With <see cref="Store"/>: variants per committed chunk (what a kill can lose).</summary>
    public int CommitEvery { get; init; } = 1000;
}

/// <summary>What <see cref="ZeroShotJob.Run"/> wrote.</summary>
/// <param name="Variants">Rows scored.</param>
/// <param name="Table">Path of <c>scores.csv</c>.</param>
/// <param name="Manifest">Path of <c>score.manifest.json</c>.</param>
/// <param name="Seconds">Wall time of the scoring.</param>
/// <param name="Computed">Distinct variants scored by the model in this run (all of them without a store).</param>
/// <param name="Cached">Distinct variants read from the store.</param>
public sealed record ZeroShotReport(int Variants, string Table, string Manifest, double Seconds, int Computed = 0, int Cached = 0);

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
        OutputFolder.Check(settings.Out);
        if (settings.MaxTokens < 1) throw new ConfigurationException($"--max-tokens must be positive (got {settings.MaxTokens})");
        if (settings.CommitEvery < 1) throw new ConfigurationException($"--commit-every must be positive (got {settings.CommitEvery})");
        if (settings.Store is { } dir && File.Exists(dir)) throw new ConfigurationException($"--store: '{dir}' is a file; give a folder");
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
        int computed, cached = 0;
        try
        {
            if (settings.Store is null)
            {
                scores = scorer.Score(wildType, mutants, settings.Strategy, -assay.MutantOffset);
                computed = mutants.Count;
            }
            else
            {
                var group = new ScoreGroup(ModelEmbeddingSource.IdOf(model.Info.Family, loaded.ComputeWeightsSha256()),
                    settings.Strategy.Key(), settings.LongPolicy.Key(), scorer.MaxResidues, SequenceHash.Of(wildType));
                (scores, computed, cached) = Cached(settings, scorer, group, loaded.Name, wildType, mutants, assay.MutantOffset);
            }
        }
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
            .Set("store", settings.Store is null ? null : Path.GetFullPath(settings.Store)).Set("computed", computed).Set("cached", cached)
            .Write(manifestPath);
        loaded.Model.Dispose();
        return new ZeroShotReport(assay.Count, table, manifestPath, seconds, computed, cached);
    }

    /// <summary>
    /// The canonical store key of a mutant: substitutions at 1-based wild-type positions (the assay's
    /// offset applied), sorted by position, joined by <c>:</c>; the wild type is the empty string.
    /// </summary>
    /// <exception cref="InputException">The mutant is malformed.</exception>
    public static string CanonicalMutant(string mutant, int mutantOffset) =>
        string.Join(':', Mutations.Parse(mutant).OrderBy(s => s.Position).Select(s =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{s.From}{s.Position + mutantOffset}{s.To}")));

    /// <summary>Scores through the store: reads what it holds, computes the rest in committed chunks, returns every score from the same values.</summary>
    private static (double[] Scores, int Computed, int Cached) Cached(ZeroShotSettings settings, ZeroShotScorer scorer, ScoreGroup group,
        string modelName, string wildType, IReadOnlyList<string> mutants, int mutantOffset)
    {
        var keys = mutants.Select(m => CanonicalMutant(m, mutantOffset)).ToArray();
        using var store = EmbeddingStore.Open(settings.Store!);
        var known = new Dictionary<string, double>(store.GetScores(group, keys), StringComparer.Ordinal);
        int cached = known.Count;
        var missing = keys.Distinct(StringComparer.Ordinal).Where(k => !known.ContainsKey(k)).ToList();
        for (int start = 0; start < missing.Count; start += settings.CommitEvery)
        {
            var chunk = missing.Skip(start).Take(settings.CommitEvery).ToList();
            var values = scorer.Score(wildType, chunk.Select(k => k.Length == 0 ? "WT" : k).ToList(), settings.Strategy);
            store.PutScores(group, chunk.Select((k, i) => (k, values[i])).ToList(), modelName);
            for (int i = 0; i < chunk.Count; i++) known[chunk[i]] = values[i];
        }
        return (keys.Select(k => known[k]).ToArray(), missing.Count, cached);
    }
}
