using Microsoft.Data.Sqlite;

namespace PlmKit;

/// <summary>
/// How PlmKit opens its SQLite files (embedding store, experiment cell cache): write-ahead log,
/// waits for other writers, and retries while another process holds the write lock.
/// </summary>
internal static class SqliteFiles
{
    /// <summary>Longest time a write waits for other processes before giving up.</summary>
    public static readonly TimeSpan MaxBusyWait = TimeSpan.FromMinutes(5);

    /// <summary>Opens <paramref name="path"/> in WAL mode with a busy timeout; throws <see cref="InputException"/> when SQLite cannot.</summary>
    public static SqliteConnection Connect(string path, bool create)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            // Pooled connections keep the file open after Dispose; a store must let go of it.
            Pooling = false,
            DefaultTimeout = (int)MaxBusyWait.TotalSeconds,
        };
        var db = new SqliteConnection(builder.ConnectionString);
        try
        {
            db.Open();
            Retry(() =>
            {
                Exec(db, "PRAGMA busy_timeout = 60000;");
                // 64 KiB pages (new files only): a vector row (4·D bytes + ~0.4 KB of key, checksum and
                // provenance) never spans pages and little space is lost at page ends; with the default
                // 4 KiB, 2 KB rows fill pages only half and 5 KB rows spill into overflow pages.
                Exec(db, "PRAGMA page_size = 65536;");
                // WAL: readers never block the writer, and a killed writer leaves committed transactions intact.
                Exec(db, "PRAGMA journal_mode = WAL;");
                // NORMAL in WAL mode loses nothing on a process crash (kill -9); only an OS crash or power
                // loss can drop the last commits, which a re-run then recomputes.
                Exec(db, "PRAGMA synchronous = NORMAL;");
                return 0;
            });
            return db;
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw new InputException(path, null, $"cannot open: {e.Message}");
        }
    }

    /// <summary>Runs one SQL text (no results).</summary>
    public static void Exec(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Runs <paramref name="action"/> again while another process holds the write lock
    /// (SQLITE_BUSY / SQLITE_LOCKED), with growing pauses, for up to <see cref="MaxBusyWait"/>.
    /// SQLite's busy timeout covers most waits; this also covers the cases it returns at once
    /// (a stale snapshot when upgrading to a write transaction, switching to WAL).
    /// </summary>
    public static T Retry<T>(Func<T> action)
    {
        var waited = TimeSpan.Zero;
        var pause = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            try
            {
                return action();
            }
            catch (SqliteException e) when ((e.SqliteErrorCode & 0xff) is 5 or 6 && waited < MaxBusyWait)
            {
                Thread.Sleep(pause + TimeSpan.FromMilliseconds(Random.Shared.Next(5)));
                waited += pause;
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 500));
            }
        }
    }
}
