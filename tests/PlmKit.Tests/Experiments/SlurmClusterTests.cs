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

    [SkippableFact]
    public void Four_shard_array_with_merge_job_equals_a_single_process_run_and_failed_tasks_resubmit_alone()
    {
        using var tmp = new TempDir();
        string clusterDir = tmp.Sub("cluster");
        var (rc, output) = Shell("bash", Script, "start", clusterDir);
        Skip.If(rc == 3, output.Trim());
        Assert.True(rc == 0, $"cluster did not start ({rc}): {output}\n{Logs(clusterDir)}");
        var env = new Dictionary<string, string> { ["SLURM_CONF"] = Path.Combine(clusterDir, "slurm.conf") };
        try
        {
            const int count = 240;
            WorkerProcess.Run("embed", "--store", tmp.Sub("single"), "--count", $"{count}", "--batch", "6");
            var reference = WorkerProcess.ExportAll(tmp.Sub("single"), tmp.Sub("single-out"));

            string store = tmp.Sub("store");
            string[] slurm =
            [
                CliDll, "slurm", "--shards", "4", "--cpus-per-task", "1", "--time", "00:10:00",
                "--program", $"{WorkerProcess.DotNet} {CliDll}",
                "--task-program", $"{WorkerProcess.DotNet} {WorkerProcess.Dll}",
                "--submit", "--", "embed", "--store", store, "--count", $"{count}", "--batch", "6",
            ];
            (rc, output) = Shell(WorkerProcess.DotNet, env, slurm);
            Assert.True(rc == 0, output);
            Assert.Contains("submitted array job", output);
            Assert.Contains("#SBATCH --array=0-3", File.ReadAllText(Path.Combine(store, "slurm", SlurmJob.ArrayScript)));
            WaitForQueueToEmpty(env, clusterDir);

            for (int i = 0; i < 4; i++)
                Assert.True(File.Exists(Path.Combine(store, "slurm", "status", $"{i}.ok")), $"task {i} did not succeed:\n{Logs(Path.Combine(store, "slurm", "logs"))}");
            AssertShardsPartitionTheWork(store, count);
            Assert.Equal(reference, WorkerProcess.ExportAll(store, tmp.Sub("merged-out")));

            // Task 2 "failed": its marker and store are gone. Only it runs again, then the merge.
            File.Delete(Path.Combine(store, "slurm", "status", "2.ok"));
            Directory.Delete(Path.Combine(store, "shards", "2"), recursive: true);
            File.Delete(Path.Combine(store, EmbeddingStore.FileName));
            File.Delete(Path.Combine(store, EmbeddingStore.FileName + "-wal"));
            File.Delete(Path.Combine(store, EmbeddingStore.FileName + "-shm"));
            (rc, output) = Shell(WorkerProcess.DotNet, env, [.. slurm[..^8], "--resubmit-failed", .. slurm[^8..]]);
            Assert.True(rc == 0, output);
            Assert.Contains("tasks 2 of 4", output);
            Assert.Contains("#SBATCH --array=2\n", File.ReadAllText(Path.Combine(store, "slurm", SlurmJob.ArrayScript)));
            WaitForQueueToEmpty(env, clusterDir);
            Assert.Equal(reference, WorkerProcess.ExportAll(store, tmp.Sub("resubmitted-out")));
            (rc, output) = Shell(WorkerProcess.DotNet, env, [.. slurm[..^8], "--resubmit-failed", .. slurm[^8..]]);
            Assert.Contains("nothing to resubmit", output);
        }
        finally
        {
            Shell("bash", Script, "stop", clusterDir);
        }
    }

    private static void AssertShardsPartitionTheWork(string store, int count)
    {
        long total = 0;
        for (int i = 0; i < 4; i++)
        {
            using var shard = EmbeddingStore.OpenExisting(Path.Combine(store, "shards", $"{i}"));
            Assert.Equal(count, shard.Names().Count); // every shard records every id …
            total += shard.Count();                    // … but computes only its own sequences
        }
        Assert.Equal(count * 4L, total);
        using var merged = EmbeddingStore.OpenExisting(store);
        Assert.Equal(count * 4L, merged.Count());
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
