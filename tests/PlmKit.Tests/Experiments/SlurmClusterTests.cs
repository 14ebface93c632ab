using System.Diagnostics;
using PlmKit.Embeddings.Store;
using PlmKit.Experiments;
using PlmKit.Tests.Embeddings.Store;

namespace PlmKit.Tests.Experiments;

/// <summary>
/// End to end on a real single-node SLURM cluster (Debian 12 slurm-wlm 22.05 + munge) started on
/// loopback by environment/slurm-test-cluster.sh: a 4-shard job array written and submitted by
/// <c>plmkit slurm --submit</c>, its merge job (afterok), comparison with a single-process run, and
/// resubmission of a failed task alone. Needs root (and apt when SLURM is not installed); skipped
/// otherwise, with the reason.
/// </summary>
[Trait("Category", "Slurm")]
public class SlurmClusterTests
{
    private static string Script => Path.Combine(SharedData.RepoRoot, "environment", "slurm-test-cluster.sh");
    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "PlmKit.Cli.dll");

    private static string Tiny => Path.Combine(SharedData.Golden, "tiny");
    private static string TinyPt => Path.Combine(SharedData.Golden, "tiny", "esm2_t2_32_tiny.pt");
    private static string Fasta => Path.Combine(SharedData.Golden, "sequences.fasta");
    private static string Plmkit => $"{SlurmJob.Quote(WorkerProcess.DotNet)} {SlurmJob.Quote(CliDll)}";

    [SkippableFact]
    public void Four_shard_embed_and_experiment_through_slurm_equal_single_process_runs_and_failed_tasks_resubmit_alone()
    {
        using var tmp = new TempDir();
        string clusterDir = tmp.Sub("cluster");
        var (rc, output) = Shell("bash", Script, "start", clusterDir);
        Skip.If(rc == 3, output.Trim());
        Assert.True(rc == 0, $"cluster did not start ({rc}): {output}\n{Logs(clusterDir)}");
        var env = new Dictionary<string, string> { ["SLURM_CONF"] = Path.Combine(clusterDir, "slurm.conf") };
        try
        {
            EmbedThroughSlurm(tmp, env, clusterDir);
            ExperimentThroughSlurm(tmp, env, clusterDir);
        }
        finally
        {
            Shell("bash", Script, "stop", clusterDir);
        }
    }

    private static string[] EmbedArgs(string store, string outDir) =>
        ["embed", "--model", Tiny, "--input", Fasta, "--layers", "all", "--pool", "mean,bos", "--long", "truncate", "--device", "cpu",
         "--threads", "1", "--commit-every", "2", "--store", store, "--out", outDir];

    private static void EmbedThroughSlurm(TempDir tmp, Dictionary<string, string> env, string clusterDir)
    {
        var (rc, output) = Shell(WorkerProcess.DotNet, env, [CliDll, .. EmbedArgs(tmp.Sub("single-store"), tmp.Sub("single-out"))]);
        Assert.True(rc == 0, output);
        var reference = CsvFiles(tmp.Sub("single-out"));
        Assert.Equal(6, reference.Count);

        string store = tmp.Sub("store");
        string[] slurm = [CliDll, "slurm", "--shards", "4", "--cpus-per-task", "1", "--time", "00:10:00", "--program", Plmkit, "--submit", "--",
            .. EmbedArgs(store, tmp.Sub("out"))];
        (rc, output) = Shell(WorkerProcess.DotNet, env, slurm);
        Assert.True(rc == 0, output);
        Assert.Contains("submitted array job", output);
        Assert.Contains("#SBATCH --array=0-3", File.ReadAllText(Path.Combine(store, "slurm", SlurmJob.ArrayScript)));
        WaitForQueueToEmpty(env, clusterDir);
        for (int i = 0; i < 4; i++)
            Assert.True(File.Exists(Path.Combine(store, "slurm", "status", $"{i}.ok")), $"task {i} did not succeed:\n{Logs(Path.Combine(store, "slurm", "logs"))}");
        AssertShardsPartitionTheWork(store, 12, 6);
        Assert.Equal(reference, CsvFiles(tmp.Sub("out")));

        // Task 2 "failed": its marker and store are gone, the merged store and outputs too. Only
        // task 2 runs again, then the merge job.
        File.Delete(Path.Combine(store, "slurm", "status", "2.ok"));
        Directory.Delete(Path.Combine(store, "shards", "2"), recursive: true);
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            File.Delete(Path.Combine(store, EmbeddingStore.FileName + suffix));
        Directory.Delete(tmp.Sub("out"), recursive: true);
        string[] resubmit = [.. slurm[..^EmbedArgs("", "").Length].Where(a => a != "--"), "--resubmit-failed", "--", .. EmbedArgs(store, tmp.Sub("out"))];
        (rc, output) = Shell(WorkerProcess.DotNet, env, resubmit);
        Assert.True(rc == 0, output);
        Assert.Contains("tasks 2 of 4", output);
        Assert.Contains("#SBATCH --array=2\n", File.ReadAllText(Path.Combine(store, "slurm", SlurmJob.ArrayScript)));
        WaitForQueueToEmpty(env, clusterDir);
        Assert.Equal(reference, CsvFiles(tmp.Sub("out")));
        (rc, output) = Shell(WorkerProcess.DotNet, env, resubmit);
        Assert.Contains("nothing to resubmit", output);
    }

    private static void ExperimentThroughSlurm(TempDir tmp, Dictionary<string, string> env, string clusterDir)
    {
        // 2 small DMS sets × 2 models (the tiny weights as a folder and as a .pt: different files,
        // so different weights ids) = 4 (dataset, model) units for 4 shards.
        foreach (var name in new[] { "IF1_ECOLI", "SUMO1_HUMAN_Roth2017" })
            File.WriteAllLines(tmp.Sub($"{name}.csv"), File.ReadLines(Path.Combine(SharedData.Swat, "dms", $"{name}.csv")).Take(41));
        File.WriteAllText(tmp.Sub("exp.json"), $$"""
            { "name": "slurm-test",
              "datasets": [ { "path": "IF1_ECOLI.csv", "format": "swat" }, { "path": "SUMO1_HUMAN_Roth2017.csv", "format": "swat" } ],
              "models": [ "{{Tiny}}", "{{TinyPt}}" ], "layers": [ 1, -1 ], "pools": [ "mean" ], "protocols": [ "default" ],
              "folds": 3, "long": "truncate", "device": "cpu", "store": "single-run-store", "out": "single-run-out" }
            """);
        var (rc, output) = Shell(WorkerProcess.DotNet, env, CliDll, "run", tmp.Sub("exp.json"), "--jobs", "1", "--threads", "1");
        Assert.True(rc == 0, output);
        Assert.Contains("8 cells: 8 computed now", output);

        string store = tmp.Sub("run-store");
        (rc, output) = Shell(WorkerProcess.DotNet, env, CliDll, "slurm", "--shards", "4", "--program", Plmkit, "--submit", "--",
            "run", tmp.Sub("exp.json"), "--jobs", "1", "--threads", "1", "--store", store, "--out", tmp.Sub("run-out"));
        Assert.True(rc == 0, output);
        WaitForQueueToEmpty(env, clusterDir);
        Assert.True(File.Exists(tmp.Sub("run-out/results.csv")), Logs(Path.Combine(store, "slurm", "logs")));
        var single = File.ReadAllLines(tmp.Sub("single-run-out/results.csv"));
        var sharded = File.ReadAllLines(tmp.Sub("run-out/results.csv"));
        int fit = Array.IndexOf(single[0].Split(','), "fit_seconds");
        Assert.Equal(1 + 8 * 3, single.Length);
        Assert.Equal(single.Select(l => l.Split(',').Where((_, k) => k != fit)), sharded.Select(l => l.Split(',').Where((_, k) => k != fit)));
        int shardCells = 0;
        for (int i = 0; i < 4; i++)
        {
            using var cells = CellCache.Open(Path.Combine(store, "shards", $"{i}"));
            shardCells += (int)cells.Count();
        }
        Assert.Equal(8, shardCells); // every cell computed once, by one shard
    }

    private static Dictionary<string, byte[]> CsvFiles(string dir) =>
        Directory.GetFiles(dir, "*.csv").ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    private static void AssertShardsPartitionTheWork(string store, int count, int vectorsPerSequence)
    {
        long total = 0;
        for (int i = 0; i < 4; i++)
        {
            using var shard = EmbeddingStore.OpenExisting(Path.Combine(store, "shards", $"{i}"));
            Assert.Equal(count, shard.Names().Count); // every shard records every id …
            total += shard.Count();                    // … but computes only its own sequences
        }
        Assert.Equal(count * vectorsPerSequence, total);
        using var merged = EmbeddingStore.OpenExisting(store);
        Assert.Equal(count * vectorsPerSequence, merged.Count());
        Assert.True(merged.Verify().Ok);
    }

    private static void WaitForQueueToEmpty(Dictionary<string, string> env, string clusterDir)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            var (rc, queue) = Shell("squeue", env, "-h", "-o", "%i %T %r");
            Assert.True(rc == 0, queue);
            if (queue.Trim().Length == 0)
                return;
            Thread.Sleep(500);
        }
        Assert.Fail($"jobs still queued after 3 minutes:\n{Logs(clusterDir)}");
    }

    private static string Logs(string dir) =>
        Directory.Exists(dir)
            ? string.Join("\n", Directory.GetFiles(dir, "*.*").Where(f => f.EndsWith(".log") || f.EndsWith(".out"))
                .Select(f => $"--- {f}\n{string.Join("\n", File.ReadLines(f).TakeLast(20))}"))
            : "";

    private static (int, string) Shell(string program, params string[] args) => Shell(program, new(), args);

    private static (int, string) Shell(string program, Dictionary<string, string> env, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        foreach (var (k, v) in env)
            info.Environment[k] = v;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
