using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PlmKit.Embeddings.Store;
using PlmKit.Regression;

namespace PlmKit.Experiments;

/// <summary>
/// Results of finished experiment cells, by cell key, in <c>&lt;store&gt;/cells.sqlite</c> beside the
/// embeddings. Each cell is committed in one transaction, so a killed run keeps every finished cell
/// and a re-run computes only the rest. Same concurrency rules as <see cref="EmbeddingStore"/>.
/// </summary>
public sealed class CellCache : IDisposable
{
    /// <summary>Name of the SQLite file inside a store directory.</summary>
    public const string FileName = "cells.sqlite";

    private readonly SqliteConnection _db;
    private readonly object _gate = new();

    private CellCache(string directory, SqliteConnection db)
    {
        Directory = directory;
        _db = db;
    }

    /// <summary>The store directory.</summary>
    public string Directory { get; }

    /// <summary>Opens (creating if needed) the cell cache of the store in <paramref name="directory"/>.</summary>
    public static CellCache Open(string directory)
    {
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        var db = SqliteFiles.Connect(Path.Combine(directory, FileName), create: true);
        try
        {
            SqliteFiles.Retry(() =>
            {
                SqliteFiles.Exec(db, """
                    CREATE TABLE IF NOT EXISTS cells(
                        key TEXT PRIMARY KEY, cell TEXT NOT NULL, rows TEXT NOT NULL,
                        plmkit_version TEXT NOT NULL, seconds REAL NOT NULL, created TEXT NOT NULL);
                    """);
                return 0;
            });
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw new InputException(Path.Combine(directory, FileName), null, $"cannot open the cell cache: {e.Message}");
        }
        return new CellCache(directory, db);
    }

    /// <summary>The cached rows of the cell with key <paramref name="key"/>, or null.</summary>
    public IReadOnlyList<ResultRow>? Get(string key)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT rows FROM cells WHERE key = $k";
            cmd.Parameters.AddWithValue("$k", key);
            return cmd.ExecuteScalar() is string json ? Parse(json) : null;
        }
    }

    /// <summary>Keys among <paramref name="keys"/> that have no cached result.</summary>
    public IReadOnlySet<string> Missing(IEnumerable<string> keys)
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT 1 FROM cells WHERE key = $k";
            var p = cmd.Parameters.Add("$k", SqliteType.Text);
            var missing = new HashSet<string>(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                p.Value = key;
                if (cmd.ExecuteScalar() is null)
                    missing.Add(key);
            }
            return missing;
        }
    }

    /// <summary>Stores a finished cell (ignored when already cached).</summary>
    public void Put(ExperimentCell cell, IReadOnlyList<ResultRow> rows, double seconds) =>
        Insert(cell.Key, JsonSerializer.Serialize(cell), JsonSerializer.Serialize(rows, NumberOptions), PlmKitVersion.Current, seconds, DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));

    /// <summary>Number of cached cells.</summary>
    public long Count()
    {
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM cells";
            return (long)cmd.ExecuteScalar()!;
        }
    }

    /// <summary>Copies the cells the cache of <paramref name="sourceDirectory"/> holds and this one lacks; returns how many.</summary>
    public long Merge(string sourceDirectory)
    {
        if (!File.Exists(Path.Combine(sourceDirectory, FileName)))
            return 0;
        using var source = Open(sourceDirectory);
        var rows = new List<object[]>();
        lock (source._gate)
        {
            using var cmd = source._db.CreateCommand();
            cmd.CommandText = "SELECT key, cell, rows, plmkit_version, seconds, created FROM cells";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var values = new object[6];
                r.GetValues(values);
                rows.Add(values);
            }
        }
        long added = 0;
        foreach (var v in rows)
            added += Insert((string)v[0], (string)v[1], (string)v[2], (string)v[3], (double)v[4], (string)v[5]);
        return added;
    }

    private int Insert(string key, string cell, string rows, string version, double seconds, string created)
    {
        lock (_gate)
            return SqliteFiles.Retry(() =>
            {
                using var tx = _db.BeginTransaction();
                using var cmd = _db.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT OR IGNORE INTO cells(key, cell, rows, plmkit_version, seconds, created) VALUES ($k, $c, $r, $v, $s, $t)";
                cmd.Parameters.AddWithValue("$k", key);
                cmd.Parameters.AddWithValue("$c", cell);
                cmd.Parameters.AddWithValue("$r", rows);
                cmd.Parameters.AddWithValue("$v", version);
                cmd.Parameters.AddWithValue("$s", seconds);
                cmd.Parameters.AddWithValue("$t", created);
                int n = cmd.ExecuteNonQuery();
                tx.Commit();
                return n;
            });
    }

    private static readonly JsonSerializerOptions NumberOptions = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private IReadOnlyList<ResultRow> Parse(string json) =>
        (JsonSerializer.Deserialize<List<ResultRow>>(json, NumberOptions)
        ?? throw new InputException(Path.Combine(Directory, FileName), null, "a cached cell has no rows")).Select(Upgrade).ToList();

    /// <summary>
    /// Rows cached before the MSE columns existed read them as 0: MSE is RMSE², so they are
    /// completed from the cached RMSE (a true MSE of 0 has an RMSE of 0 too); before
    /// <c>Feature_set</c> existed every cell was fitted on plain features.
    /// </summary>
    private static ResultRow Upgrade(ResultRow r) => r with
    {
        MSE_score_train = r.MSE_score_train == 0 ? r.RMSE_score_train * r.RMSE_score_train : r.MSE_score_train,
        MSE_score_test = r.MSE_score_test == 0 ? r.RMSE_score_test * r.RMSE_score_test : r.MSE_score_test,
        Feature_set = r.Feature_set ?? FeatureSet.Plain.Key(),
    };

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
            _db.Dispose();
    }
}
