using PlmKit.Embeddings;
using PlmKit.Embeddings.Store;
using PlmKit.Experiments;

using PlmKit.StoreWorker;

namespace PlmKit.Tests.Embeddings.Store;

public class StoredEmbedderTests
{
    private static readonly int[] Layers = [0, 2];
    private static readonly IReadOnlyList<IPooling> Pools = Poolings.ParseList("mean,bos");

    [Fact]
    public void Second_run_computes_nothing_and_a_new_layer_only_what_is_new()
    {
        using var tmp = new TempDir();
        var items = SyntheticSource.Sequences(40);
        items.Add(("same-seq-other-id", items[0].Sequence));
        using var store = EmbeddingStore.Open(tmp.Path);
        var source = new SyntheticSource();
        var embedder = new StoredEmbedder(store, source);

        var first = embedder.Run(items, Layers, Pools, Shard.All, chunkSequences: 7);
        Assert.Equal(new StoredEmbedReport(40, 0, 40, 160), first);
        Assert.Equal(40, source.Embedded);

        var again = embedder.Run(items, Layers, Pools, Shard.All, chunkSequences: 7);
        Assert.Equal(new StoredEmbedReport(40, 40, 0, 0), again);
        Assert.Equal(40, source.Embedded);

        var more = embedder.Run(items.Take(10).ToList(), [0, 2, 1], Pools, Shard.All);
        Assert.Equal(10, more.Computed);
        Assert.Equal(20, more.VectorsAdded); // only layer 1's two pools are new
        Assert.Equal(41, store.Names().Count);
        var key = embedder.Key(2, "bos", SequenceHash.Of(items[5].Sequence));
        Assert.Equal(SyntheticSource.Vector(items[5].Sequence, 2, "bos", 8), store.Get(key)!.Vector);
    }

    [Fact]
    public void Shards_compute_each_sequence_exactly_once_and_merge_to_the_single_process_result()
    {
        using var tmp = new TempDir();
        var items = SyntheticSource.Sequences(90);
        int computed = 0;
        for (int i = 0; i < 3; i++)
        {
            using var shardStore = EmbeddingStore.Open(tmp.Sub($"shard{i}"));
            var report = new StoredEmbedder(shardStore, new SyntheticSource()).Run(items, Layers, Pools, new Shard(i, 3), chunkSequences: 10);
            computed += report.Computed;
            Assert.True(report.Computed > 0);
        }
        Assert.Equal(90, computed);

        using var merged = EmbeddingStore.Open(tmp.Sub("merged"));
        for (int i = 0; i < 3; i++)
            merged.Merge(tmp.Sub($"shard{i}"));
        using var single = EmbeddingStore.Open(tmp.Sub("single"));
        new StoredEmbedder(single, new SyntheticSource()).Run(items, Layers, Pools, Shard.All, chunkSequences: 10);

        Assert.Equal(single.Names(), merged.Names());
        foreach (var l in Layers)
            foreach (var p in Pools)
            {
                var a = StoreExporter.Export(single, new EmbeddingKey(new SyntheticSource().ModelId, l, p.Name, "truncate", "fp32", ""), single.Names(), tmp.Sub("a"), ExportFormat.Csv);
                var b = StoreExporter.Export(merged, new EmbeddingKey(new SyntheticSource().ModelId, l, p.Name, "truncate", "fp32", ""), merged.Names(), tmp.Sub("b"), ExportFormat.Csv);
                Assert.Equal(File.ReadAllBytes(a.Path), File.ReadAllBytes(b.Path));
            }
    }

    [Fact]
    public void Default_chunks_hold_about_sixteen_token_batches()
    {
        // 98 residues + BOS/EOS = 100 tokens; 16 batches of 4,096 tokens hold 655.36 sequences.
        Assert.Equal(656, StoredEmbedder.ChunkSizeFor(Enumerable.Repeat(new string('A', 98), 10), 4096));
        Assert.Equal(1, StoredEmbedder.ChunkSizeFor([new string('A', 100_000)], 4096));
        Assert.Equal(1, StoredEmbedder.ChunkSizeFor([], 4096));
    }

    [Fact]
    public void Bad_arguments_are_configuration_errors()
    {
        using var tmp = new TempDir();
        using var store = EmbeddingStore.Open(tmp.Path);
        var embedder = new StoredEmbedder(store, new SyntheticSource());
        Assert.Throws<ConfigurationException>(() => embedder.Run([("a", "MK")], [], Pools, Shard.All));
        Assert.Throws<ConfigurationException>(() => embedder.Run([("a", "MK")], Layers, Pools, Shard.All, chunkSequences: 0));
    }
}
