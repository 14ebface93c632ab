using System.Globalization;
using System.Text;

namespace PlmKit.Experiments;

/// <summary>What <c>plmkit slurm</c> should write: a job array over shards and a merge job.</summary>
/// <param name="Shards">Number of shards N (array tasks 0 … N−1).</param>
/// <param name="Command">The sharded command's arguments (everything after <c>--</c>, e.g. <c>embed --model … --store DIR</c>);
/// must contain <c>--store DIR</c>, and must not contain <c>--shard</c>.</param>
/// <param name="Program">Command line that runs PlmKit on the nodes (e.g. <c>plmkit</c> or <c>dotnet /opt/plmkit/plmkit.dll</c>), used by the merge step.</param>
/// <param name="TaskProgram">Command line that runs <see cref="Command"/> in the array tasks and the final unsharded pass
/// (usually <see cref="Program"/>; a container wrapper such as <c>apptainer exec plmkit.sif plmkit</c> also fits).</param>
/// <param name="ScriptDirectory">Where the scripts, logs (<c>logs/</c>) and task status markers (<c>status/</c>) go.</param>
/// <param name="JobName">SLURM job name.</param>
/// <param name="Tasks">Array task ids to run (all shards, or the failed ones when resubmitting).</param>
/// <param name="GpusPerTask">GPUs per array task (<c>--gres=gpu:k</c>), or null for CPU only.</param>
/// <param name="CpusPerTask">CPUs per array task, or null for the cluster default.</param>
/// <param name="Partition">Partition, or null for the default.</param>
/// <param name="Time">Time limit per task (SLURM syntax, e.g. <c>04:00:00</c>), or null.</param>
/// <param name="Setup">Shell lines run first in every job (e.g. <c>module load dotnet/10</c>).</param>
public sealed record SlurmJob(
    int Shards,
    IReadOnlyList<string> Command,
    string Program,
    string TaskProgram,
    string ScriptDirectory,
    string JobName,
    IReadOnlyList<int> Tasks,
    int? GpusPerTask = null,
    int? CpusPerTask = null,
    string? Partition = null,
    string? Time = null,
    IReadOnlyList<string>? Setup = null)
{
    /// <summary>File name of the array script inside <see cref="ScriptDirectory"/>.</summary>
    public const string ArrayScript = "array.sbatch";

    /// <summary>File name of the merge script inside <see cref="ScriptDirectory"/>.</summary>
    public const string MergeScript = "merge.sbatch";

    /// <summary>The store directory named by <c>--store</c> in <see cref="Command"/>.</summary>
    public string Store => OptionValue("--store") ?? throw new ConfigurationException(
        "plmkit slurm: the command after -- needs --store DIR (each shard writes its own store under DIR/shards/, the merge job combines them)");

    /// <summary>Store directory of shard <paramref name="i"/>: <c>&lt;store&gt;/shards/&lt;i&gt;</c>.</summary>
    public string ShardStore(int i) => Path.Combine(Store, "shards", i.ToString(CultureInfo.InvariantCulture));

    /// <summary>Marker file an array task writes when it succeeded.</summary>
    public string StatusFile(int i) => Path.Combine(ScriptDirectory, "status", $"{i}.ok");

    /// <summary>Checks the request; throws with a message naming the problem.</summary>
    public void Validate()
    {
        if (Shards < 1)
            throw new ConfigurationException($"--shards must be at least 1 (got {Shards})");
        if (Command.Count == 0)
            throw new ConfigurationException("plmkit slurm: give the command to scale after --, e.g. -- embed --model … --store DIR");
        if (Command.Contains("--shard"))
            throw new ConfigurationException("plmkit slurm: leave --shard out of the command; each array task adds its own");
        _ = Store;
        if (Tasks.Count == 0)
            throw new ConfigurationException("plmkit slurm: no array tasks to run");
        foreach (int t in Tasks)
            if (t < 0 || t >= Shards)
                throw new ConfigurationException($"--array: task {t} is outside 0…{Shards - 1}");
        if (GpusPerTask is < 0 || CpusPerTask is < 1)
            throw new ConfigurationException("--gpus-per-task must be ≥ 0 and --cpus-per-task ≥ 1");
    }

    /// <summary>The array script: task i runs the command with <c>--shard i/N</c> into its own store.</summary>
    public string ArrayScriptText()
    {
        Validate();
        var s = Header(JobName, Path.Combine(ScriptDirectory, "logs", "%x-%A_%a.out"));
        s.AppendLine($"#SBATCH --array={ArraySpec(Tasks)}");
        if (GpusPerTask is > 0)
            s.AppendLine($"#SBATCH --gres=gpu:{GpusPerTask}");
        if (CpusPerTask is { } cpus)
            s.AppendLine($"#SBATCH --cpus-per-task={cpus}");
        if (Time is not null)
            s.AppendLine($"#SBATCH --time={Time}");
        Body(s);
        s.AppendLine("i=\"$SLURM_ARRAY_TASK_ID\"");
        s.AppendLine($"rm -f {Quote(Path.Combine(ScriptDirectory, "status"))}/\"$i\".ok");
        var args = Command.Select((a, k) => k > 0 && Command[k - 1] == "--store"
            ? QuoteWithTask(Path.Combine(Store, "shards") + "/", "")
            : Quote(a));
        s.AppendLine($"{TaskProgram} {string.Join(' ', args)} --shard \"$i\"/{Shards}");
        // Written only when the command succeeded (set -e): `plmkit slurm --resubmit-failed` reads these.
        s.AppendLine($"touch {Quote(Path.Combine(ScriptDirectory, "status"))}/\"$i\".ok");
        return s.ToString();
    }

    /// <summary>
    /// The merge script: merges every shard store into the store, then runs the command once
    /// unsharded — everything is in the store by then, so that pass only writes the outputs.
    /// </summary>
    public string MergeScriptText()
    {
        Validate();
        var s = Header(JobName + "-merge", Path.Combine(ScriptDirectory, "logs", "%x-%j.out"));
        // If an array task fails, afterok can never be met: let SLURM cancel this job instead of leaving it pending.
        s.AppendLine("#SBATCH --kill-on-invalid-dep=yes");
        if (Time is not null)
            s.AppendLine($"#SBATCH --time={Time}");
        Body(s);
        var shards = Enumerable.Range(0, Shards).Select(i => Quote(ShardStore(i)));
        s.AppendLine($"{Program} store merge {Quote(Store)} {string.Join(' ', shards)}");
        s.AppendLine($"{TaskProgram} {string.Join(' ', Command.Select(Quote))}");
        return s.ToString();
    }

    /// <summary>
    /// Checks the request, then writes <see cref="ArrayScript"/> and <see cref="MergeScript"/> into
    /// <see cref="ScriptDirectory"/> atomically (a resubmission never leaves half a script that
    /// sbatch would run), with the <c>logs/</c> and <c>status/</c> folders they use.
    /// </summary>
    /// <returns>The paths of the array script and the merge script.</returns>
    /// <exception cref="ConfigurationException">The request is invalid (see <see cref="Validate"/>).</exception>
    public (string ArrayPath, string MergePath) WriteScripts()
    {
        string array = ArrayScriptText(), merge = MergeScriptText();
        Directory.CreateDirectory(Path.Combine(ScriptDirectory, "logs"));
        Directory.CreateDirectory(Path.Combine(ScriptDirectory, "status"));
        string arrayPath = Path.Combine(ScriptDirectory, ArrayScript), mergePath = Path.Combine(ScriptDirectory, MergeScript);
        AtomicFile.WriteAllText(arrayPath, array);
        AtomicFile.WriteAllText(mergePath, merge);
        return (arrayPath, mergePath);
    }

    /// <summary>Shards whose task has not left a success marker (the ones to resubmit).</summary>
    public IReadOnlyList<int> FailedTasks() =>
        Enumerable.Range(0, Shards).Where(i => !File.Exists(StatusFile(i))).ToList();

    /// <summary>Compact SLURM array spec: <c>0-3</c>, <c>1,4-6,9</c>.</summary>
    public static string ArraySpec(IEnumerable<int> tasks)
    {
        var sorted = tasks.Distinct().Order().ToList();
        var parts = new List<string>();
        for (int k = 0; k < sorted.Count;)
        {
            int start = sorted[k], end = start;
            while (k + 1 < sorted.Count && sorted[k + 1] == end + 1)
                end = sorted[++k];
            k++;
            parts.Add(start == end ? $"{start}" : $"{start}-{end}");
        }
        return string.Join(',', parts);
    }

    /// <summary>Parses an array spec such as <c>1,4-6</c>.</summary>
    /// <exception cref="ConfigurationException">Malformed.</exception>
    public static IReadOnlyList<int> ParseArraySpec(string spec)
    {
        var tasks = new List<int>();
        foreach (var part in spec.Split(','))
        {
            var ends = part.Split('-');
            if (ends.Length is < 1 or > 2 || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                throw new ConfigurationException($"--array '{spec}': expected task ids such as 1,4-6");
            int a = int.Parse(ends[0], CultureInfo.InvariantCulture), b = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (b < a)
                throw new ConfigurationException($"--array '{spec}': range {part} runs backwards");
            tasks.AddRange(Enumerable.Range(a, b - a + 1));
        }
        return tasks.Distinct().Order().ToList();
    }

    private StringBuilder Header(string name, string output)
    {
        var s = new StringBuilder();
        s.AppendLine("#!/bin/bash");
        s.AppendLine($"# Written by plmkit slurm ({SlurmCommandLine()}).");
        s.AppendLine($"#SBATCH --job-name={name}");
        s.AppendLine($"#SBATCH --output={output}");
        if (Partition is not null)
            s.AppendLine($"#SBATCH --partition={Partition}");
        return s;
    }

    private void Body(StringBuilder s)
    {
        s.AppendLine("set -euo pipefail");
        foreach (var line in Setup ?? [])
            s.AppendLine(line);
    }

    private string SlurmCommandLine() => $"{Shards} shards: {string.Join(' ', Command)}".Replace('\n', ' ');

    private string? OptionValue(string name)
    {
        int k = Command.ToList().IndexOf(name);
        return k >= 0 && k + 1 < Command.Count ? Command[k + 1] : null;
    }

    /// <summary>Single-quotes an argument for bash.</summary>
    public static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''") + "'";

    private static string QuoteWithTask(string prefix, string suffix) => Quote(prefix) + "\"$i\"" + (suffix.Length > 0 ? Quote(suffix) : "");
}
