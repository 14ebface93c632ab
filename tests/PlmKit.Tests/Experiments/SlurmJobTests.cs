using PlmKit.Experiments;

namespace PlmKit.Tests.Experiments;

/// <summary>The scripts <c>plmkit slurm</c> writes, without a cluster (the cluster test runs them).</summary>
public class SlurmJobTests
{
    private static SlurmJob Job(params string[] command) =>
        new(4, command, "plmkit", "plmkit", "/scratch/run/slurm", "plmkit-embed", [0, 1, 2, 3], GpusPerTask: 1, Partition: "gpu",
            Time: "02:00:00", Setup: ["module load dotnet/10"]);

    private static readonly string[] Embed = ["embed", "--model", "esm2_t6_8M_UR50D", "--input", "my seqs.fasta", "--store", "/scratch/st", "--out", "/scratch/out"];

    [Fact]
    public void Array_script_gives_each_task_its_shard_and_own_store()
    {
        var text = Job(Embed).ArrayScriptText();
        Assert.StartsWith("#!/bin/bash\n", text);
        Assert.Contains("#SBATCH --array=0-3\n", text);
        Assert.Contains("#SBATCH --gres=gpu:1\n", text);
        Assert.Contains("#SBATCH --partition=gpu\n", text);
        Assert.Contains("#SBATCH --time=02:00:00\n", text);
        Assert.Contains("#SBATCH --output=/scratch/run/slurm/logs/%x-%A_%a.out\n", text);
        Assert.Contains("set -euo pipefail\nmodule load dotnet/10\n", text);
        Assert.Contains("plmkit embed --model esm2_t6_8M_UR50D --input 'my seqs.fasta' --store /scratch/st/shards/\"$i\" --out /scratch/out --shard \"$i\"/4\n", text);
        Assert.True(text.IndexOf("--shard", StringComparison.Ordinal) < text.IndexOf("touch /scratch/run/slurm/status/\"$i\".ok", StringComparison.Ordinal));
    }

    [Fact]
    public void Merge_script_merges_every_shard_then_runs_the_command_unsharded()
    {
        var text = Job(Embed).MergeScriptText();
        Assert.Contains("#SBATCH --kill-on-invalid-dep=yes\n", text);
        Assert.Contains("plmkit store merge /scratch/st /scratch/st/shards/0 /scratch/st/shards/1 /scratch/st/shards/2 /scratch/st/shards/3\n", text);
        Assert.EndsWith("plmkit embed --model esm2_t6_8M_UR50D --input 'my seqs.fasta' --store /scratch/st --out /scratch/out\n", text);
        Assert.DoesNotContain("--gres", text); // merging needs no GPU
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3 }, "0-3")]
    [InlineData(new[] { 1, 4, 5, 6, 9 }, "1,4-6,9")]
    [InlineData(new[] { 7 }, "7")]
    public void Array_specs_round_trip(int[] tasks, string spec)
    {
        Assert.Equal(spec, SlurmJob.ArraySpec(tasks));
        Assert.Equal(tasks, SlurmJob.ParseArraySpec(spec));
    }

    [Theory]
    [InlineData("3-1")]
    [InlineData("a")]
    [InlineData("1,,2")]
    public void Bad_array_specs_are_rejected(string spec) =>
        Assert.Throws<ConfigurationException>(() => SlurmJob.ParseArraySpec(spec));

    [Fact]
    public void Jobs_that_cannot_be_sharded_or_merged_are_rejected()
    {
        Assert.Contains("needs --store", Assert.Throws<ConfigurationException>(() => Job("embed", "--model", "m", "--out", "o").Validate()).Message);
        Assert.Contains("leave --shard out", Assert.Throws<ConfigurationException>(() => Job([.. Embed, "--shard", "0/2"]).Validate()).Message);
        Assert.Contains("outside 0…3", Assert.Throws<ConfigurationException>(() => (Job(Embed) with { Tasks = [4] }).Validate()).Message);
        Assert.Contains("at least 1", Assert.Throws<ConfigurationException>(() => (Job(Embed) with { Shards = 0 }).Validate()).Message);
    }

    [Fact]
    public void Quote_leaves_plain_words_and_single_quotes_the_rest() =>
        Assert.Equal(["plain/path-1.csv", "'two words'", "'it'\\''s'", "''"], new[] { "plain/path-1.csv", "two words", "it's", "" }.Select(SlurmJob.Quote));

    [Fact]
    public void WriteScripts_writes_both_scripts_whole_and_only_after_the_checks()
    {
        using var tmp = new TempDir();
        string dir = tmp.Sub("slurm");
        var (array, merge) = (Job(Embed) with { ScriptDirectory = dir }).WriteScripts();
        Assert.Equal(Job(Embed).ArrayScriptText().Replace("/scratch/run/slurm", dir), File.ReadAllText(array));
        Assert.Equal(Path.Combine(dir, SlurmJob.MergeScript), merge);
        Assert.True(Directory.Exists(Path.Combine(dir, "logs")) && Directory.Exists(Path.Combine(dir, "status")));
        Assert.Equal([SlurmJob.ArrayScript, SlurmJob.MergeScript], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // An invalid job writes nothing, not even the folders.
        string bad = tmp.Sub("bad");
        Assert.Throws<ConfigurationException>(() => (Job("embed", "--out", "o") with { ScriptDirectory = bad }).WriteScripts());
        Assert.False(Directory.Exists(bad));
    }
}
