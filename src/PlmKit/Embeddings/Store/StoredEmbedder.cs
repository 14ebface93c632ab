using System.Diagnostics;

namespace PlmKit.Embeddings.Store;

/// <summary>What <see cref="StoredEmbedder.Run"/> did.</summary>
/// <param name="Sequences">Distinct sequences in this run's shard.</param>
/// <param name="Reused">Of those, sequences whose every requested vector was already stored.</param>
/// <param name="Computed">Sequences embedded now (each committed in its batch's transaction).</param>
/// <param name="VectorsAdded">Vectors newly stored (fewer than computed·layers·pools when another process stored some first).</param>
public sealed record StoredEmbedReport(int Sequences, int Reused, int Computed, long VectorsAdded);

/// <summary>
/// Puts an <see cref="EmbeddingStore"/> in front of an <see cref="IEmbeddingSource"/>: records the
/// ids, finds the sequences with a missing vector, embeds only those in batches (longest first,
/// as fair-esm's extract.py orders work) and commits each batch in one transaction. Killed at
/// any moment and run again, it computes only what was not committed.
/// </summary>
public sealed class StoredEmbedder(EmbeddingStore store, IEmbeddingSource source)
{
    /// <summary>Called after each committed batch with (sequences done in this run, sequences to do).</summary>
    public Action<int, int>? Progress { get; init; }

    /// <summary>The key of one vector of this source.</summary>
    public EmbeddingKey Key(int layer, string pool, string sequenceSha256) =>
        new(source.ModelId, layer, pool, source.LongPolicy, source.Dtype, sequenceSha256);

    /// <summary>
    /// Makes sure the store holds every (sequence, layer, pool) vector of <paramref name="items"/>
    /// whose sequence falls in <paramref name="shard"/> (all ids are recorded, whatever the shard, so
    /// merged shard stores export in input order).
    /// </summary>
    /// <param name="items">(id, sequence) in input order.</param>
    /// <param name="layers">Layers wanted.</param>
    /// <param name="pools">Pooling methods wanted.</param>
    /// <param name="shard">Part of the work this process does (by sequence hash).</param>
    /// <param name="batchSequences">Sequences per committed batch (≥ 1).</param>
    public StoredEmbedReport Run(IReadOnlyList<(string Id, string Sequence)> items, IReadOnlyList<int> layers,
        IReadOnlyList<string> pools, Experiments.Shard shard, int batchSequences = 32)
    {
        if (batchSequences < 1)
            throw new ConfigurationException($"batch size must be at least 1 (got {batchSequences})");
        if (layers.Count == 0 || pools.Count == 0)
            throw new ConfigurationException("need at least one layer and one pooling method");
        var hashed = items.Select(i => (i.Id, i.Sequence, Sha: SequenceHash.Of(i.Sequence))).ToList();
        store.PutNames(hashed.Select(h => new SequenceName(h.Id, h.Sha)));

        var distinct = hashed.DistinctBy(h => h.Sha).Where(h => shard.Contains(h.Sha)).ToList();
        var keys = distinct.SelectMany(h => layers.SelectMany(l => pools.Select(p => Key(l, p, h.Sha))));
        var missingShas = store.Missing(keys).Select(k => k.SequenceSha256).ToHashSet(StringComparer.Ordinal);
        var todo = distinct.Where(h => missingShas.Contains(h.Sha))
            .OrderByDescending(h => h.Sequence.Length).ThenBy(h => h.Sha, StringComparer.Ordinal).ToList();

        long added = 0;
        for (int start = 0; start < todo.Count; start += batchSequences)
        {
            var batch = todo.GetRange(start, Math.Min(batchSequences, todo.Count - start));
            var clock = Stopwatch.StartNew();
            var vectors = source.Embed(batch.Select(b => b.Sequence).ToList(), layers, pools);
            double seconds = clock.Elapsed.TotalSeconds;
            if (vectors.Count != batch.Count || vectors.Any(v => v.Length != layers.Count * pools.Count))
                throw new PlmKitException($"embedding source {source.ModelName} returned {vectors.Count} results for {batch.Count} sequences");
            var provenance = new EmbeddingProvenance(EmbeddingStore.PlmKitVersion, source.Device,
                seconds / batch.Count, DateTime.UtcNow, source.ModelName);
            var rows = new List<StoredEmbedding>(batch.Count * layers.Count * pools.Count);
            for (int s = 0; s < batch.Count; s++)
                for (int l = 0; l < layers.Count; l++)
                    for (int p = 0; p < pools.Count; p++)
                        rows.Add(new StoredEmbedding(Key(layers[l], pools[p], batch[s].Sha), vectors[s][l * pools.Count + p], provenance));
            added += store.Put(rows);
            Progress?.Invoke(start + batch.Count, todo.Count);
        }
        return new StoredEmbedReport(distinct.Count, distinct.Count - todo.Count, todo.Count, added);
    }
}
