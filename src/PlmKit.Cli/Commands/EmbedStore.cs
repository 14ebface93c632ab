using System.Globalization;
using System.Text.Json;
using PlmKit.Data;
using PlmKit.Embeddings;
using PlmKit.Embeddings.Store;
using PlmKit.Experiments;
using PlmKit.Models;
using PlmKit.Regression;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit embed … --store DIR [--shard i/N]</c>: the store computes only the vectors it lacks
/// (committing each batch), then the outputs are exported from the store in input order, in the
/// same layout as a plain <c>plmkit embed</c>. A sharded run only fills its store; the unsharded
/// pass after merging writes the files.
/// </summary>
internal static class EmbedStore
{
    public static int Run(string model, string input, string layersText, string poolsText, string outDir, int maxTokens,
        string dtype, string device, string longPolicy, int? threads, string storeDir, string? shardText, int? commitEvery, TextWriter output)
    {
        if (commitEvery < 1) throw new ConfigurationException($"--commit-every must be at least 1 (got {commitEvery}).");
        var shard = shardText is null ? Shard.All : Shard.Parse(shardText);
        if (maxTokens <= 0) throw new ConfigurationException($"--max-tokens must be positive (got {maxTokens}).");
        var pools = poolsText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
        if (pools.Count == 0) throw new ConfigurationException("--pool: no pooling given.");
        foreach (var p in pools) Poolings.Create(p);
        if (File.Exists(outDir)) throw new ConfigurationException($"--out: '{outDir}' is a file, not a folder.");

        var records = SequenceInput.Read(input);
        var items = records.Select(r => (r.Id, r.Sequence)).ToList();
        ResidueAlphabet.Validate(items, input);

        using var source = ModelEmbeddingSource.Open(model, new EmbedSettings(dtype.ToLowerInvariant(), longPolicy.ToLowerInvariant(), device), maxTokens, threads);
        var layers = EmbedderOptions.ParseLayers(layersText, source.LayerCount);
        foreach (var p in pools) Poolings.Create(p).OutputLength(source.Loaded.Model.Info.Hidden);
        using var store = EmbeddingStore.Open(storeDir);
        var report = new StoredEmbedder(store, source).Run(items, layers, pools, shard,
            commitEvery ?? StoredEmbedder.ChunkSizeFor(items.Select(i => i.Sequence), maxTokens));
        output.WriteLine($"store {store.Directory} (shard {shard}): {report.Sequences} sequences, {report.Reused} already stored, {report.Computed} embedded now, {report.VectorsAdded} vectors added");
        if (shard.Count > 1)
        {
            output.WriteLine("sharded run: outputs are written by the unsharded pass after `plmkit store merge`");
            return 0;
        }

        var names = items.Select(i => new SequenceName(i.Id, SequenceHash.Of(i.Sequence))).ToList();
        var written = new List<string>();
        foreach (int k in layers)
            foreach (var p in pools)
            {
                var file = StoreExporter.Export(store, new EmbeddingKey(source.ModelId, k, p, source.LongPolicy, source.Dtype, ""), names, outDir, ExportFormat.Csv);
                if (file.IdsWithoutVector > 0)
                    throw new PlmKitException($"store {store.Directory} lacks {file.IdsWithoutVector} vectors of layer {k} {p} after embedding");
                written.Add(Path.GetFileName(file.Path));
            }
        var manifest = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["command"] = "embed",
            ["plmkit"] = PlmKitVersion.Current,
            ["model"] = model,
            ["model_source"] = Path.GetFullPath(source.Loaded.Source),
            ["family"] = source.Loaded.Model.Info.Family,
            ["model_id"] = source.ModelId,
            ["weights_sha256"] = source.WeightsSha256,
            ["input"] = Path.GetFullPath(input),
            ["input_sha256"] = FileHash.Sha256(input),
            ["layers"] = layers,
            ["pools"] = pools,
            ["max_tokens"] = maxTokens,
            ["dtype"] = source.Dtype,
            ["device"] = source.Device,
            ["long_policy"] = source.LongPolicy,
            ["store"] = store.Directory,
            ["sequences"] = report.Sequences,
            ["reused_from_store"] = report.Reused,
            ["embedded_now"] = report.Computed,
        }, new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.WriteAllText(Path.Combine(outDir, "embed.manifest.json"), manifest);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {written.Count + 1} files to {outDir}"));
        return 0;
    }
}
