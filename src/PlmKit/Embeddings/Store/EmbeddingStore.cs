using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;

namespace PlmKit.Embeddings.Store;

/// <summary>
/// The key of a group of scalar (zero-shot) scores in the store: one model's weights, one strategy,
/// one long-sequence policy and residue limit, one wild type. Within it a score is keyed by its
/// canonical mutant (substitutions in 1-based wild-type positions, sorted, joined by <c>:</c>; the
/// wild type as the empty string). The store knows nothing of how scores are computed.
/// </summary>
/// <param name="Model">Model id, <c>family:weights-sha256</c> (as for embeddings).</param>
/// <param name="Strategy">Canonical strategy key (e.g. <c>masked-marginals</c>).</param>
/// <param name="LongPolicy">Canonical long-sequence policy key.</param>
/// <param name="MaxResidues">Residues per model input the scores were computed with.</param>
/// <param name="WildTypeSha256">Lower-case hex SHA-256 of the wild-type sequence (UTF-8).</param>
public sealed record ScoreGroup(string Model, string Strategy, string LongPolicy, int MaxResidues, string WildTypeSha256);

/// <summary>
/// A content-addressed store of pooled embedding vectors (and zero-shot scores, <see cref="PutScores"/>) in one SQLite file
/// (<c>&lt;dir&gt;/embeddings.sqlite</c>). Safe against <c>kill -9</c> at any moment (every
/// <see cref="Put"/> is one transaction; SQLite's write-ahead log keeps committed batches and drops
/// the half-written one) and against several processes writing at once (unique key +
/// <c>INSERT OR IGNORE</c>, waits and retries while another writer holds the lock).
/// One instance may be shared by threads: calls are serialised.
/// </summary>
/// <remarks>
/// The write-ahead log needs all writers on one host (it uses shared memory). On a cluster, give
/// each array task its own store directory and merge them afterwards (<see cref="Merge"/>), as
/// <c>plmkit slurm</c> does.
/// </remarks>
public sealed class EmbeddingStore : IDisposable
{
    /// <summary>Name of the SQLite file inside a store directory.</summary>
    public const string FileName = "embeddings.sqlite";

    private const int SchemaVersion = 1;

    private readonly SqliteConnection _db;
    private readonly object _gate = new();

    private EmbeddingStore(string directory, SqliteConnection db)
    {
        Directory = directory;
        _db = db;
    }

    /// <summary>The store directory.</summary>
    public string Directory { get; }

    /// <summary>Full path of the SQLite file.</summary>
    public string DatabasePath => Path.Combine(Directory, FileName);

    /// <summary>Opens the store in <paramref name="directory"/>, creating the directory and file if needed.</summary>
    /// <exception cref="InputException">The file exists but is not a PlmKit store.</exception>
    public static EmbeddingStore Open(string directory) => OpenCore(directory, create: true);

    /// <summary>Opens an existing store; fails with a clear message when <paramref name="directory"/> holds none.</summary>
    /// <exception cref="InputException">No store there, or not a PlmKit store.</exception>
    public static EmbeddingStore OpenExisting(string directory)
    {
        if (!File.Exists(Path.Combine(directory, FileName)))
            throw new InputException(directory, null, $"no embedding store here (expected {FileName}; create one with `plmkit embed --store {directory}`)");
        return OpenCore(directory, create: false);
    }

    private static EmbeddingStore OpenCore(string directory, bool create)
    {
        directory = Path.GetFullPath(directory);
        if (create)
            System.IO.Directory.CreateDirectory(directory);
        var db = SqliteFiles.Connect(Path.Combine(directory, FileName), create);
        try
        {
            var store = new EmbeddingStore(directory, db);
            store.Initialise();
            return store;
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw new InputException(Path.Combine(directory, FileName), null, $"cannot open the embedding store: {e.Message}");
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private void Initialise()
    {
        Retry(() =>
        {
            using var tx = _db.BeginTransaction();
            Exec("""
                CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS embeddings(
                    rowid INTEGER PRIMARY KEY,
                    model TEXT NOT NULL, layer INTEGER NOT NULL, pool TEXT NOT NULL,
                    long_policy TEXT NOT NULL, dtype TEXT NOT NULL, seq_sha256 TEXT NOT NULL,
                    dim INTEGER NOT NULL, vector BLOB NOT NULL, checksum BLOB NOT NULL,
                    model_name TEXT NOT NULL, plmkit_version TEXT NOT NULL, device TEXT NOT NULL,
                    seconds REAL NOT NULL, created TEXT NOT NULL,
                    UNIQUE(model, layer, pool, long_policy, dtype, seq_sha256));
                CREATE TABLE IF NOT EXISTS names(
                    ord INTEGER PRIMARY KEY, id TEXT NOT NULL, seq_sha256 TEXT NOT NULL,
                    UNIQUE(id, seq_sha256));
                CREATE TABLE IF NOT EXISTS scores(
                    model TEXT NOT NULL, strategy TEXT NOT NULL, long_policy TEXT NOT NULL, max_residues INTEGER NOT NULL,
                    wt_sha256 TEXT NOT NULL, mutant TEXT NOT NULL, score REAL NOT NULL,
                    model_name TEXT NOT NULL, plmkit_version TEXT NOT NULL, created TEXT NOT NULL,
                    PRIMARY KEY(model, strategy, long_policy, max_residues, wt_sha256, mutant));
                """, tx);
            Exec($"INSERT OR IGNORE INTO meta(key, value) VALUES ('kind', 'plmkit-embeddings'), ('schema', '{SchemaVersion}');", tx);
            tx.Commit();
            return 0;
        });
        using var check = _db.CreateCommand();
        check.CommandText = "SELECT value FROM meta WHERE key = 'kind'";
        if (check.ExecuteScalar() as string != "plmkit-embeddings")
            throw new InputException(DatabasePath, null, "this SQLite file is not a PlmKit embedding store");
    }

    /// <summary>The keys among <paramref name="keys"/> that the store does not hold, in their given order.</summary>
    public IReadOnlyList<EmbeddingKey> Missing(IEnumerable<EmbeddingKey> keys)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT 1 FROM embeddings WHERE " + KeyWhere;
            var p = AddKeyParameters(cmd);
            var missing = new List<EmbeddingKey>();
            foreach (var key in keys)
            {
                SetKey(p, key);
                if (cmd.ExecuteScalar() is null)
                    missing.Add(key);
            }
            return missing;
        }
    }

    /// <summary>
    /// Stores a batch in one transaction: either all of it is committed or none. Vectors whose key
    /// is already present are left as they are (another process or an earlier run computed them).
    /// </summary>
    /// <returns>Number of vectors newly stored.</returns>
    /// <exception cref="ConfigurationException">A key field is malformed or a vector is empty or not finite.</exception>
    public int Put(IReadOnlyList<StoredEmbedding> batch)
    {
        foreach (var e in batch)
            Validate(e);
        var rows = batch.Select(e =>
        {
            var bytes = SequenceHash.ToBytes(e.Vector);
            return (e, bytes, SequenceHash.RowChecksum(e.Key, bytes));
        }).ToList();
        lock (_gate)
            return Retry(() =>
            {
                using var tx = _db.BeginTransaction();
                using var cmd = InsertCommand(tx);
                int added = 0;
                foreach (var (e, bytes, checksum) in rows)
                    added += Insert(cmd, e.Key, e.Vector.Length, bytes, checksum, e.Provenance);
                tx.Commit();
                return added;
            });
    }

    /// <summary>
    /// The stored scalar scores of <paramref name="group"/> among <paramref name="mutants"/> (canonical
    /// mutant keys, see <see cref="ScoreGroup"/>); a mutant the store lacks is absent from the result.
    /// </summary>
    public IReadOnlyDictionary<string, double> GetScores(ScoreGroup group, IEnumerable<string> mutants)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT score FROM scores WHERE model = $m AND strategy = $st AND long_policy = $lp AND max_residues = $mr AND wt_sha256 = $w AND mutant = $mu";
            var mu = SetScoreGroup(cmd, group);
            foreach (var m in mutants.Distinct(StringComparer.Ordinal))
            {
                mu.Value = m;
                if (cmd.ExecuteScalar() is double v) result[m] = v;
            }
        }
        return result;
    }

    /// <summary>Stores scalar scores of <paramref name="group"/> in one transaction (existing keys are kept); returns how many were new.</summary>
    /// <exception cref="ConfigurationException">A score is not finite.</exception>
    public int PutScores(ScoreGroup group, IReadOnlyList<(string Mutant, double Score)> scores, string modelName)
    {
        foreach (var (m, v) in scores)
            if (!double.IsFinite(v)) throw new ConfigurationException($"score of '{m}' is not finite ({v})");
        string created = DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        lock (_gate)
            return Retry(() =>
            {
                using var tx = _db.BeginTransaction();
                using var cmd = _db.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT OR IGNORE INTO scores(model, strategy, long_policy, max_residues, wt_sha256, mutant, score, model_name, plmkit_version, created) " +
                                  "VALUES ($m, $st, $lp, $mr, $w, $mu, $v, $n, $ver, $c)";
                var mu = SetScoreGroup(cmd, group);
                var value = cmd.Parameters.Add("$v", SqliteType.Real);
                cmd.Parameters.AddWithValue("$n", modelName);
                cmd.Parameters.AddWithValue("$ver", PlmKitVersion.Current);
                cmd.Parameters.AddWithValue("$c", created);
                int added = 0;
                foreach (var (m, v) in scores)
                {
                    mu.Value = m;
                    value.Value = v;
                    added += cmd.ExecuteNonQuery();
                }
                tx.Commit();
                return added;
            });
    }

    /// <summary>Number of stored scalar scores.</summary>
    public long ScoreCount() => CountRows("scores");

    private long CountRows(string table)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = $"SELECT COUNT(*) FROM {table}";
            return (long)cmd.ExecuteScalar()!;
        }
    }

    /// <summary>Copies <paramref name="source"/>'s zero-shot scores that this store lacks (existing keys are kept); returns how many were added.</summary>
    private long MergeScores(EmbeddingStore source)
    {
        var rows = new List<object[]>();
        lock (source._gate)
        {
            using var read = source._db.CreateCommand();
            read.CommandText = "SELECT model, strategy, long_policy, max_residues, wt_sha256, mutant, score, model_name, plmkit_version, created FROM scores";
            using var r = read.ExecuteReader();
            while (r.Read())
            {
                var row = new object[10];
                r.GetValues(row);
                rows.Add(row);
            }
        }
        if (rows.Count == 0) return 0;
        lock (_gate)
            return Retry(() =>
            {
                using var tx = _db.BeginTransaction();
                using var cmd = _db.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT OR IGNORE INTO scores(model, strategy, long_policy, max_residues, wt_sha256, mutant, score, model_name, plmkit_version, created) " +
                                  "VALUES ($0, $1, $2, $3, $4, $5, $6, $7, $8, $9)";
                var ps = Enumerable.Range(0, 10).Select(i => cmd.Parameters.Add($"${i}", SqliteType.Text)).ToArray();
                ps[3].SqliteType = SqliteType.Integer;
                ps[6].SqliteType = SqliteType.Real;
                long added = 0;
                foreach (var row in rows)
                {
                    for (int i = 0; i < 10; i++) ps[i].Value = row[i];
                    added += cmd.ExecuteNonQuery();
                }
                tx.Commit();
                return added;
            });
    }

    private static SqliteParameter SetScoreGroup(SqliteCommand cmd, ScoreGroup g)
    {
        cmd.Parameters.AddWithValue("$m", g.Model);
        cmd.Parameters.AddWithValue("$st", g.Strategy);
        cmd.Parameters.AddWithValue("$lp", g.LongPolicy);
        cmd.Parameters.AddWithValue("$mr", g.MaxResidues);
        cmd.Parameters.AddWithValue("$w", g.WildTypeSha256);
        return cmd.Parameters.Add("$mu", SqliteType.Text);
    }

    /// <summary>Records the ids under which sequences were given, in order (idempotent).</summary>
    public void PutNames(IEnumerable<SequenceName> names)
    {
        var list = names.ToList();
        lock (_gate)
            Retry(() =>
            {
                using var tx = _db.BeginTransaction();
                using var cmd = _db.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT OR IGNORE INTO names(id, seq_sha256) VALUES ($id, $sha)";
                var id = cmd.Parameters.Add("$id", SqliteType.Text);
                var sha = cmd.Parameters.Add("$sha", SqliteType.Text);
                foreach (var n in list)
                {
                    id.Value = n.Id;
                    sha.Value = n.SequenceSha256;
                    cmd.ExecuteNonQuery();
                }
                tx.Commit();
                return 0;
            });
    }

    /// <summary>All recorded ids in the order they were first recorded.</summary>
    public IReadOnlyList<SequenceName> Names()
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT id, seq_sha256 FROM names ORDER BY ord";
            using var r = cmd.ExecuteReader();
            var names = new List<SequenceName>();
            while (r.Read())
                names.Add(new SequenceName(r.GetString(0), r.GetString(1)));
            return names;
        }
    }

    /// <summary>The stored vector for <paramref name="key"/>, or null when absent.</summary>
    /// <exception cref="InputException">The row is damaged (checksum mismatch).</exception>
    public StoredEmbedding? Get(EmbeddingKey key)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = $"SELECT {RowColumns} FROM embeddings WHERE {KeyWhere}";
            SetKey(AddKeyParameters(cmd), key);
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadChecked(r) : null;
        }
    }

    /// <summary>
    /// Every stored vector of one model, layer, pooling, policy and dtype, by sequence hash
    /// (<paramref name="group"/>'s <see cref="EmbeddingKey.SequenceSha256"/> is ignored).
    /// </summary>
    /// <exception cref="InputException">A row is damaged.</exception>
    public IReadOnlyDictionary<string, float[]> GetGroup(EmbeddingKey group)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = $"SELECT {RowColumns} FROM embeddings WHERE model = $m AND layer = $l AND pool = $p AND long_policy = $lp AND dtype = $d";
            var p = AddKeyParameters(cmd);
            SetKey(p, group);
            cmd.Parameters.Remove(p[5]);
            using var r = cmd.ExecuteReader();
            var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
            while (r.Read())
            {
                var e = ReadChecked(r);
                vectors[e.Key.SequenceSha256] = e.Vector;
            }
            return vectors;
        }
    }

    /// <summary>Number of vectors per model, layer, pooling, policy and dtype, sorted by those fields.</summary>
    public IReadOnlyList<StoreGroup> Groups()
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = """
                SELECT model, MIN(model_name), layer, pool, long_policy, dtype, MIN(dim), COUNT(*)
                FROM embeddings GROUP BY model, layer, pool, long_policy, dtype
                ORDER BY MIN(model_name), model, layer, pool, long_policy, dtype
                """;
            using var r = cmd.ExecuteReader();
            var groups = new List<StoreGroup>();
            while (r.Read())
                groups.Add(new StoreGroup(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4),
                    r.GetString(5), r.GetInt32(6), r.GetInt64(7)));
            return groups;
        }
    }

    /// <summary>
    /// The stored groups matching a model (name or weights-id prefix; null = any), layers and pools
    /// (null = any), checked to belong to one model, policy and dtype.
    /// </summary>
    /// <exception cref="ConfigurationException">Nothing matches, or several models/policies/dtypes do (the message lists them).</exception>
    public IReadOnlyList<StoreGroup> FindGroups(string? model, IReadOnlyCollection<int>? layers, IReadOnlyCollection<string>? pools)
    {
        var groups = Groups().Where(g =>
            (model is null || g.ModelName == model || g.Model.StartsWith(model, StringComparison.Ordinal))
            && (layers is null || layers.Contains(g.Layer))
            && (pools is null || pools.Contains(g.Pooling))).ToList();
        if (groups.Count == 0)
            throw new ConfigurationException($"store {Directory} holds no vectors for model {model ?? "(any)"}, layer(s) {(layers is null ? "(any)" : string.Join(",", layers))}, pool(s) {(pools is null ? "(any)" : string.Join(",", pools))} (see `plmkit store info {Directory}`)");
        var variants = groups.Select(g => (g.Model, g.LongPolicy, g.Dtype)).Distinct().ToList();
        if (variants.Count > 1)
            throw new ConfigurationException(
                $"store {Directory} holds {variants.Count} models/policies/dtypes for this selection; name one with --model (one of: "
                + string.Join(", ", groups.Select(g => $"{g.ModelName} [{g.Model[..Math.Min(12, g.Model.Length)]}] {g.LongPolicy} {g.Dtype}").Distinct()) + ")");
        return groups;
    }

    /// <summary>
    /// Feature rows for <paramref name="ids"/>/<paramref name="sequences"/> (same length, in that order)
    /// from one group: result[i] is the vector of sequences[i].
    /// </summary>
    /// <exception cref="InputException">A sequence has no vector in the group (the message names the first few ids).</exception>
    public float[][] Features(StoreGroup group, IReadOnlyList<string> ids, IReadOnlyList<string> sequences)
    {
        var vectors = GetGroup(new EmbeddingKey(group.Model, group.Layer, group.Pooling, group.LongPolicy, group.Dtype, ""));
        var rows = new float[sequences.Count][];
        var missing = new List<string>();
        for (int i = 0; i < sequences.Count; i++)
        {
            if (vectors.TryGetValue(SequenceHash.Of(sequences[i]), out var v))
                rows[i] = v;
            else
                missing.Add(ids[i]);
        }
        if (missing.Count > 0)
            throw new InputException(DatabasePath, null,
                $"{missing.Count} of {sequences.Count} sequences have no {group.ModelName} layer {group.Layer} {group.Pooling} vector "
                + $"({string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}); embed them first with plmkit embed --store {Directory}");
        return rows;
    }

    /// <summary>Total number of stored vectors.</summary>
    public long Count() => CountRows("embeddings");

    /// <summary>Bytes on disk: the SQLite file plus its write-ahead log.</summary>
    public long SizeBytes()
    {
        long size = 0;
        foreach (var suffix in new[] { "", "-wal" })
        {
            var f = new FileInfo(DatabasePath + suffix);
            if (f.Exists)
                size += f.Length;
        }
        return size;
    }

    /// <summary>
    /// Checks every row's checksum and SQLite's own structure (<c>PRAGMA quick_check</c>).
    /// </summary>
    public VerifyReport Verify()
    {
        lock (_gate)
        {
            string integrity;
            using (var qc = _db.CreateCommand())
            {
                qc.CommandText = "PRAGMA quick_check";
                using var r = qc.ExecuteReader();
                var lines = new List<string>();
                while (r.Read())
                    lines.Add(r.GetString(0));
                integrity = string.Join("; ", lines);
            }
            var damaged = new List<EmbeddingKey>();
            long rows = 0;
            using var cmd = _db.CreateCommand();
            cmd.CommandText = $"SELECT {RowColumns} FROM embeddings ORDER BY rowid";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                rows++;
                if (!TryRead(reader, out _, out var key))
                    damaged.Add(key);
            }
            return new VerifyReport(rows, damaged, integrity);
        }
    }

    /// <summary>
    /// Copies every vector and name of the store in <paramref name="sourceDirectory"/> that this store
    /// lacks. Idempotent: merging the same source again adds nothing. Damaged source rows are not
    /// copied but reported.
    /// </summary>
    /// <exception cref="InputException">The source is not a store, or is this store.</exception>
    public MergeReport Merge(string sourceDirectory, int batchSize = 1000)
    {
        if (Path.GetFullPath(sourceDirectory).TrimEnd('/') == Directory.TrimEnd('/'))
            throw new InputException(sourceDirectory, null, "cannot merge a store into itself");
        using var source = OpenExisting(sourceDirectory);
        PutNames(source.Names());
        long added = 0, present = 0, conflicting = 0;
        var damaged = new List<EmbeddingKey>();
        var pending = new List<(StoredEmbedding E, byte[] Bytes, byte[] Checksum)>(batchSize);
        void Flush()
        {
            if (pending.Count == 0)
                return;
            lock (_gate)
            {
                var (a, p, c) = Retry(() =>
                {
                    using var tx = _db.BeginTransaction();
                    using var insert = InsertCommand(tx);
                    using var existing = _db.CreateCommand();
                    existing.Transaction = tx;
                    existing.CommandText = "SELECT checksum FROM embeddings WHERE " + KeyWhere;
                    var keyParams = AddKeyParameters(existing);
                    long a = 0, p = 0, c = 0;
                    foreach (var (e, bytes, checksum) in pending)
                    {
                        if (Insert(insert, e.Key, e.Vector.Length, bytes, checksum, e.Provenance) == 1)
                        {
                            a++;
                            continue;
                        }
                        SetKey(keyParams, e.Key);
                        if (existing.ExecuteScalar() is byte[] held && held.AsSpan().SequenceEqual(checksum))
                            p++;
                        else
                            c++;
                    }
                    tx.Commit();
                    return (a, p, c);
                });
                added += a;
                present += p;
                conflicting += c;
            }
            pending.Clear();
        }
        foreach (var (row, key) in source.ReadAll())
        {
            if (row is null)
            {
                damaged.Add(key);
                continue;
            }
            var bytes = SequenceHash.ToBytes(row.Vector);
            pending.Add((row, bytes, SequenceHash.RowChecksum(row.Key, bytes)));
            if (pending.Count == batchSize)
                Flush();
        }
        Flush();
        return new MergeReport(added, present, conflicting, damaged) { ScoresAdded = MergeScores(source) };
    }

    /// <summary>Every row in insertion order; a damaged row comes as (null, its key).</summary>
    private IEnumerable<(StoredEmbedding? Row, EmbeddingKey Key)> ReadAll()
    {
        // Materialised per page so the caller may write to another store between rows without
        // holding this store's lock.
        long after = 0;
        const int page = 1000;
        while (true)
        {
            var rows = new List<(StoredEmbedding?, EmbeddingKey, long)>(page);
            lock (_gate)
            {
                using var cmd = _db.CreateCommand();
                cmd.CommandText = $"SELECT {RowColumns}, rowid FROM embeddings WHERE rowid > $after ORDER BY rowid LIMIT {page}";
                cmd.Parameters.AddWithValue("$after", after);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    TryRead(r, out var e, out var key);
                    rows.Add((e, key, r.GetInt64(14)));
                }
            }
            if (rows.Count == 0)
                yield break;
            foreach (var (e, key, rowid) in rows)
            {
                after = rowid;
                yield return (e, key);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
            _db.Dispose();
    }

    // ----- SQL helpers -----

    private const string RowColumns =
        "model, layer, pool, long_policy, dtype, seq_sha256, dim, vector, checksum, model_name, plmkit_version, device, seconds, created";

    private const string KeyWhere =
        "model = $m AND layer = $l AND pool = $p AND long_policy = $lp AND dtype = $d AND seq_sha256 = $s";

    private static SqliteParameter[] AddKeyParameters(SqliteCommand cmd) =>
    [
        cmd.Parameters.Add("$m", SqliteType.Text), cmd.Parameters.Add("$l", SqliteType.Integer),
        cmd.Parameters.Add("$p", SqliteType.Text), cmd.Parameters.Add("$lp", SqliteType.Text),
        cmd.Parameters.Add("$d", SqliteType.Text), cmd.Parameters.Add("$s", SqliteType.Text),
    ];

    private static void SetKey(SqliteParameter[] p, EmbeddingKey key)
    {
        p[0].Value = key.Model;
        p[1].Value = key.Layer;
        p[2].Value = key.Pooling;
        p[3].Value = key.LongPolicy;
        p[4].Value = key.Dtype;
        p[5].Value = key.SequenceSha256;
    }

    private SqliteCommand InsertCommand(SqliteTransaction tx)
    {
        var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"""
            INSERT OR IGNORE INTO embeddings({RowColumns})
            VALUES ($m, $l, $p, $lp, $d, $s, $dim, $vec, $sum, $name, $ver, $dev, $sec, $created)
            """;
        AddKeyParameters(cmd);
        cmd.Parameters.Add("$dim", SqliteType.Integer);
        cmd.Parameters.Add("$vec", SqliteType.Blob);
        cmd.Parameters.Add("$sum", SqliteType.Blob);
        cmd.Parameters.Add("$name", SqliteType.Text);
        cmd.Parameters.Add("$ver", SqliteType.Text);
        cmd.Parameters.Add("$dev", SqliteType.Text);
        cmd.Parameters.Add("$sec", SqliteType.Real);
        cmd.Parameters.Add("$created", SqliteType.Text);
        return cmd;
    }

    private static int Insert(SqliteCommand cmd, EmbeddingKey key, int dim, byte[] bytes, byte[] checksum, EmbeddingProvenance prov)
    {
        var p = cmd.Parameters;
        p["$m"].Value = key.Model;
        p["$l"].Value = key.Layer;
        p["$p"].Value = key.Pooling;
        p["$lp"].Value = key.LongPolicy;
        p["$d"].Value = key.Dtype;
        p["$s"].Value = key.SequenceSha256;
        p["$dim"].Value = dim;
        p["$vec"].Value = bytes;
        p["$sum"].Value = checksum;
        p["$name"].Value = prov.ModelName;
        p["$ver"].Value = prov.PlmKitVersion;
        p["$dev"].Value = prov.Device;
        p["$sec"].Value = prov.Seconds;
        p["$created"].Value = prov.CreatedUtc.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
        return cmd.ExecuteNonQuery();
    }

    private StoredEmbedding ReadChecked(SqliteDataReader r) =>
        TryRead(r, out var e, out var key) ? e! :
        throw new InputException(DatabasePath, null, $"damaged row for {key} (checksum mismatch); run `plmkit store verify {Directory}`");

    /// <summary>Reads a row and checks its checksum; on failure <paramref name="embedding"/> is null.</summary>
    private static bool TryRead(SqliteDataReader r, out StoredEmbedding? embedding, out EmbeddingKey key)
    {
        key = new EmbeddingKey(r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5));
        embedding = null;
        int dim = r.GetInt32(6);
        if (r.GetValue(7) is not byte[] bytes || r.GetValue(8) is not byte[] checksum)
            return false;
        if (bytes.Length != dim * sizeof(float) || !SequenceHash.RowChecksum(key, bytes).AsSpan().SequenceEqual(checksum))
            return false;
        var created = DateTime.Parse(r.GetString(13), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        embedding = new StoredEmbedding(key, SequenceHash.FromBytes(bytes),
            new EmbeddingProvenance(r.GetString(10), r.GetString(11), r.GetDouble(12), created, r.GetString(9)));
        return true;
    }

    private static void Validate(StoredEmbedding e)
    {
        var k = e.Key;
        foreach (var (name, value) in new[] { ("model", k.Model), ("pooling", k.Pooling), ("long-sequence policy", k.LongPolicy), ("dtype", k.Dtype) })
            if (string.IsNullOrWhiteSpace(value) || value.Contains('|'))
                throw new ConfigurationException($"embedding key has an invalid {name} '{value}' (must be non-empty, without '|')");
        if (k.Layer < 0)
            throw new ConfigurationException($"embedding key has a negative layer {k.Layer}");
        if (k.SequenceSha256.Length != 64 || !k.SequenceSha256.All(char.IsAsciiHexDigitLower))
            throw new ConfigurationException($"embedding key's sequence hash '{k.SequenceSha256}' is not 64 lower-case hex digits");
        if (e.Vector.Length == 0)
            throw new ConfigurationException($"refusing to store an empty vector for {k}");
        for (int i = 0; i < e.Vector.Length; i++)
            if (!float.IsFinite(e.Vector[i]))
                throw new ConfigurationException($"refusing to store a vector with a non-finite component {i} ({e.Vector[i]}) for {k}");
    }

    private void Exec(string sql, SqliteTransaction? tx = null) => SqliteFiles.Exec(_db, sql, tx);

    private static T Retry<T>(Func<T> action) => SqliteFiles.Retry(action);
}
