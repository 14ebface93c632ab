using System.Diagnostics;
using System.Globalization;
using System.Text;
using PlmKit.Data;
using PlmKit.Models;

namespace PlmKit.Embeddings.Store;

/// <summary>What <see cref="EmbedJob.Run"/> embeds and where it writes; settings already parsed (see <see cref="EmbedDtypes"/>,
/// <see cref="LongSequencePolicies"/>, <see cref="Poolings.ParseList(string, string)"/>, <see cref="Shard.Parse"/>).</summary>
public sealed record EmbedJobOptions
{
    /// <summary>Zoo name, model folder or weight file of any family (<see cref="ModelZoo.Load"/>).</summary>
    public required string Model { get; init; }

    /// <summary>A LoRA checkpoint of <c>plmkit finetune</c> merged into the ESM-2 weights (fine-tuned embeddings; <see cref="PlmKit.Models.Esm.EsmLora"/>), or null.</summary>
    public string? Adapter { get; init; }

    /// <summary>FASTA file, or CSV with id and sequence columns (<see cref="SequenceInput.Read"/>).</summary>
    public required string Input { get; init; }

    /// <summary>Output folder (created if needed).</summary>
    public required string Out { get; init; }

    /// <summary>Layers as <see cref="EmbedderOptions.ParseLayers"/> reads them (<c>-1</c>, <c>0,3,-1</c>, <c>all</c>); resolved once the model is loaded.</summary>
    public string Layers { get; init; } = "-1";

    /// <summary>Pooling methods; their <see cref="IPooling.Name"/> names the files <c>layer&lt;k&gt;.&lt;name&gt;.csv</c>.</summary>
    public IReadOnlyList<IPooling> Pools { get; init; } = [new MeanPooling()];

    /// <summary>Dtype, long-sequence policy, device and memory budget.</summary>
    public EmbedSettings Settings { get; init; } = new();

    /// <summary>Token budget per forward batch.</summary>
    public int MaxTokens { get; init; } = Batching.DefaultTokensPerBatch;

    /// <summary>Torch CPU threads, or null for torch's default.</summary>
    public int? Threads { get; init; }

    /// <summary>Also write per-residue states <c>layer&lt;k&gt;.per_token.csv</c> (not with a store, which keeps pooled vectors only).</summary>
    public bool PerToken { get; init; }

    /// <summary>Embedding store folder to compute only missing vectors into and keep them, or null for none.</summary>
    public string? Store { get; init; }

    /// <summary>Part of the work this process does (needs <see cref="Store"/> when split); a split run only fills the store.</summary>
    public Shard Shard { get; init; } = Shard.All;

    /// <summary>With a store: mean sequences per committed chunk; null: about 16 token batches (<see cref="StoredEmbedder.ChunkSizeFor"/>).</summary>
    public int? CommitEvery { get; init; }

    /// <summary>Command line recorded in the manifest, or null (a notebook).</summary>
    public IReadOnlyList<string>? CommandLine { get; init; }
}

/// <summary>Progress of an <see cref="EmbedJob"/>: sequences embedded now of those to embed, and the tokens they took.</summary>
/// <param name="Done">Distinct sequences embedded so far in this run.</param>
/// <param name="ToDo">Distinct sequences this run embeds (the rest come from the store).</param>
/// <param name="Tokens">Tokens processed so far.</param>
/// <param name="Elapsed">Time since embedding began.</param>
public sealed record EmbedProgress(int Done, int ToDo, long Tokens, TimeSpan Elapsed);

/// <summary>What an <see cref="EmbedJob"/> is about to do, told before the first batch.</summary>
/// <param name="Memory">The memory mode, why, and the expected peak.</param>
/// <param name="Tokens">Tokens of the distinct sequences (before the store is asked which are done).</param>
/// <param name="EstimatedSeconds">Estimated embedding time: the blocks' multiply-adds for <paramref name="Tokens"/> at the rate of a matrix product
/// of the model's width timed on this machine just now (attention and, when streamed, weight reads not counted: a lower bound).</param>
public sealed record EmbedPlan(MemoryPlan Memory, long Tokens, double EstimatedSeconds);

/// <summary>What an <see cref="EmbedJob"/> did.</summary>
/// <param name="Ids">Ids in the input (one per id; repeats with the same sequence count once).</param>
/// <param name="Store">Distinct sequences of this shard, reused from the store, embedded now, vectors added.</param>
/// <param name="Tokens">Tokens the model processed in this run.</param>
/// <param name="Seconds">Embedding time.</param>
/// <param name="Files">Files written to <see cref="EmbedJobOptions.Out"/> (names), manifest last; empty for a split run.</param>
public sealed record EmbedJobReport(int Ids, StoredEmbedReport Store, long Tokens, double Seconds, IReadOnlyList<string> Files);

/// <summary>
/// The one embedding pipeline (<c>plmkit embed</c>, with or without a store, sharded or not, and
/// notebooks): reads and checks the input, refuses bad input before any work, computes the missing
/// vectors through <see cref="StoredEmbedder"/> (into the given store, or a temporary one, so results
/// with and without a store are the same bytes), then writes one CSV per (layer, pool)
/// <c>layer&lt;k&gt;.&lt;pool&gt;.csv</c> (<c>id, c0 … c(n−1)</c>, ids in input order, quoted by
/// <see cref="CsvFile"/>), optional per-residue files and <see cref="ManifestName"/>. Files are
/// written to a temporary folder inside the output folder and moved only when all exist.
/// </summary>
public static class EmbedJob
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestName = "embed.manifest.json";

    /// <summary>Runs the job (see the class summary).</summary>
    /// <param name="o">What to embed.</param>
    /// <param name="progress">Told after each protein embedded, or null.</param>
    /// <param name="planned">Told the memory mode, expected peak and estimated time before the first batch, or null.</param>
    /// <exception cref="ConfigurationException">An inert or contradictory option combination, bad layers, sizes or device.</exception>
    /// <exception cref="InputException">Bad input file or sequences (file and line named).</exception>
    /// <exception cref="ModelLoadException">Model not found or damaged.</exception>
    public static EmbedJobReport Run(EmbedJobOptions o, IProgress<EmbedProgress>? progress = null, Action<EmbedPlan>? planned = null)
    {
        if (o.PerToken && o.Store is not null) throw new ConfigurationException("--per-token cannot be combined with --store (the store keeps pooled vectors only).");
        if (o.Shard.Count > 1 && o.Store is null) throw new ConfigurationException("--shard needs --store (each shard fills a store; merge them with plmkit store merge).");
        if (o.CommitEvery is not null && o.Store is null) throw new ConfigurationException("--commit-every needs --store (it sets what a kill of a store run can lose).");
        if (o.CommitEvery < 1) throw new ConfigurationException($"--commit-every must be at least 1 (got {o.CommitEvery}).");
        if (o.MaxTokens <= 0) throw new ConfigurationException($"--max-tokens must be positive (got {o.MaxTokens}).");
        if (o.Pools.Count == 0) throw new ConfigurationException("--pool: no pooling given.");
        if (o.Pools.DistinctBy(p => p.Name).Count() != o.Pools.Count) throw new ConfigurationException("--pool: a pooling is listed twice.");
        OutputFolder.Check(o.Out);

        var records = SequenceInput.Read(o.Input);
        var items = records.Select(r => (r.Id, r.Sequence)).ToList();
        ResidueAlphabet.Validate(items, o.Input);

        using var source = ModelEmbeddingSource.Open(o.Model, o.Settings, o.MaxTokens, o.Threads, o.Adapter,
            items.Count == 0 ? null : items.Max(i => i.Sequence.Length) + 2L, layerCount => EmbedderOptions.ParseLayers(o.Layers, layerCount).Count);
        var layers = EmbedderOptions.ParseLayers(o.Layers, source.LayerCount);
        source.PerToken = o.PerToken;
        var embedder = source.CreateEmbedder(layers, o.Pools);
        embedder.Check(items, o.Input);
        if (planned is not null)
        {
            long planTokens = items.Select(i => i.Sequence).Distinct(StringComparer.Ordinal).Sum(q => embedder.TokensFor(q.Length));
            planned(new EmbedPlan(source.Plan, planTokens, MemoryPlanner.EstimateSeconds(source.Loaded.Model.Info, planTokens, o.Settings.Dtype, source.Device)));
        }

        bool writes = o.Shard.Count == 1;
        string? temp = null;
        if (writes)
        {
            Directory.CreateDirectory(o.Out);
            temp = Directory.CreateDirectory(Path.Combine(o.Out, $".plmkit-embed-{Guid.NewGuid():N}")).FullName;
        }
        try
        {
            using var store = EmbeddingStore.Open(o.Store ?? Path.Combine(temp!, "store"));
            var idsOf = items.GroupBy(i => i.Sequence, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(i => i.Id).ToList(), StringComparer.Ordinal);
            var details = new Dictionary<string, ProteinEmbedding>(StringComparer.Ordinal);
            using var perToken = o.PerToken ? new PerTokenFiles(temp!, layers, source.Loaded.Model.Info.Hidden) : null;
            var clock = new Stopwatch();
            long tokens = 0;
            int done = 0, toDo = 0;
            source.Embedded = (e, sequence) =>
            {
                details[sequence] = e with { PerToken = null, Vectors = [] };
                tokens += e.Tokens;
                done++;
                perToken?.Write(idsOf[sequence], sequence, e);
                progress?.Report(new EmbedProgress(done, toDo, tokens, clock.Elapsed));
            };
            var stored = new StoredEmbedder(store, source)
            {
                Progress = (_, total) => { toDo = total; clock.Start(); },
            }.Run(items, layers, o.Pools, o.Shard, o.CommitEvery ?? StoredEmbedder.ChunkSizeFor(items.Select(i => i.Sequence), o.MaxTokens));
            clock.Stop();
            if (!writes)
                return new EmbedJobReport(items.Count, stored, tokens, clock.Elapsed.TotalSeconds, []);

            var names = items.Select(i => new SequenceName(i.Id, SequenceHash.Of(i.Sequence))).ToList();
            var files = new List<string>();
            foreach (int k in layers)
                foreach (var pool in o.Pools)
                {
                    var file = StoreExporter.Export(store, new EmbeddingKey(source.ModelId, k, pool.Name, source.LongPolicy, source.Dtype, ""), names, temp!, ExportFormat.Csv);
                    if (file.IdsWithoutVector > 0)
                        throw new PlmKitException($"store {store.Directory} lacks {file.IdsWithoutVector} vectors of layer {k} {pool.Name} after embedding");
                    files.Add(Path.GetFileName(file.Path));
                }
            if (perToken is not null) files.AddRange(perToken.Close());
            WriteManifest(Path.Combine(temp!, ManifestName), o, source, embedder, layers, items, details, stored, tokens, clock.Elapsed.TotalSeconds, files);
            files.Add(ManifestName);
            foreach (var name in files) File.Move(Path.Combine(temp!, name), Path.Combine(o.Out, name), overwrite: true);
            return new EmbedJobReport(items.Count, stored, tokens, clock.Elapsed.TotalSeconds, files);
        }
        finally
        {
            if (temp is not null) Directory.Delete(temp, recursive: true);
        }
    }

    private static void WriteManifest(string path, EmbedJobOptions o, ModelEmbeddingSource source, Embedder embedder, IReadOnlyList<int> layers,
        List<(string Id, string Sequence)> items, Dictionary<string, ProteinEmbedding> details, StoredEmbedReport stored, long tokens, double seconds,
        IReadOnlyList<string> files)
    {
        var info = source.Loaded.Model.Info;
        var manifest = new Manifest("embed", o.CommandLine)
            .Config("model", o.Model)
            .Config("model_source", Path.GetFullPath(source.Loaded.Source))
            .Config("adapter", o.Adapter is null ? null : Path.GetFullPath(o.Adapter))
            .Config("family", info.Family)
            .Config("model_id", source.ModelId)
            .Config("weights_sha256", source.WeightsSha256)
            .Config("model_layers", info.Layers)
            .Config("hidden", info.Hidden)
            .Config("parameters", info.Parameters)
            .Config("licence", info.Licence)
            .Config("layers", layers)
            .Config("pools", o.Pools.Select(p => p.Name).ToList())
            .Config("dtype", source.Dtype)
            .Config("long_policy", source.LongPolicy)
            .Config("max_residues", embedder.MaxResidues == int.MaxValue ? null : embedder.MaxResidues)
            .Config("window_stride", embedder.WindowStride)
            .Config("max_tokens", o.MaxTokens)
            .Config("device", source.Device)
            .Config("threads", TorchSharp.torch.get_num_threads())
            .Config("mkl_dispatch", TorchRuntime.MklDispatch)
            .Config("per_token", o.PerToken)
            .Config("store", o.Store is null ? null : Path.GetFullPath(o.Store))
            .Config("commit_every", o.CommitEvery)
            .Config("max_memory_bytes", o.Settings.MaxMemoryBytes)
            .Input(o.Input)
            .Set("embedding", new Dictionary<string, object>
            {
                ["ids"] = items.Count,
                ["distinct_sequences"] = stored.Sequences,
                ["reused_from_store"] = stored.Reused,
                ["embedded_now"] = stored.Computed,
                ["tokens"] = tokens,
                ["seconds"] = seconds,
            })
            // Peak resident size of the whole process (VmHWM: loading, embedding and writing), null where /proc is missing.
            .Set("memory", new Dictionary<string, object?>
            {
                ["mode"] = source.Plan.Mode,
                ["reason"] = source.Plan.Reason,
                ["expected_peak_bytes"] = source.Plan.ExpectedPeakBytes,
                ["chunk_tokens"] = source.Plan.Streamed ? source.Plan.ChunkTokens : null,
                // The batch the plan lowered --max-tokens to, so that one streamed batch fits; null when it kept it.
                ["tokens_per_batch"] = source.Plan.TokensPerBatch,
                ["block_reads"] = (source.Loaded.Model as ILayeredModel)?.Streaming?.Reads,
                ["block_read_seconds"] = (source.Loaded.Model as ILayeredModel)?.Streaming?.ReadSeconds,
                ["peak_rss_bytes"] = ProcessMemory.PeakResidentBytes(),
                ["load_seconds"] = source.LoadSeconds,
                ["weights_hash_seconds"] = source.HashSeconds,
            })
            // Per id in input order; how the long-sequence policy treated it is known for the sequences embedded now.
            .Set("sequences", items.Select(i =>
            {
                var row = new Dictionary<string, object> { ["id"] = i.Id, ["length"] = i.Sequence.Length };
                if (details.TryGetValue(i.Sequence, out var e))
                {
                    row["handling"] = e.Handling.ToString().ToLowerInvariant();
                    row["residues_used"] = e.ResiduesUsed;
                    row["windows"] = e.Windows;
                    row["seconds"] = e.Seconds;
                }
                return row;
            }).ToList());
        foreach (var f in files) manifest.Output(Path.Combine(Path.GetDirectoryName(path)!, f));
        manifest.Write(path);
    }

    /// <summary>
    /// <c>layer&lt;k&gt;.per_token.csv</c>: <c>id, position, residue, c0 …</c>, proteins in processing order, every id of a
    /// repeated sequence. Streamed (the states of a whole input do not fit in memory); the temporary folder makes it atomic.
    /// </summary>
    private sealed class PerTokenFiles : IDisposable
    {
        private readonly Dictionary<int, StreamWriter> _writers;
        private readonly int _hidden;
        private readonly StringBuilder _line = new();

        public PerTokenFiles(string folder, IReadOnlyList<int> layers, int hidden)
        {
            _hidden = hidden;
            _writers = layers.ToDictionary(k => k, k => new StreamWriter(Path.Combine(folder, Name(k)), false, new UTF8Encoding(false)));
            foreach (var w in _writers.Values)
            {
                w.Write(CsvFile.Line(["id", "position", "residue", .. Enumerable.Range(0, hidden).Select(j => (object?)("c" + j.ToString(CultureInfo.InvariantCulture)))]));
                w.Write('\n');
            }
        }

        private static string Name(int layer) => $"layer{layer}.per_token.csv";

        public void Write(IReadOnlyList<string> ids, string sequence, ProteinEmbedding e)
        {
            Span<char> buffer = stackalloc char[32];
            foreach (var (layer, w) in _writers)
            {
                var states = e.PerToken![layer];
                foreach (var id in ids)
                    for (int i = 0; i < e.ResiduesUsed; i++)
                    {
                        _line.Clear().Append(CsvFile.Field(id)).Append(',').Append(i + 1).Append(',').Append(sequence[i]);
                        for (int j = 0; j < _hidden; j++)
                        {
                            states[i * _hidden + j].TryFormat(buffer, out int n, "R", CultureInfo.InvariantCulture);
                            _line.Append(',').Append(buffer[..n]);
                        }
                        w.Write(_line.Append('\n'));
                    }
            }
        }

        public IReadOnlyList<string> Close()
        {
            Dispose();
            return _writers.Keys.Select(Name).ToList();
        }

        public void Dispose()
        {
            foreach (var w in _writers.Values) w.Dispose();
        }
    }
}
