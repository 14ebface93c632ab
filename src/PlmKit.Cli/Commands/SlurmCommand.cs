using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using PlmKit.Experiments;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit slurm --shards N [...] [--submit] -- &lt;embed|run args&gt;</c>: writes (and submits) a SLURM
/// job array over the shards plus a merge job that waits for it (see <see cref="SlurmJob"/>).
/// </summary>
internal static class SlurmCommand
{
    public static Command Create()
    {
        var shards = new Option<int>("--shards") { Description = "Number of shards N (array tasks 0…N-1).", Required = true };
        var gpus = new Option<int?>("--gpus-per-task") { Description = "GPUs per array task (--gres=gpu:k)." };
        var cpus = new Option<int?>("--cpus-per-task") { Description = "CPUs per array task." };
        var partition = new Option<string?>("--partition") { Description = "SLURM partition." };
        var time = new Option<string?>("--time") { Description = "Time limit per task, e.g. 04:00:00." };
        var jobName = new Option<string?>("--job-name") { Description = "Job name (default plmkit-<command>)." };
        var dir = new Option<string?>("--dir") { Description = "Where scripts, logs and task markers go (default <store>/slurm)." };
        var program = new Option<string?>("--program") { Description = "How the nodes run PlmKit (default: this plmkit), e.g. 'plmkit' after a module load." };
        var taskProgram = new Option<string?>("--task-program") { Description = "How the array tasks run the command (default: --program), e.g. a container wrapper." };
        var setup = new Option<string[]>("--setup") { Description = "Shell line run first in every job (repeatable), e.g. 'module load dotnet/10'.", AllowMultipleArgumentsPerToken = false };
        var array = new Option<string?>("--array") { Description = "Run only these tasks, e.g. 1,3-5 (to resubmit failed ones)." };
        var failed = new Option<bool>("--resubmit-failed") { Description = "Run only the tasks that have not succeeded yet (no marker in <dir>/status)." };
        var submit = new Option<bool>("--submit") { Description = "Submit with sbatch (array, then the merge job with --dependency=afterok)." };
        var command = new Argument<string[]>("command") { Description = "After --: the plmkit command to shard (embed … or run …), with --store DIR.", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("slurm", "Write (and submit) a SLURM job array over N shards and a merge job that waits for it.")
            { shards, gpus, cpus, partition, time, jobName, dir, program, taskProgram, setup, array, failed, submit, command };
        cmd.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var args = parse.GetValue(command)!;
            int n = parse.GetValue(shards);
            var self = parse.GetValue(program) ?? CurrentProgram();
            var probe = new SlurmJob(n, args, self, self, "", "", [0]);
            string scriptDir = Path.GetFullPath(parse.GetValue(dir) ?? Path.Combine(probe.Store, "slurm"));
            probe = probe with { ScriptDirectory = scriptDir };
            IReadOnlyList<int> tasks = parse.GetValue(array) is { } spec ? SlurmJob.ParseArraySpec(spec)
                : parse.GetValue(failed) ? probe.FailedTasks()
                : Enumerable.Range(0, Math.Max(n, 0)).ToList();
            if (tasks.Count == 0 && parse.GetValue(failed))
            {
                output.WriteLine($"every task of {scriptDir} has succeeded; nothing to resubmit");
                return 0;
            }
            var job = probe with
            {
                TaskProgram = parse.GetValue(taskProgram) ?? self,
                JobName = parse.GetValue(jobName) ?? $"plmkit-{args[0]}",
                Tasks = tasks,
                GpusPerTask = parse.GetValue(gpus),
                CpusPerTask = parse.GetValue(cpus),
                Partition = parse.GetValue(partition),
                Time = parse.GetValue(time),
                Setup = parse.GetValue(setup) ?? [],
            };
            var (arrayPath, mergePath) = job.WriteScripts();
            output.WriteLine($"wrote {arrayPath} (tasks {SlurmJob.ArraySpec(tasks)} of {n})");
            output.WriteLine($"wrote {mergePath}");
            if (!parse.GetValue(submit))
            {
                output.WriteLine($"submit with: id=$(sbatch --parsable {arrayPath}) && sbatch --dependency=afterok:$id {mergePath}");
                return 0;
            }
            string arrayId = Sbatch(arrayPath);
            string mergeId = Sbatch($"--dependency=afterok:{arrayId}", mergePath);
            output.WriteLine($"submitted array job {arrayId} and merge job {mergeId} (runs when every task succeeded)");
            output.WriteLine("if tasks fail: the merge job is cancelled; rerun this command with --resubmit-failed");
            return 0;
        });
        return cmd;
    }

    /// <summary>Runs sbatch --parsable and returns the job id.</summary>
    private static string Sbatch(params string[] args)
    {
        var info = new ProcessStartInfo("sbatch") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--parsable");
        foreach (var a in args)
            info.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new ConfigurationException("sbatch is not on PATH: run plmkit slurm --submit on a SLURM login node, or leave out --submit and submit the scripts yourself");
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEnd();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new ConfigurationException($"sbatch {string.Join(' ', args)} failed: {stderr.Trim()}");
            // --parsable prints "jobid" or "jobid;cluster".
            return stdout.Trim().Split(';')[0];
        }
    }

    /// <summary>The command line that runs this plmkit: the apphost, or dotnet plus the dll.</summary>
    private static string CurrentProgram()
    {
        var process = Environment.ProcessPath ?? "plmkit";
        var entry = Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && entry is { Length: > 0 }
            ? $"{SlurmJob.Quote(process)} {SlurmJob.Quote(entry)}"
            : SlurmJob.Quote(process);
    }
}
