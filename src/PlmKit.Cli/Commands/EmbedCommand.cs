using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PlmKit.Data;
using PlmKit.Embeddings;
using PlmKit.Models;
using Spectre.Console;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit embed</c>: per-protein embeddings with a model of any family, one CSV per (layer, pool)
/// named <c>layer&lt;k&gt;.&lt;pool&gt;.csv</c> (columns <c>id, c0 … c(n−1)</c>, input order), plus
/// <c>embed.manifest.json</c>. Files appear only when the whole run succeeded (written to a
/// temporary folder inside the output folder, then moved).
/// </summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Zoo name (esm2_t6_8M_UR50D, esmc_600m, amplify_120M, ...), model folder, fair-esm .pt or released ESM C .pth file.", Required = true };
        var input = new Option<string>("--input") { Description = "FASTA file, or CSV with id and sequence columns.", Required = true };
        var layers = new Option<string>("--layers") { Description = "Layers: k,k,... (negative from the end, -1 = last) or all.", DefaultValueFactory = _ => "-1" };
        var pool = new Option<string>("--pool") { Description = $"Comma-separated poolings: {string.Join(", ", Poolings.Names)}.", DefaultValueFactory = _ => "mean" };
        var outDir = new Option<string>("--out") { Description = "Output folder (created if needed).", Required = true };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Token budget per batch (fair-esm extract.py's toks_per_batch).", DefaultValueFactory = _ => Batching.DefaultTokensPerBatch };
        var dtype = new Option<string>("--dtype") { Description = "fp32 or bf16.", DefaultValueFactory = _ => "fp32" };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda[:N].", DefaultValueFactory = _ => "auto" };
        var longPolicy = new Option<string>("--long") { Description = "Sequences over the model's limit (ESM-2/ESM-1v 1022 as extract.py, AMPLIFY 2046, ESM C none): error, truncate (first residues) or windows (overlapping, averaged).", DefaultValueFactory = _ => "error" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for torch (default: torch's choice)." };
        var store = new Option<string?>("--store") { Description = "Embedding store folder: compute only vectors it lacks, keep every committed batch (see plmkit store)." };
        var shard = new Option<string?>("--shard") { Description = "i/N: embed only this shard of the sequences into --store (for N parallel jobs; merge with plmkit store merge)." };
        var commitEvery = new Option<int?>("--commit-every") { Description = "With --store: mean sequences per committed chunk (what a kill can lose; default: about 16 token batches)." };
        var perToken = new Option<bool>("--per-token") { Description = "Also write per-residue states: layer<k>.per_token.csv (id, position, residue, components; proteins in processing order)." };

        var command = new Command("embed", "Embed proteins with ESM-2, ESM-1v, ESM C or AMPLIFY and pool them per protein.");
        foreach (var o in new Option[] { model, input, layers, pool, outDir, maxTokens, dtype, device, longPolicy, threads, perToken, store, shard, commitEvery })
            command.Options.Add(o);

        command.SetAction(parse =>
        {
            if (parse.GetValue(store) is { } storeDir)
            {
                if (parse.GetValue(perToken)) throw new ConfigurationException("--per-token cannot be combined with --store (the store keeps pooled vectors only).");
                return EmbedStore.Run(parse.GetValue(model)!, parse.GetValue(input)!, parse.GetValue(layers)!, parse.GetValue(pool)!, parse.GetValue(outDir)!,
                    parse.GetValue(maxTokens), parse.GetValue(dtype)!, parse.GetValue(device)!, parse.GetValue(longPolicy)!, parse.GetValue(threads),
                    storeDir, parse.GetValue(shard), parse.GetValue(commitEvery), parse.InvocationConfiguration.Output);
            }
            if (parse.GetValue(shard) is not null) throw new ConfigurationException("--shard needs --store (each shard fills a store; merge them with plmkit store merge).");
            var request = new EmbedRequest(
                parse.GetValue(model)!, parse.GetValue(input)!, parse.GetValue(layers)!, parse.GetValue(pool)!,
                parse.GetValue(outDir)!, parse.GetValue(maxTokens), parse.GetValue(dtype)!, parse.GetValue(device)!,
                parse.GetValue(longPolicy)!, parse.GetValue(threads), parse.GetValue(perToken));
            return Run(request, parse.InvocationConfiguration.Output);
        });
        return command;
    }

    private sealed record EmbedRequest(string Model, string Input, string Layers, string Pools, string Out, int MaxTokens,
        string Dtype, string Device, string Long, int? Threads, bool PerToken);

    private static int Run(EmbedRequest r, TextWriter output)
    {
        var dtype = r.Dtype.ToLowerInvariant() switch
        {
            "fp32" => EmbedDtype.Fp32,
            "bf16" => EmbedDtype.Bf16,
            _ => throw new ConfigurationException($"--dtype: '{r.Dtype}' is not fp32 or bf16."),
        };
        var policy = r.Long.ToLowerInvariant() switch
        {
            "error" => LongSequencePolicy.Error,
            "truncate" => LongSequencePolicy.Truncate,
            "windows" => LongSequencePolicy.Windows,
            _ => throw new ConfigurationException($"--long: '{r.Long}' is not error, truncate or windows."),
        };
        if (r.MaxTokens <= 0) throw new ConfigurationException($"--max-tokens must be positive (got {r.MaxTokens}).");
        var pools = r.Pools.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
        if (pools.Count == 0) throw new ConfigurationException("--pool: no pooling given.");
        foreach (var p in pools) Poolings.Create(p);
        if (File.Exists(r.Out)) throw new ConfigurationException($"--out: '{r.Out}' is a file, not a folder.");

        var records = SequenceInput.Read(r.Input);
        var sequences = records.Select(x => (x.Id, x.Sequence)).ToList();
        ResidueAlphabet.Validate(sequences, r.Input);

        var loaded = ModelZoo.Load(r.Model);
        var layers = EmbedderOptions.ParseLayers(r.Layers, loaded.Model.Info.Layers);
        var options = new EmbedderOptions(layers, pools, r.MaxTokens, policy, Dtype: dtype, Device: r.Device, Threads: r.Threads, PerToken: r.PerToken);
        var embedder = new Embedder(loaded.Model, options);
        var stream = embedder.Embed(sequences, r.Input);

        Directory.CreateDirectory(r.Out);
        var temp = Directory.CreateDirectory(Path.Combine(r.Out, $".plmkit-embed-{Guid.NewGuid():N}")).FullName;
        try
        {
            var results = new ProteinEmbedding?[sequences.Count];
            long totalTokens = sequences.Sum(s => embedder.TokensFor(s.Sequence.Length));
            var perTokenWriters = r.PerToken
                ? layers.ToDictionary(k => k, k => new StreamWriter(Path.Combine(temp, $"layer{k}.per_token.csv"), false, new UTF8Encoding(false)))
                : null;
            var watch = Stopwatch.StartNew();
            try
            {
                void Consume(ProteinEmbedding e)
                {
                    results[e.Index] = e with { PerToken = null };
                    if (perTokenWriters is not null) WritePerToken(perTokenWriters, e, sequences[e.Index].Sequence, loaded.Model.Info.Hidden);
                }
                if (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected)
                    WithProgress(stream, sequences.Count, totalTokens, Consume);
                else
                    foreach (var e in stream) Consume(e);
            }
            finally
            {
                if (perTokenWriters is not null) foreach (var w in perTokenWriters.Values) w.Dispose();
            }
            double seconds = watch.Elapsed.TotalSeconds;
            long tokens = results.Sum(e => e!.Tokens);

            var written = new List<string>();
            foreach (int k in layers)
                foreach (var p in pools)
                {
                    var name = $"layer{k}.{p}.csv";
                    WritePooled(Path.Combine(temp, name), results!, k, p);
                    written.Add(name);
                }
            if (r.PerToken) written.AddRange(layers.Select(k => $"layer{k}.per_token.csv"));
            WriteManifest(Path.Combine(temp, "embed.manifest.json"), r, loaded, embedder, layers, pools, options, results!, seconds, tokens);
            written.Add("embed.manifest.json");
            foreach (var name in written) File.Move(Path.Combine(temp, name), Path.Combine(r.Out, name), overwrite: true);

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"embedded {sequences.Count} sequences ({tokens} tokens) in {seconds:F2} s: {sequences.Count / seconds:F1} sequences/s, {tokens / seconds:F0} tokens/s; wrote {written.Count} files to {r.Out}"));
            return 0;
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static void WithProgress(IEnumerable<ProteinEmbedding> stream, int count, long totalTokens, Action<ProteinEmbedding> consume)
    {
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("embedding", maxValue: totalTokens);
                var watch = Stopwatch.StartNew();
                int done = 0;
                foreach (var e in stream)
                {
                    consume(e);
                    done++;
                    task.Increment(e.Tokens);
                    double s = Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"{done}/{count} proteins, {done / s:F1} seq/s, {task.Value / s:F0} tok/s");
                }
            });
    }

    private static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static void WritePooled(string path, ProteinEmbedding[] results, int layer, string pool)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        int n = results[0].Vectors.First(v => v.Layer == layer && v.Pool == pool).Vector.Length;
        w.Write("id");
        for (int j = 0; j < n; j++) w.Write($",c{j}");
        w.WriteLine();
        var line = new StringBuilder();
        foreach (var e in results)
        {
            var vector = e.Vectors.First(v => v.Layer == layer && v.Pool == pool).Vector;
            line.Clear().Append(e.Id);
            foreach (var x in vector) line.Append(',').Append(F(x));
            w.WriteLine(line);
        }
    }

    private static void WritePerToken(Dictionary<int, StreamWriter> writers, ProteinEmbedding e, string sequence, int hidden)
    {
        foreach (var (layer, w) in writers)
        {
            if (w.BaseStream.Position == 0)
            {
                w.Write("id,position,residue");
                for (int j = 0; j < hidden; j++) w.Write($",c{j}");
                w.WriteLine();
            }
            var states = e.PerToken![layer];
            var line = new StringBuilder();
            for (int i = 0; i < e.ResiduesUsed; i++)
            {
                line.Clear().Append(e.Id).Append(',').Append(i + 1).Append(',').Append(sequence[i]);
                for (int j = 0; j < hidden; j++) line.Append(',').Append(F(states[i * hidden + j]));
                w.WriteLine(line);
            }
        }
    }

    private static void WriteManifest(string path, EmbedRequest r, LoadedModel loaded, Embedder embedder, IReadOnlyList<int> layers, IReadOnlyList<string> pools,
        EmbedderOptions options, ProteinEmbedding[] results, double seconds, long tokens)
    {
        using var stream = File.Create(path);
        using var j = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        j.WriteStartObject();
        j.WriteString("command", "embed");
        j.WriteString("plmkit", PlmKitVersion.Current);
        j.WriteString("model", r.Model);
        j.WriteString("model_source", Path.GetFullPath(loaded.Source));
        j.WriteString("family", loaded.Model.Info.Family);
        j.WriteNumber("model_layers", loaded.Model.Info.Layers);
        j.WriteNumber("hidden", loaded.Model.Info.Hidden);
        j.WriteNumber("parameters", loaded.Model.Info.Parameters);
        j.WriteString("licence", loaded.Model.Info.Licence);
        j.WriteString("weights_sha256", loaded.ComputeWeightsSha256());
        j.WriteString("input", Path.GetFullPath(r.Input));
        j.WriteStartArray("layers"); foreach (var k in layers) j.WriteNumberValue(k); j.WriteEndArray();
        j.WriteStartArray("pools"); foreach (var p in pools) j.WriteStringValue(p); j.WriteEndArray();
        j.WriteNumber("max_tokens", options.TokensPerBatch);
        j.WriteString("dtype", options.Dtype.ToString().ToLowerInvariant());
        j.WriteString("device", options.Device);
        j.WriteString("long_policy", options.LongPolicy.ToString().ToLowerInvariant());
        if (embedder.MaxResidues == int.MaxValue) j.WriteNull("max_residues"); else j.WriteNumber("max_residues", embedder.MaxResidues);
        j.WriteNumber("window_stride", embedder.WindowStride);
        j.WriteNumber("threads", TorchSharp.torch.get_num_threads());
        j.WriteString("mkl_dispatch", TorchRuntime.MklDispatch);
        j.WriteNumber("seconds", seconds);
        j.WriteNumber("tokens", tokens);
        j.WriteStartArray("sequences");
        foreach (var e in results)
        {
            j.WriteStartObject();
            j.WriteString("id", e.Id);
            j.WriteNumber("length", e.Length);
            j.WriteString("handling", e.Handling.ToString().ToLowerInvariant());
            j.WriteNumber("residues_used", e.ResiduesUsed);
            j.WriteNumber("windows", e.Windows);
            j.WriteNumber("seconds", e.Seconds);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteEndObject();
    }
}
