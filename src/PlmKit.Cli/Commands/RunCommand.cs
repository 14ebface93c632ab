using System.CommandLine;
using System.Globalization;
using PlmKit.Data;
using PlmKit.Embeddings.Store;
using PlmKit.Experiments;
using PlmKit.Statistics;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit run EXPERIMENT [--shard i/N] [--store DIR] [--jobs N]</c>: the whole grid of an
/// experiment file, cached per cell (see <see cref="ExperimentRunner"/>).
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("experiment") { Description = "Experiment file (.json or .toml): datasets, models, layers, pools, regressors, protocols, trainSizes, …" };
        var shard = new Option<string?>("--shard") { Description = "i/N: run only this shard of the (dataset, model) pairs; outputs come from the unsharded pass after plmkit store merge." };
        var store = new Option<string?>("--store") { Description = "Store folder (embeddings + cell cache), overriding the file's 'store'." };
        var outDir = new Option<string?>("--out") { Description = "Output folder, overriding the file's 'out'." };
        var jobs = new Option<int?>("--jobs") { Description = "Cells evaluated in parallel (default: one per core)." };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Token budget per embedding batch.", DefaultValueFactory = _ => Embeddings.Batching.DefaultTokensPerBatch };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for torch while embedding." };
        var command = new Command("run", "Run an experiment grid (embed → evaluate every cell) with per-cell caching, a results table and a manifest.")
            { file, shard, store, outDir, jobs, maxTokens, threads };
        command.SetAction(parse =>
        {
            var config = ExperimentConfig.Load(parse.GetValue(file)!);
            if (parse.GetValue(store) is { } s) config = config with { Store = Path.GetFullPath(s) };
            if (parse.GetValue(outDir) is { } o) config = config with { Out = Path.GetFullPath(o) };
            var error = parse.InvocationConfiguration.Error;
            bool live = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
            var runner = new ExperimentRunner(config, new ModelEmbeddingSourceFactory(parse.GetValue(maxTokens), parse.GetValue(threads)), new CrossValidationEvaluator())
            {
                Parallelism = parse.GetValue(jobs) ?? Environment.ProcessorCount,
                Shard = parse.GetValue(shard) is { } text ? Shard.Parse(text) : Shard.All,
                Progress = new ProgressLine(error, live),
                CommandLine = ["plmkit", .. parse.Tokens.Select(t => t.Value)],
            };
            var report = runner.Run();
            if (live)
                error.WriteLine();
            var output = parse.InvocationConfiguration.Output;
            if (report.Dropped.Count > 0)
            {
                output.WriteLine($"dropped {report.Dropped.Count} invalid row(s) (dropInvalid):");
                foreach (var dropped in report.Dropped) output.WriteLine($"  {dropped}");
            }
            output.WriteLine($"{report.Cells.Count} cells: {report.Computed} computed now, {report.Cached} from the cache ({config.Store})");
            foreach (var (dataset, model, r) in report.Embedding)
                output.WriteLine($"  embedded {dataset} with {model}: {r.Computed} sequences now, {r.Reused} from the store");
            if (report.ResultsPath is null)
            {
                output.WriteLine($"shard {runner.Shard}: results are written by the unsharded pass after plmkit store merge");
                return 0;
            }
            output.WriteLine($"wrote {report.ResultsPath} and {report.ManifestPath}");
            var kinds = RunFigures.Plan(config, parse.GetValue(file)!);
            string? contrasts = null, reference = null;
            if (config.Statistics is { } stats)
            {
                // The same analysis and writer as `plmkit stats --input results.csv --out <out>`, so the two never disagree.
                var analysis = StudyAnalysis.Run(TidyTable.Read(report.ResultsPath), stats.Settings());
                var files = analysis.Write(config.Out, StatsCommand.Prefix, "stats", runner.CommandLine);
                StatsCommand.Report(output, analysis);
                output.WriteLine($"wrote {string.Join(", ", files)}");
                contrasts = files.Single(f => f.EndsWith("_contrasts.csv", StringComparison.Ordinal));
                reference = analysis.Reference;
            }
            if (kinds.Count == 0)
                return 0;
            var figures = RunFigures.Draw(kinds, config.Out, report.ResultsPath, contrasts, reference, config.Figures?.Png ?? true);
            if (figures.Note is not null)
                error.WriteLine($"plmkit run: note: {figures.Note}");
            RunManifest.AddFigures(report.ManifestPath!, figures.Files, figures.Note);
            output.WriteLine(figures.Reused
                ? $"figures unchanged (same results and statistics): {Path.Combine(config.Out, RunFigures.Folder)}"
                : $"wrote {figures.Files.Count} figure files into {Path.Combine(config.Out, RunFigures.Folder)}");
            return 0;
        });
        return command;
    }

    /// <summary>Cells done, rate and time left: one rewritten line on a terminal, a line per stage otherwise.</summary>
    private sealed class ProgressLine(TextWriter error, bool live) : IProgress<RunProgress>
    {
        private readonly object _gate = new();
        private string _lastStage = "";

        public void Report(RunProgress p)
        {
            lock (_gate)
            {
                if (live)
                {
                    var left = p.Remaining is { } r ? $", ~{r:hh\\:mm\\:ss} left" : "";
                    var line = string.Create(CultureInfo.InvariantCulture, $"{p.Done}/{p.ToDo} cells ({p.Cached} cached), {p.Rate:F2} cells/s{left} — {p.Stage}");
                    error.Write("\r" + line.PadRight(100));
                }
                else if (p.Stage != _lastStage)
                {
                    error.WriteLine($"plmkit run: {p.Stage} ({p.Done}/{p.ToDo} cells done, {p.Cached} cached)");
                }
                _lastStage = p.Stage;
            }
        }
    }
}
