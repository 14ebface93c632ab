using System.CommandLine;
using System.Globalization;
using PlmKit.Embeddings;
using PlmKit.Embeddings.Store;
using Spectre.Console;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit embed</c>: parses the options into typed settings and runs <see cref="EmbedJob"/> (one CSV per
/// (layer, pool) <c>layer&lt;k&gt;.&lt;pool&gt;.csv</c>, <c>embed.manifest.json</c>; with <c>--store</c> only the
/// missing vectors are computed, with <c>--shard</c> the store is only filled). Shows progress on a terminal.
/// </summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Zoo name (esm2_t6_8M_UR50D, esmc_600m, amplify_120M, ...), model folder, fair-esm .pt or released ESM C .pth file.", Required = true };
        var input = new Option<string>("--input") { Description = "FASTA file, or CSV with id and sequence columns (an id repeated with the same sequence is embedded once).", Required = true };
        var layers = new Option<string>("--layers") { Description = "Layers: k,k,... (negative from the end, -1 = last) or all.", DefaultValueFactory = _ => "-1" };
        var pool = new Option<string>("--pool") { Description = $"Comma-separated poolings: {string.Join(", ", Poolings.Names)}.", DefaultValueFactory = _ => "mean" };
        var outDir = new Option<string>("--out") { Description = "Output folder (created if needed).", Required = true };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Token budget per batch (fair-esm extract.py's toks_per_batch).", DefaultValueFactory = _ => Batching.DefaultTokensPerBatch };
        var dtype = new Option<string>("--dtype") { Description = $"{string.Join(" or ", EmbedDtypes.Keys)}.", DefaultValueFactory = _ => EmbedDtype.Fp32.Key() };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda[:N].", DefaultValueFactory = _ => "auto" };
        var longPolicy = new Option<string>("--long") { Description = "Sequences over the model's limit (ESM-2/ESM-1v 1022 as extract.py, AMPLIFY 2046, ESM C none): error, truncate (first residues) or windows (overlapping, averaged).", DefaultValueFactory = _ => LongSequencePolicies.Default.Key() };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for torch (default: torch's choice)." };
        var store = new Option<string?>("--store") { Description = "Embedding store folder: compute only vectors it lacks, keep every committed batch (see plmkit store)." };
        var shard = new Option<string?>("--shard") { Description = "i/N: embed only this shard of the sequences into --store (for N parallel jobs; merge with plmkit store merge)." };
        var commitEvery = new Option<int?>("--commit-every") { Description = "With --store: mean sequences per committed chunk (what a kill can lose; default: about 16 token batches)." };
        var adapter = new Option<string?>("--adapter") { Description = "LoRA checkpoint of plmkit finetune (fold<k>.safetensors) merged into the ESM-2 weights: fine-tuned embeddings." };
        var maxMemory = new Option<string?>("--max-memory") { Description = "Memory budget, e.g. 8GB: a model that does not fit runs layer-streamed (one block in memory, read once per chunk of sequences; same outputs). Default: the memory available at start (on a GPU, its free memory)." };
        var perToken = new Option<bool>("--per-token") { Description = "Also write per-residue states: layer<k>.per_token.csv (id, position, residue, components; proteins in processing order)." };

        var command = new Command("embed", "Embed proteins with ESM-2, ESM-1v, ESM C or AMPLIFY and pool them per protein.");
        foreach (var o in new Option[] { model, adapter, input, layers, pool, outDir, maxTokens, dtype, device, longPolicy, threads, maxMemory, perToken, store, shard, commitEvery })
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            var options = new EmbedJobOptions
            {
                Model = parse.GetValue(model)!,
                Adapter = parse.GetValue(adapter),
                Input = parse.GetValue(input)!,
                Out = parse.GetValue(outDir)!,
                Layers = parse.GetValue(layers)!,
                Pools = Poolings.ParseList(parse.GetValue(pool)!),
                Settings = new EmbedSettings(EmbedDtypes.Parse(parse.GetValue(dtype)!), LongSequencePolicies.Parse(parse.GetValue(longPolicy)!), parse.GetValue(device)!,
                    parse.GetValue(maxMemory) is { } budget ? MemoryPlanner.ParseSize(budget) : null),
                MaxTokens = parse.GetValue(maxTokens),
                Threads = parse.GetValue(threads),
                PerToken = parse.GetValue(perToken),
                Store = parse.GetValue(store),
                Shard = parse.GetValue(shard) is { } s ? Shard.Parse(s) : Shard.All,
                CommitEvery = parse.GetValue(commitEvery),
                CommandLine = ["plmkit", .. parse.Tokens.Select(t => t.Value)],
            };
            return Run(options, parse.InvocationConfiguration.Output);
        });
        return command;
    }

    private static int Run(EmbedJobOptions options, TextWriter output)
    {
        void Planned(EmbedPlan plan) => output.WriteLine(Describe(plan));
        var report = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
            ? WithProgress(options, Planned)
            : EmbedJob.Run(options, planned: Planned);
        var s = report.Store;
        if (options.Store is not null)
            output.WriteLine($"store {Path.GetFullPath(options.Store)} (shard {options.Shard}): {s.Sequences} sequences, {s.Reused} already stored, {s.Computed} embedded now, {s.VectorsAdded} vectors added");
        if (report.Files.Count == 0)
        {
            output.WriteLine("sharded run: outputs are written by the unsharded pass after `plmkit store merge`");
            return 0;
        }
        double seconds = Math.Max(report.Seconds, 1e-9);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"embedded {s.Computed} sequences ({report.Tokens} tokens) in {report.Seconds:F2} s: {s.Computed / seconds:F1} sequences/s, {report.Tokens / seconds:F0} tokens/s; wrote {report.Files.Count} files to {options.Out}"));
        return 0;
    }

    /// <summary>The line said before the first batch: mode and why, expected peak, estimated time.</summary>
    internal static string Describe(EmbedPlan plan) => string.Create(CultureInfo.InvariantCulture,
        $"mode: {plan.Memory.Mode} ({plan.Memory.Reason}); expected peak memory about {MemoryPlanner.Format(plan.Memory.ExpectedPeakBytes)}; " +
        $"estimated time at least {plan.EstimatedSeconds:F0} s for {plan.Tokens} tokens");

    private static EmbedJobReport WithProgress(EmbedJobOptions options, Action<EmbedPlan> planned)
    {
        EmbedJobReport? report = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("embedding");
                // Synchronous: the job reports from its own thread, and Spectre's task is thread-safe.
                report = EmbedJob.Run(options, planned: planned, progress: new Callback(p =>
                {
                    task.MaxValue = Math.Max(1, p.ToDo);
                    task.Value = p.Done;
                    double sec = Math.Max(p.Elapsed.TotalSeconds, 1e-9);
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"{p.Done}/{p.ToDo} proteins, {p.Done / sec:F1} seq/s, {p.Tokens / sec:F0} tok/s");
                }));
            });
        return report!;
    }

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class Callback(Action<EmbedProgress> report) : IProgress<EmbedProgress>
    {
        public void Report(EmbedProgress value) => report(value);
    }
}
