using Microsoft.Data.Sqlite;
using Parquet;
using Parquet.Schema;
using PlmKit.Embeddings.Store;
using PlmKit.Experiments;

using PlmKit.StoreWorker;

namespace PlmKit.Tests.Embeddings.Store;

public class EmbeddingStoreTests
{
    private static readonly EmbeddingProvenance Prov = new("0.1.0", "cpu", 0.25, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), "tiny");

    private static EmbeddingKey Key(string seq, int layer = 2, string pool = "mean", string model = "m1") =>
        new(model, layer, pool, "truncate", "fp32", SequenceHash.Of(seq));

    private static StoredEmbedding Row(string seq, int layer = 2, string pool = "mean", string model = "m1", int dim = 5) =>
        new(Key(seq, layer, pool, model), SyntheticSource.Vector(seq, layer, pool, dim), Prov);

    [Fact]
    public void Put_then_Get_returns_the_exact_vector_and_provenance_after_reopening()
    {
        using var tmp = new TempDir();
        var row = Row("MKTAY") with { Vector = [1.5f, -0f, float.Epsilon, 3.4028235e38f, -1e-30f] };
        using (var store = EmbeddingStore.Open(tmp.Path))
            Assert.Equal(1, store.Put([row]));
        using (var store = EmbeddingStore.OpenExisting(tmp.Path))
        {
            var got = store.Get(row.Key)!;
            Assert.Equal(row.Vector.Select(BitConverter.SingleToInt32Bits), got.Vector.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(row.Provenance, got.Provenance);
            Assert.Null(store.Get(Key("MKTAA")));
        }
    }

    [Fact]
    public void Store_uses_write_ahead_logging()
    {
        using var tmp = new TempDir();
        using var store = EmbeddingStore.Open(tmp.Path);
        using var raw = new SqliteConnection($"Data Source={store.DatabasePath};Pooling=False");
        raw.Open();
        using var cmd = raw.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
    }

    [Fact]
    public void Missing_lists_absent_keys_in_order_and_Put_ignores_present_keys()
    {
        using var tmp = new TempDir();
        using var store = EmbeddingStore.Open(tmp.Path);
        Assert.Equal(2, store.Put([Row("AAA"), Row("CCC")]));
        var original = store.Get(Key("AAA"))!.Vector;
        // Same key, other vector: the first committed vector stays (INSERT OR IGNORE).
        Assert.Equal(1, store.Put([Row("AAA") with { Vector = [9, 9, 9, 9, 9] }, Row("DDD")]));
        Assert.Equal(original, store.Get(Key("AAA"))!.Vector);
        var missing = store.Missing([Key("EEE"), Key("AAA"), Key("AAA", layer: 1), Key("DDD"), Key("FFF")]);
        Assert.Equal([Key("EEE"), Key("AAA", layer: 1), Key("FFF")], missing);
        Assert.Equal(3, store.Count());
    }

    [Fact]
    public void Groups_count_vectors_per_model_layer_and_pool()
    {
        using var tmp = new TempDir();
        using var store = EmbeddingStore.Open(tmp.Path);
        store.Put([Row("AAA"), Row("CCC"), Row("AAA", pool: "bos"), Row("AAA", layer: 0, model: "m2", dim: 3)]);
        var groups = store.Groups();
        Assert.Equal(3, groups.Count);
        Assert.Contains(new StoreGroup("m1", "tiny", 2, "mean", "truncate", "fp32", 5, 2), groups);
        Assert.Contains(new StoreGroup("m1", "tiny", 2, "bos", "truncate", "fp32", 5, 1), groups);
        Assert.Contains(new StoreGroup("m2", "tiny", 0, "mean", "truncate", "fp32", 3, 1), groups);
        Assert.True(store.SizeBytes() > 0);
    }

    [Fact]
    public void Verify_finds_a_damaged_vector_and_Get_refuses_it()
    {
        using var tmp = new TempDir();
        using var store = EmbeddingStore.Open(tmp.Path);
        store.Put([Row("AAA"), Row("CCC"), Row("DDD")]);
        Assert.True(store.Verify().Ok);
        // Flip one bit of CCC's vector behind the store's back (disk damage, a bad copy).
        using (var raw = new SqliteConnection($"Data Source={store.DatabasePath};Pooling=False"))
        {
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "SELECT vector FROM embeddings WHERE seq_sha256 = $s";
            cmd.Parameters.AddWithValue("$s", SequenceHash.Of("CCC"));
            var bytes = (byte[])cmd.ExecuteScalar()!;
            bytes[7] ^= 0x10;
            cmd.CommandText = "UPDATE embeddings SET vector = $v WHERE seq_sha256 = $s";
            cmd.Parameters.AddWithValue("$v", bytes);
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        var report = store.Verify();
        Assert.False(report.Ok);
        Assert.Equal(3, report.Rows);
        Assert.Equal([Key("CCC")], report.Damaged);
        Assert.Equal("ok", report.IntegrityCheck);
        var e = Assert.Throws<InputException>(() => store.Get(Key("CCC")));
        Assert.Contains("damaged", e.Message);
        Assert.NotNull(store.Get(Key("AAA")));
    }

    [Fact]
    public void Merge_is_idempotent_reports_conflicts_and_skips_damaged_rows()
    {
        using var tmp = new TempDir();
        using var a = EmbeddingStore.Open(tmp.Sub("a"));
        using (var b = EmbeddingStore.Open(tmp.Sub("b")))
        {
            a.PutNames([new SequenceName("x", SequenceHash.Of("AAA"))]);
            b.PutNames([new SequenceName("y", SequenceHash.Of("CCC")), new SequenceName("x", SequenceHash.Of("AAA"))]);
            a.Put([Row("AAA"), Row("DDD")]);
            b.Put([Row("AAA"), Row("CCC"), Row("DDD") with { Vector = [1, 2, 3, 4, 5] }, Row("EEE")]);
            using var raw = new SqliteConnection($"Data Source={b.DatabasePath};Pooling=False");
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "UPDATE embeddings SET checksum = zeroblob(32) WHERE seq_sha256 = $s";
            cmd.Parameters.AddWithValue("$s", SequenceHash.Of("EEE"));
            cmd.ExecuteNonQuery();
        }
        var first = a.Merge(tmp.Sub("b"));
        Assert.Equal(1, first.Added);          // CCC
        Assert.Equal(1, first.AlreadyPresent); // AAA
        Assert.Equal(1, first.Conflicting);    // DDD differs: a keeps its own
        Assert.Equal([Key("EEE")], first.Damaged);
        var second = a.Merge(tmp.Sub("b"));
        Assert.Equal(0, second.Added);
        Assert.Equal(2, second.AlreadyPresent);
        Assert.Equal(3, a.Count());
        Assert.Equal(Row("DDD").Vector, a.Get(Key("DDD"))!.Vector);
        Assert.Equal(["x", "y"], a.Names().Select(n => n.Id));
        Assert.Throws<InputException>(() => a.Merge(tmp.Sub("a")));
        Assert.Throws<InputException>(() => a.Merge(tmp.Sub("nothing-here")));
    }

    [Fact]
    public async Task Export_writes_embed_layout_csv_and_parquet_in_name_order()
    {
        using var tmp = new TempDir();
        using var store = EmbeddingStore.Open(tmp.Sub("s"));
        var seqs = new[] { ("b,1", "CCC"), ("a", "AAA"), ("dup-of-a", "AAA"), ("none", "WWW") };
        store.PutNames(seqs.Select(s => new SequenceName(s.Item1, SequenceHash.Of(s.Item2))));
        store.Put([Row("AAA"), Row("CCC"), Row("AAA", layer: 1)]);
        var names = store.Names();
        var csv = StoreExporter.Export(store, Key("x"), names, tmp.Sub("out"), ExportFormat.Csv);
        Assert.Equal(Path.Combine(tmp.Sub("out"), "layer2.mean.csv"), csv.Path);
        Assert.Equal((3, 5, 1), (csv.Rows, csv.Dimension, csv.IdsWithoutVector));
        var lines = File.ReadAllLines(csv.Path);
        Assert.Equal("id,0,1,2,3,4", lines[0]);
        Assert.StartsWith("\"b,1\",", lines[1]);
        Assert.StartsWith("a,", lines[2]);
        Assert.StartsWith("dup-of-a,", lines[3]);
        var parsed = lines[2].Split(',').Skip(1).Select(x => float.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(Row("AAA").Vector, parsed);

        var pq = StoreExporter.Export(store, Key("x"), names, tmp.Sub("out"), ExportFormat.Parquet);
        Assert.EndsWith("layer2.mean.parquet", pq.Path);
        await using var reader = await ParquetReader.CreateAsync(pq.Path);
        var fields = reader.Schema.GetDataFields();
        Assert.Equal(["id", "0", "1", "2", "3", "4"], fields.Select(f => f.Name));
        using var group = reader.OpenRowGroupReader(0);
        var ids = new string?[3];
        await group.ReadAsync(fields[0], ids.AsMemory());
        Assert.Equal(new[] { "b,1", "a", "dup-of-a" }, ids.Select(i => i!).ToArray());
        var c3 = new float[3];
        await group.ReadAsync<float>(fields[4], c3.AsMemory());
        Assert.Equal(Row("AAA").Vector[3], c3[1]);
        Assert.Empty(Directory.GetFiles(tmp.Sub("out"), "*.tmp"));
    }

    [Theory]
    [InlineData("", 1, "mean", "not-a-hash")]
    [InlineData("m", -1, "mean", null)]
    [InlineData("m", 1, "a|b", null)]
    [InlineData("m", 1, "mean", "ABCDEF")]
    public void Put_rejects_malformed_keys(string model, int layer, string pool, string? sha)
    {
        using var tmp = new TempDir();
        using var store = EmbeddingStore.Open(tmp.Path);
        var key = new EmbeddingKey(model, layer, pool, "truncate", "fp32", sha ?? SequenceHash.Of("A"));
        Assert.Throws<ConfigurationException>(() => store.Put([new StoredEmbedding(key, [1f], Prov)]));
        Assert.Equal(0, store.Count());
    }

    [Fact]
    public void Put_rejects_empty_and_non_finite_vectors_and_commits_nothing_of_the_batch()
    {
        using var tmp = new TempDir();
        using var store = EmbeddingStore.Open(tmp.Path);
        var e = Assert.Throws<ConfigurationException>(() => store.Put([Row("AAA"), Row("CCC") with { Vector = [1, float.NaN] }]));
        Assert.Contains("non-finite component 1", e.Message);
        Assert.Throws<ConfigurationException>(() => store.Put([Row("AAA") with { Vector = [] }]));
        Assert.Equal(0, store.Count());
    }

    [Fact]
    public void Opening_something_that_is_not_a_store_fails_clearly()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<InputException>(() => EmbeddingStore.OpenExisting(tmp.Path));
        Assert.Contains("no embedding store", e.Message);
        using (var other = new SqliteConnection($"Data Source={Path.Combine(tmp.Path, EmbeddingStore.FileName)};Pooling=False"))
        {
            other.Open();
            using var cmd = other.CreateCommand();
            cmd.CommandText = "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('kind', 'something-else')";
            cmd.ExecuteNonQuery();
        }
        Assert.Contains("not a PlmKit embedding store", Assert.Throws<InputException>(() => EmbeddingStore.OpenExisting(tmp.Path)).Message);
        Directory.CreateDirectory(tmp.Sub("x"));
        File.WriteAllText(Path.Combine(tmp.Sub("x"), EmbeddingStore.FileName), "not sqlite at all, just text that is long enough to be a header....");
        Assert.Contains("cannot open", Assert.Throws<InputException>(() => EmbeddingStore.OpenExisting(tmp.Sub("x"))).Message);
    }

    [Fact]
    public void Two_connections_writing_overlapping_batches_in_parallel_lose_and_duplicate_nothing()
    {
        using var tmp = new TempDir();
        var seqs = SyntheticSource.Sequences(300);
        using var a = EmbeddingStore.Open(tmp.Path);
        using var b = EmbeddingStore.Open(tmp.Path);
        Parallel.Invoke(
            () => { foreach (var chunk in seqs.Chunk(10)) a.Put(chunk.Select(s => Row(s.Sequence)).ToList()); },
            () => { foreach (var chunk in seqs.AsEnumerable().Reverse().Chunk(7)) b.Put(chunk.Select(s => Row(s.Sequence)).ToList()); });
        Assert.Equal(300, a.Count());
        Assert.Empty(a.Missing(seqs.Select(s => Key(s.Sequence))));
        Assert.True(a.Verify().Ok);
    }
}
