using System.CommandLine;
using System.Globalization;
using PlmKit.Embeddings.Store;
using PlmKit.Experiments;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit store info|export|merge|verify</c>: look into, export, combine and check an
/// embedding store (see <see cref="EmbeddingStore"/>).
/// </summary>
internal static class StoreCommand
{
    /// <summary>Exit code of <c>store verify</c> when it finds damage (2 stays reserved for bad usage).</summary>
    public const int VerifyFailed = 1;

    public static Command Create()
    {
        var command = new Command("store", "Inspect, export, merge and verify an embedding store.");
        command.Subcommands.Add(Info());
        command.Subcommands.Add(Export());
        command.Subcommands.Add(Merge());
        command.Subcommands.Add(Verify());
        return command;
    }

    private static Argument<string> StoreArgument(string description = "Store directory.") => new("store") { Description = description };

    private static Command Info()
    {
        var dir = StoreArgument();
        var command = new Command("info", "Size, number of ids, and vectors per model, layer and pooling.") { dir };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            using var store = EmbeddingStore.OpenExisting(parse.GetValue(dir)!);
            output.WriteLine($"store: {store.Directory}");
            output.WriteLine($"size: {FormatBytes(store.SizeBytes())}");
            output.WriteLine($"ids: {store.Names().Count}");
            output.WriteLine($"vectors: {store.Count()}");
            output.WriteLine("model\tweights\tlayer\tpool\tlong\tdtype\tdim\tvectors");
            foreach (var g in store.Groups())
                output.WriteLine($"{g.ModelName}\t{Short(g.Model)}\t{g.Layer}\t{g.Pooling}\t{g.LongPolicy}\t{g.Dtype}\t{g.Dimension}\t{g.Count}");
            return 0;
        });
        return command;
    }

    private static Command Export()
    {
        var dir = StoreArgument();
        var outDir = new Option<string>("--out") { Description = "Output directory (one layer<k>.<pool>.<csv|parquet> per layer and pooling).", Required = true };
        var format = new Option<string>("--format") { Description = "csv (as plmkit embed writes) or parquet.", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "parquet");
        var model = new Option<string?>("--model") { Description = "Model name or weights id (prefix) to export; needed when the store holds several." };
        var layers = new Option<string?>("--layers") { Description = "Comma-separated layers to export (default: all stored)." };
        var pools = new Option<string?>("--pool") { Description = "Comma-separated pooling methods to export (default: all stored)." };
        var command = new Command("export", "Write stored vectors under their ids, in the layout of plmkit embed's output.")
            { dir, outDir, format, model, layers, pools };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            using var store = EmbeddingStore.OpenExisting(parse.GetValue(dir)!);
            var groups = store.FindGroups(parse.GetValue(model), ParseLayers(parse.GetValue(layers)), ParseList(parse.GetValue(pools)));
            var names = store.Names();
            var fmt = parse.GetValue(format) == "parquet" ? ExportFormat.Parquet : ExportFormat.Csv;
            foreach (var g in groups)
            {
                var key = new EmbeddingKey(g.Model, g.Layer, g.Pooling, g.LongPolicy, g.Dtype, "");
                var file = StoreExporter.Export(store, key, names, parse.GetValue(outDir)!, fmt);
                var note = file.IdsWithoutVector > 0 ? $" ({file.IdsWithoutVector} recorded ids have no vector here)" : "";
                output.WriteLine($"{file.Path}: {file.Rows} rows × {file.Dimension}{note}");
            }
            return 0;
        });
        return command;
    }

    private static Command Merge()
    {
        var target = StoreArgument("Target store directory (created if missing).");
        var sources = new Argument<string[]>("sources") { Description = "Store directories to merge in (e.g. shard stores).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("merge", "Copy the vectors and ids the target lacks from other stores (idempotent).") { target, sources };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            // Every source must be a store before the target is created: a typo leaves no empty target behind.
            foreach (var source in parse.GetValue(sources)!)
                EmbeddingStore.OpenExisting(source).Dispose();
            using var store = EmbeddingStore.Open(parse.GetValue(target)!);
            var damaged = new List<string>();
            foreach (var source in parse.GetValue(sources)!)
            {
                var r = store.Merge(source);
                output.WriteLine($"{source}: {r.Added} added, {r.AlreadyPresent} already present, {r.Conflicting} conflicting (target kept), {r.Damaged.Count} damaged (skipped){(r.ScoresAdded > 0 ? $", {r.ScoresAdded} zero-shot scores added" : "")}");
                // Experiment cells cached by `plmkit run` live beside the vectors and travel with them.
                if (File.Exists(Path.Combine(source, CellCache.FileName)))
                {
                    using var cells = CellCache.Open(store.Directory);
                    output.WriteLine($"{source}: {cells.Merge(source)} experiment cells added");
                }
                if (r.Damaged.Count > 0)
                    damaged.Add($"{source} ({r.Damaged.Count})");
            }
            output.WriteLine($"{store.Directory}: {store.Count()} vectors");
            if (damaged.Count > 0)
                throw new InputException($"damaged rows were not merged from {string.Join(", ", damaged)}; run `plmkit store verify` on them and recompute");
            return 0;
        });
        return command;
    }

    private static Command Verify()
    {
        var dir = StoreArgument();
        var command = new Command("verify", "Check every row's checksum and the SQLite file; exit code 1 when damage is found.") { dir };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            using var store = EmbeddingStore.OpenExisting(parse.GetValue(dir)!);
            var report = store.Verify();
            output.WriteLine($"rows checked: {report.Rows}");
            output.WriteLine($"sqlite quick_check: {report.IntegrityCheck}");
            output.WriteLine($"damaged rows: {report.Damaged.Count}");
            foreach (var key in report.Damaged)
                output.WriteLine($"damaged: {key}");
            if (report.Ok)
                return 0;
            parse.InvocationConfiguration.Error.WriteLine($"plmkit: store {store.Directory} is damaged: {report.Damaged.Count} bad rows; delete them by recomputing into a fresh store and merging the good one");
            return VerifyFailed;
        });
        return command;
    }

    private static string[]? ParseList(string? text) =>
        text is null ? null : text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static int[]? ParseLayers(string? text) =>
        ParseList(text)?.Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int k) ? k
            : throw new ConfigurationException($"--layers: '{s}' is not a layer number")).ToArray();

    private static string Short(string model) => model.Length > 16 ? model[..12] + "…" : model;

    private static string FormatBytes(long bytes) => bytes switch
    {
        < 1 << 20 => $"{bytes / 1024.0:F1} KiB",
        < 1 << 30 => $"{bytes / 1048576.0:F1} MiB",
        _ => $"{bytes / 1073741824.0:F2} GiB",
    };
}
