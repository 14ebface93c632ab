using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using PlmKit.Data;
using Xunit.Abstractions;

namespace PlmKit.Tests.Embeddings.Store;

/// <summary>
/// The store's crash and concurrency promises with the real command: <c>plmkit embed --store</c>
/// (the built CLI, a separate process) on the tiny golden model and the first 600 rows of a DMS set,
/// killed with SIGKILL at random moments and resumed; and two such processes writing one store.
/// </summary>
public sealed class EmbedCommandProcessTests(EmbedCommandProcessTests.Reference reference, ITestOutputHelper log)
    : IClassFixture<EmbedCommandProcessTests.Reference>
{
    private const int Kills = 20;

    [Fact]
    public void Real_embed_command_killed_at_20_random_moments_then_resumed_equals_an_uninterrupted_run_and_recomputes_only_the_missing_part()
    {
        using var tmp = new TempDir();
        string store = tmp.Sub("killed"), outDir = tmp.Sub("killed-out");
        string[] command = reference.EmbedArgs(store, outDir);
        int total = reference.DistinctSequences * Reference.VectorsPerSequence;

        // 20 kill points chosen by progress, not by the clock, so the test means the same on an idle
        // and on a loaded machine: a target share of the vectors, drawn below three quarters so that
        // the final resume has work left to show that it computes only the missing part. A process
        // is killed a random few milliseconds after the store reaches its target (a chunk takes
        // ~10 ms here, so kills land between and inside chunks); when the store is already past the
        // target (an earlier run overshot it), the kill strikes at a random moment of start-up
        // instead: model loading, opening the store, recording ids.
        var rng = new Random(20261125);
        double startup = reference.StartupSeconds, compute = reference.ComputeSeconds;
        var targets = Enumerable.Range(0, Kills).Select(_ => (long)(rng.NextDouble() * 0.75 * total)).Order().ToList();
        int killed = 0, killedAfterCommitting = 0;
        foreach (long target in targets)
        {
            long before = Rows(store);
            using var p = CliProcess.Start(command);
            // A start-up kill also fires at this run's first commit, should its start-up be shorter
            // than the reference's, so that no run can finish before its kill.
            bool exited = target <= before
                ? WaitUntilStored(p, store, before + 1, TimeSpan.Zero, TimeSpan.FromSeconds(rng.NextDouble() * startup))
                : WaitUntilStored(p, store, target, TimeSpan.FromSeconds(rng.NextDouble() * 0.02), TimeSpan.FromMinutes(2));
            if (!exited)
            {
                p.Kill(); // SIGKILL on Linux: no clean-up code runs
                p.WaitForExit();
                killed++;
                killedAfterCommitting += Rows(store) > before ? 1 : 0;
            }
            else
                Assert.True(p.ExitCode == 0, $"a run ended before its kill and failed: {p.Output}");
        }

        long rowsBeforeResume = Rows(store);
        // Every chunk is one transaction, so each sequence has all of its vectors or none.
        Assert.Equal(0, SequencesWithSomeButNotAllVectors(store));
        int completeBefore = (int)(rowsBeforeResume / Reference.VectorsPerSequence);
        Assert.True(completeBefore > 0 && completeBefore < reference.DistinctSequences,
            $"the kills should leave a partial store (had {completeBefore} of {reference.DistinctSequences} sequences; {killed} kills; start-up {startup:F2} s, computing {compute:F2} s)");
        Assert.True(killedAfterCommitting >= 3, $"only {killedAfterCommitting} of {killed} kills struck a run that had committed work");

        var report = Report.Parse(CliProcess.Run(command));
        log.WriteLine($"start-up {startup:F2} s, computing {compute:F2} s; {killed} kills, {killedAfterCommitting} after this run committed; " +
                      $"{completeBefore} of {reference.DistinctSequences} sequences stored before the final resume, which embedded {report.Computed}");
        int missing = reference.DistinctSequences - completeBefore;
        Assert.Equal(new Report(reference.DistinctSequences, completeBefore, missing, (long)missing * Reference.VectorsPerSequence), report);

        Assert.Equal(reference.Files, CsvFiles(outDir));
        Assert.Equal(total, Rows(store));
        Assert.Equal(total, DistinctKeys(store));
        Assert.Equal(reference.Ids, Names(store));
        CliProcess.Run("store", "verify", store);
    }

    [Fact]
    public void Two_real_embed_commands_writing_one_store_at_once_lose_and_duplicate_nothing()
    {
        using var tmp = new TempDir();
        int total = reference.DistinctSequences * Reference.VectorsPerSequence;
        // The same command twice (both race for every chunk and write the same output folder), and
        // shards 0/2 and 1/2 into one store followed by the unsharded pass that writes the outputs.
        foreach (var (name, shardA, shardB) in new[] { ("same", "0/1", "0/1"), ("split", "0/2", "1/2") })
        {
            string store = tmp.Sub(name), outDir = tmp.Sub(name + "-out");
            using var a = CliProcess.Start([.. reference.EmbedArgs(store, outDir), "--shard", shardA]);
            using var b = CliProcess.Start([.. reference.EmbedArgs(store, outDir), "--shard", shardB]);
            var reports = new[] { a, b }.Select(p =>
            {
                Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "embed did not finish in 2 minutes");
                Assert.True(p.ExitCode == 0, $"{name}: exit {p.ExitCode}: {p.Output}");
                return Report.Parse(p.Output);
            }).ToList();

            Assert.Equal(total, Rows(store));
            Assert.Equal(total, DistinctKeys(store));
            Assert.Equal(0, SequencesWithSomeButNotAllVectors(store));
            Assert.Equal(reference.Ids, Names(store));
            // Every vector was added by exactly one of the two.
            Assert.Equal(total, reports.Sum(r => r.VectorsAdded));
            if (name == "split")
            {
                Assert.Equal(reference.DistinctSequences, reports.Sum(r => r.Sequences));
                Assert.Equal(new Report(reference.DistinctSequences, reference.DistinctSequences, 0, 0),
                    Report.Parse(CliProcess.Run(reference.EmbedArgs(store, outDir))));
            }
            Assert.Equal(reference.Files, CsvFiles(outDir));
            CliProcess.Run("store", "verify", store);
        }

        // With nothing left to compute, the same command twice at once writes the same output files
        // at the same moment (each must use its own temporary file); a few tries, as it is a race.
        string complete = tmp.Sub("same"), sharedOut = tmp.Sub("same-out");
        for (int i = 0; i < 3; i++)
        {
            using var a = CliProcess.Start(reference.EmbedArgs(complete, sharedOut));
            using var b = CliProcess.Start(reference.EmbedArgs(complete, sharedOut));
            foreach (var p in new[] { a, b })
            {
                Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "embed did not finish in 2 minutes");
                Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {p.Output}");
                Assert.Equal(new Report(reference.DistinctSequences, reference.DistinctSequences, 0, 0), Report.Parse(p.Output));
            }
        }
        Assert.Equal(reference.Files, CsvFiles(sharedOut));
        Assert.Equal(["embed.manifest.json", .. reference.Files.Keys.Order(StringComparer.Ordinal)],
            Directory.GetFiles(sharedOut).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The input (first rows of BLAT_ECOLX_Tenaillon2013, 286 residues each), and one
    /// uninterrupted run of the command into its own store, timed, then timed again with nothing
    /// left to do (start-up, loading, checking the store and export).
    /// </summary>
    public sealed class Reference : IDisposable
    {
        /// <summary>Input rows: about 1 s of computing with the tiny model (one thread), against about 0.5 s of start-up.</summary>
        private const int InputRows = 600;

        /// <summary>Layers 0, 1, 2 of the tiny model × mean, bos.</summary>
        public const int VectorsPerSequence = 6;

        private readonly TempDir _tmp = new();

        public Reference()
        {
            var records = SequenceInput.Read(Path.Combine(SharedData.Swat, "dms", "BLAT_ECOLX_Tenaillon2013.csv")).Take(InputRows).ToList();
            Input = _tmp.Sub($"BLAT_ECOLX_Tenaillon2013.first{InputRows}.csv");
            File.WriteAllLines(Input, ["id,sequence", .. records.Select(r => $"{r.Id},{r.Sequence}")]);
            Ids = records.Select(r => r.Id).ToList();
            DistinctSequences = records.Select(r => r.Sequence).Distinct().Count();

            string store = _tmp.Sub("store"), outDir = _tmp.Sub("out");
            var clock = Stopwatch.StartNew();
            var first = Report.Parse(CliProcess.Run(EmbedArgs(store, outDir)));
            double full = clock.Elapsed.TotalSeconds;
            Assert.Equal(new Report(DistinctSequences, 0, DistinctSequences, (long)DistinctSequences * VectorsPerSequence), first);
            Files = CsvFiles(outDir);
            Assert.Equal(6, Files.Count);

            // The shorter of two runs: over-estimating start-up would carry the kill runs further than meant.
            StartupSeconds = double.MaxValue;
            for (int i = 0; i < 2; i++)
            {
                clock.Restart();
                Assert.Equal(new Report(DistinctSequences, DistinctSequences, 0, 0), Report.Parse(CliProcess.Run(EmbedArgs(store, outDir))));
                StartupSeconds = Math.Min(StartupSeconds, clock.Elapsed.TotalSeconds);
                Assert.Equal(Files, CsvFiles(outDir));
            }
            ComputeSeconds = Math.Max(0.2, full - StartupSeconds);
        }

        public string Input { get; }
        public IReadOnlyList<string> Ids { get; }
        public int DistinctSequences { get; }
        public Dictionary<string, byte[]> Files { get; }
        public double StartupSeconds { get; private set; }
        public double ComputeSeconds { get; }

        /// <summary>Small chunks (4 sequences, 150 transactions) so that kills find many commit points.</summary>
        public string[] EmbedArgs(string store, string outDir) =>
            ["embed", "--model", Path.Combine(SharedData.Golden, "tiny"), "--input", Input, "--layers", "all", "--pool", "mean,bos",
             "--long", "truncate", "--device", "cpu", "--threads", "1", "--commit-every", "4", "--store", store, "--out", outDir];

        public void Dispose() => _tmp.Dispose();
    }

    /// <summary>The line <c>store … (shard …): N sequences, R already stored, C embedded now, V vectors added</c>.</summary>
    private sealed record Report(int Sequences, int Reused, int Computed, long VectorsAdded)
    {
        public static Report Parse(string output)
        {
            var m = Regex.Match(output, @"(\d+) sequences, (\d+) already stored, (\d+) embedded now, (\d+) vectors added");
            Assert.True(m.Success, $"no store report in: {output}");
            int Int(int g) => int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
            return new Report(Int(1), Int(2), Int(3), long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture));
        }
    }

    private static Dictionary<string, byte[]> CsvFiles(string dir) =>
        Directory.GetFiles(dir, "layer*.csv").ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    // Counted with plain SQL rather than through EmbeddingStore, so that the checks do not rely on
    // the code under test (opening also recovers a write-ahead log left by a kill, as any SQLite
    // reader does).
    private static long Rows(string store) => Scalar(store, "SELECT COUNT(*) FROM embeddings");

    /// <summary>
    /// Polls the store until it holds <paramref name="target"/> vectors, then waits
    /// <paramref name="extra"/>, or until <paramref name="limit"/> has passed; true when the
    /// process exited first (it should not: targets lie below the total).
    /// </summary>
    private static bool WaitUntilStored(CliProcess p, string store, long target, TimeSpan extra, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (p.WaitForExit(TimeSpan.FromMilliseconds(10))) return true;
            long rows;
            try { rows = Rows(store); }
            catch (SqliteException e) when (e.SqliteErrorCode == 5) { continue; } // busy: the writer is recovering or checkpointing
            if (rows >= target) return p.WaitForExit(extra);
        }
        return false;
    }

    private static long DistinctKeys(string store) =>
        Scalar(store, "SELECT COUNT(*) FROM (SELECT DISTINCT model, layer, pool, long_policy, dtype, seq_sha256 FROM embeddings)");

    private static long SequencesWithSomeButNotAllVectors(string store) =>
        Scalar(store, $"SELECT COUNT(*) FROM (SELECT seq_sha256 FROM embeddings GROUP BY seq_sha256 HAVING COUNT(*) <> {Reference.VectorsPerSequence})");

    private static List<string> Names(string store)
    {
        using var db = Connect(store) ?? throw new InvalidOperationException($"no store in {store}");
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT id FROM names ORDER BY ord";
        using var r = cmd.ExecuteReader();
        var ids = new List<string>();
        while (r.Read())
            ids.Add(r.GetString(0));
        return ids;
    }

    private static long Scalar(string store, string sql)
    {
        using var db = Connect(store);
        if (db is null)
            return 0;
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        try { return (long)cmd.ExecuteScalar()!; }
        catch (SqliteException e) when (e.SqliteErrorCode == 1) { return 0; } // killed before the tables were created
    }

    /// <summary>A connection to the store's database, or null when a kill came before it was created.</summary>
    private static SqliteConnection? Connect(string store)
    {
        var file = Path.Combine(store, "embeddings.sqlite");
        if (!File.Exists(file))
            return null;
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 30 }.ToString());
        db.Open();
        return db;
    }
}
