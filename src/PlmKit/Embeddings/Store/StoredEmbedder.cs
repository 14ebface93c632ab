using System.Diagnostics;

namespace PlmKit.Embeddings.Store;

/// <summary>What <see cref="StoredEmbedder.Run"/> did.</summary>
/// <param name="Sequences">Distinct sequences in this run's shard.</param>
/// <param name="Reused">Of those, sequences in chunks whose every requested vector was already stored.</param>
/// <param name="Computed">Sequences embedded now (whole chunks, each committed in one transaction).</param>
/// <param name="VectorsAdded">Vectors newly stored (fewer than computed·layers·pools when another process stored some first).</param>
public sealed record StoredEmbedReport(int Sequences, int Reused, int Computed, long VectorsAdded);

/// <summary>
/// Puts an <see cref="EmbeddingStore"/> in front of an <see cref="IEmbeddingSource"/>: records the
/// ids, embeds the chunks of sequences that have a missing vector and commits each chunk in one
/// transaction. Killed at any moment and run again, it computes only what was not committed.
/// </summary>
/// <remarks>
/// A forward pass's floating-point results depend (in the last bits) on which sequences share its
/// batch. So that a resumed run, or a run split into shards, gives bit for bit the vectors of one
/// uninterrupted run, the chunks are fixed by the input alone: the distinct sequences are spread
/// over K = ⌈n / chunk size⌉ chunks by a stable hash of each sequence, chunk c belongs to shard
/// c mod N, and a chunk is always embedded whole (sequences longest first, as extract.py orders them).
/// </remarks>
public sealed class StoredEmbedder(EmbeddingStore store, IEmbeddingSource source)
{
    /// <summary>Called once before the first chunk and after each committed chunk with (sequences done in this run, sequences to do).</summary>
    public Action<int, int>? Progress { get; init; }

    /// <summary>
    /// A chunk size (mean sequences per chunk) that fills about <paramref name="batchesPerChunk"/>
    /// token batches of <paramref name="tokensPerBatch"/>: the last, partly filled batch of each chunk
    /// then costs a few per cent at most, while a kill loses at most one chunk's work.
    /// </summary>
    public static int ChunkSizeFor(IEnumerable<string> sequences, int tokensPerBatch, int batchesPerChunk = 16)
    {
        var lengths = sequences.Select(s => s.Length + 2L).ToList();
        if (lengths.Count == 0)
            return 1;
        double mean = lengths.Average();
        return (int)Math.Max(1, Math.Min(int.MaxValue, Math.Ceiling(batchesPerChunk * (double)tokensPerBatch / mean)));
    }

    /// <summary>The key of one vector of this source.</summary>
    public EmbeddingKey Key(int layer, string pool, string sequenceSha256) =>
        new(source.ModelId, layer, pool, source.LongPolicy, source.Dtype, sequenceSha256);

    /// <summary>
    /// Makes sure the store holds every (sequence, layer, pool) vector of <paramref name="items"/>
    /// whose chunk falls in <paramref name="shard"/> (all ids are recorded, whatever the shard, so
    /// merged shard stores export in input order).
    /// </summary>
    /// <param name="items">(id, sequence) in input order.</param>
    /// <param name="layers">Layers wanted.</param>
    /// <param name="pools">Pooling methods wanted.</param>
    /// <param name="shard">Part of the work this process does.</param>
    /// <param name="chunkSequences">Mean sequences per chunk, the unit of computing and committing (≥ 1).</param>
    public StoredEmbedReport Run(IReadOnlyList<(string Id, string Sequence)> items, IReadOnlyList<int> layers,
        IReadOnlyList<IPooling> pools, Shard shard, int chunkSequences = 32)
    {
        if (chunkSequences < 1)
            throw new ConfigurationException($"chunk size must be at least 1 (got {chunkSequences})");
        if (layers.Count == 0 || pools.Count == 0)
            throw new ConfigurationException("need at least one layer and one pooling method");
        var hashed = items.Select(i => (i.Id, i.Sequence, Sha: SequenceHash.Of(i.Sequence))).ToList();
        store.PutNames(hashed.Select(h => new SequenceName(h.Id, h.Sha)));

        var distinct = hashed.DistinctBy(h => h.Sha).ToList();
        int chunkCount = Math.Max(1, (distinct.Count + chunkSequences - 1) / chunkSequences);
        var chunks = distinct
            .GroupBy(h => Shard.Of(h.Sha, chunkCount))
            .Where(g => g.Key % shard.Count == shard.Index)
            .OrderBy(g => g.Key)
            .Select(g => g.OrderByDescending(h => h.Sequence.Length).ThenBy(h => h.Sha, StringComparer.Ordinal).ToList())
            .ToList();
        var keys = chunks.SelectMany(c => c).SelectMany(h => layers.SelectMany(l => pools.Select(p => Key(l, p.Name, h.Sha))));
        var missingShas = store.Missing(keys).Select(k => k.SequenceSha256).ToHashSet(StringComparer.Ordinal);
        var todo = chunks.Where(c => c.Any(h => missingShas.Contains(h.Sha))).ToList();
        int mine = chunks.Sum(c => c.Count), toCompute = todo.Sum(c => c.Count), done = 0;

        long added = 0;
        Progress?.Invoke(0, toCompute);
        foreach (var chunk in todo)
        {
            var clock = Stopwatch.StartNew();
            var vectors = source.Embed(chunk.Select(b => b.Sequence).ToList(), layers, pools);
            double seconds = clock.Elapsed.TotalSeconds;
            if (vectors.Count != chunk.Count || vectors.Any(v => v.Length != layers.Count * pools.Count))
                throw new PlmKitException($"embedding source {source.ModelName} returned {vectors.Count} results for {chunk.Count} sequences");
            var provenance = new EmbeddingProvenance(PlmKitVersion.Current, source.Device,
                seconds / chunk.Count, DateTime.UtcNow, source.ModelName);
            var rows = new List<StoredEmbedding>(chunk.Count * layers.Count * pools.Count);
            for (int s = 0; s < chunk.Count; s++)
                for (int l = 0; l < layers.Count; l++)
                    for (int p = 0; p < pools.Count; p++)
                        rows.Add(new StoredEmbedding(Key(layers[l], pools[p].Name, chunk[s].Sha), vectors[s][l * pools.Count + p], provenance));
            added += store.Put(rows);
            done += chunk.Count;
            Progress?.Invoke(done, toCompute);
        }
        return new StoredEmbedReport(mine, mine - toCompute, toCompute, added);
    }
}
