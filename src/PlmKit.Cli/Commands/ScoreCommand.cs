using System.CommandLine;
using System.Globalization;
using PlmKit.Data;
using PlmKit.Embeddings;
using PlmKit.Scoring;

namespace PlmKit.Cli.Commands;

/// <summary><c>plmkit score</c>: zero-shot variant scores from a model's masked-language-model head (see <see cref="ZeroShotJob"/>).</summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Zoo name, model folder or weight file (its LM head is loaded).", Required = true };
        var input = new Option<string>("--input") { Description = "Assay with mutants of one wild type (study DMS CSV, ProteinGym CSV, or CSV with id, sequence, mutant).", Required = true };
        var strategy = new Option<string>("--strategy") { Description = "wt-marginals, masked-marginals, pseudo-ppl (fair-esm predict.py's, quirks kept) or pll (textbook pseudo-log-likelihood).", DefaultValueFactory = _ => "masked-marginals" };
        var outDir = new Option<string>("--out") { Description = "Output folder: scores.csv (id, mutant, score; input order) and score.manifest.json.", Required = true };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Token budget per forward pass of masked copies.", DefaultValueFactory = _ => 4096 };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda[:N].", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for torch (default: torch's choice)." };
        var longPolicy = new Option<string>("--long") { Description = "Wild types over the model's limit: error, truncate (score the first residues; sites past them are refused) or windows (each site read from the window centred on it).", DefaultValueFactory = _ => LongSequencePolicies.Default.Key() };
        var store = new Option<string?>("--store") { Description = "Embedding store folder that caches scores (keyed by model weights, strategy, --long and wild type): compute only the missing ones, keep every committed chunk." };
        var commitEvery = new Option<int>("--commit-every") { Description = "With --store: variants per committed chunk (what a kill can lose).", DefaultValueFactory = _ => 1000 };
        var command = new Command("score", "Zero-shot variant scores from a model's masked-language-model head (fair-esm predict.py's strategies).")
            { model, input, strategy, outDir, maxTokens, device, threads, longPolicy, store, commitEvery };
        command.SetAction(parse =>
        {
            var settings = new ZeroShotSettings(parse.GetValue(model)!, parse.GetValue(input)!, ZeroShotStrategies.Parse(parse.GetValue(strategy)!),
                parse.GetValue(outDir)!, AssayFormat.Auto, parse.GetValue(maxTokens), parse.GetValue(device)!, parse.GetValue(threads),
                LongSequencePolicies.Parse(parse.GetValue(longPolicy)!))
            { Store = parse.GetValue(store), CommitEvery = parse.GetValue(commitEvery) };
            var report = ZeroShotJob.Run(settings, ["plmkit", .. parse.Tokens.Select(t => t.Value)]);
            parse.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"scored {report.Variants} variants ({settings.Strategy.Key()}) in {report.Seconds:F2} s; wrote {report.Table}"));
            if (settings.Store is not null)
                parse.InvocationConfiguration.Output.WriteLine($"store {Path.GetFullPath(settings.Store)}: {report.Cached} scores already stored, {report.Computed} computed now");
            return 0;
        });
        return command;
    }
}
