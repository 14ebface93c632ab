using System.Diagnostics;
using PlmKit.Embeddings.Store;

namespace PlmKit.Tests.Embeddings.Store;

/// <summary>
/// The store's promises at process level, with the synthetic worker: kill -9 at random moments then
/// resume gives exactly the uninterrupted result and recomputes only uncommitted work; two writer
/// processes on one store lose and duplicate nothing.
/// </summary>
public class StoreProcessTests
{
    private const int Count = 1200;
    private const int Batch = 2;
    private const int VectorsPerSequence = 4; // layers 0,1 × mean,bos

    [Fact]
    public void Kill_9_at_20_random_moments_then_resume_equals_an_uninterrupted_run_and_recomputes_only_the_missing_part()
    {
        using var tmp = new TempDir();
        WorkerProcess.Run("--store", tmp.Sub("reference"), "--count", $"{Count}", "--batch", $"{Batch}");
        var reference = WorkerProcess.ExportAll(tmp.Sub("reference"), tmp.Sub("reference-out"));

        string store = tmp.Sub("killed"), log = tmp.Sub("computed.log");
        string[] command = ["--store", store, "--count", $"{Count}", "--batch", $"{Batch}", "--delay-ms", "10", "--log", log];
        var rng = new Random(20261125);
        int killedMidWork = 0;
        for (int i = 0; i < 20; i++)
        {
            int linesBefore = LoggedComputations(log);
            using var p = WorkerProcess.Start(command);
            var clock = Stopwatch.StartNew();
            // Half of the moments are counted from process start (they may fall into start-up, opening
            // the store or recording ids), half from the first computation (they fall into the batches).
            if (i % 2 == 1)
                while (LoggedComputations(log) == linesBefore && !p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(30))
                    Thread.Sleep(5);
            Thread.Sleep(rng.Next(0, 500));
            if (!p.HasExited)
            {
                p.Kill(); // SIGKILL on Linux: no clean-up code runs
                killedMidWork += LoggedComputations(log) > linesBefore ? 1 : 0;
            }
            p.WaitForExit();
        }

        long rowsBeforeResume;
        using (var s = EmbeddingStore.OpenExisting(store))
            rowsBeforeResume = s.Count();
        // Every batch is one transaction: a sequence has all of its vectors or none.
        Assert.Equal(0, rowsBeforeResume % VectorsPerSequence);
        int completeBefore = (int)(rowsBeforeResume / VectorsPerSequence);
        Assert.True(completeBefore > 0 && completeBefore < Count, $"the kills should leave a partial store (had {completeBefore} of {Count})");
        Assert.True(killedMidWork >= 5, $"only {killedMidWork} kills hit running batches");

        int loggedBeforeResume = LoggedComputations(log);
        var resume = WorkerProcess.Run(command);
        int resumedComputations = LoggedComputations(log) - loggedBeforeResume;
        Assert.Equal($"sequences={Count} reused={completeBefore} computed={Count - completeBefore} added={(Count - completeBefore) * VectorsPerSequence}", resume);
        Assert.Equal(Count - completeBefore, resumedComputations);
        // Over all 21 runs, only batches computed but not yet committed when a kill struck were
        // computed twice: at most one batch per kill.
        Assert.InRange(LoggedComputations(log), Count, Count + 20 * Batch);

        Assert.Equal(reference, WorkerProcess.ExportAll(store, tmp.Sub("killed-out")));
        using var final = EmbeddingStore.OpenExisting(store);
        Assert.True(final.Verify().Ok);
        Assert.Equal(Count, final.Names().Count);
    }

    [Fact]
    public async Task Two_writer_processes_on_one_store_lose_and_duplicate_nothing()
    {
        using var tmp = new TempDir();
        const int n = 400;
        WorkerProcess.Run("--store", tmp.Sub("reference"), "--count", $"{n}");
        var reference = WorkerProcess.ExportAll(tmp.Sub("reference"), tmp.Sub("reference-out"));

        // Same work in both (they race for every key), and split work (shards 0/2 and 1/2) into one store.
        foreach (var (name, argsA, argsB) in new[]
        {
            ("same", new[] { "--shard", "0/1" }, new[] { "--shard", "0/1" }),
            ("split", new[] { "--shard", "0/2" }, new[] { "--shard", "1/2" }),
        })
        {
            string store = tmp.Sub(name);
            string[] common = ["--store", store, "--count", $"{n}", "--batch", "5", "--delay-ms", "2"];
            using var a = WorkerProcess.Start([.. common, .. argsA]);
            using var b = WorkerProcess.Start([.. common, .. argsB]);
            foreach (var p in new[] { a, b })
            {
                var err = await p.StandardError.ReadToEndAsync();
                await p.WaitForExitAsync();
                Assert.True(p.ExitCode == 0, err);
            }
            using (var s = EmbeddingStore.OpenExisting(store))
            {
                Assert.Equal(n * VectorsPerSequence, s.Count());
                Assert.Equal(n, s.Names().Count);
                Assert.True(s.Verify().Ok);
            }
            Assert.Equal(reference, WorkerProcess.ExportAll(store, tmp.Sub(name + "-out")));
        }
    }

    private static int LoggedComputations(string log) =>
        File.Exists(log) ? File.ReadLines(log).Count(l => l.Length == 64) : 0;
}
