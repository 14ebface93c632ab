using System.Text.Json;
using PlmKit.Data;
using PlmKit.Embeddings;
using PlmKit.Embeddings.Store;
using PlmKit.Experiments;
using PlmKit.Tests.Models;

namespace PlmKit.Tests.Embeddings.Store;

/// <summary>
/// <see cref="EmbedJob"/>, the one embed pipeline, and the typed settings it takes: each setting has one
/// parse with one message, one canonical key and one default shared by the CLI and experiment files.
/// </summary>
public sealed class EmbedJobTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private EmbedJobOptions Job(string input, string outDir, string? store = null) => new()
    {
        Model = Golden.TinyFolder,
        Input = input,
        Out = outDir,
        Layers = "all",
        Pools = Poolings.ParseList("mean,bos"),
        Settings = new EmbedSettings(LongPolicy: LongSequencePolicy.Truncate, Device: "cpu"),
        Store = store,
    };

    [Theory]
    [InlineData("fp32", EmbedDtype.Fp32)]
    [InlineData(" BF16", EmbedDtype.Bf16)]
    public void Dtype_parses_case_insensitively_and_its_key_round_trips(string text, EmbedDtype expected)
    {
        Assert.Equal(expected, EmbedDtypes.Parse(text));
        Assert.Equal(expected, EmbedDtypes.Parse(expected.Key()));
        Assert.Equal(["fp32", "bf16"], EmbedDtypes.Keys);
    }

    [Theory]
    [InlineData("error", LongSequencePolicy.Error)]
    [InlineData("Truncate", LongSequencePolicy.Truncate)]
    [InlineData("windows", LongSequencePolicy.Windows)]
    public void Long_policy_parses_case_insensitively_and_its_key_round_trips(string text, LongSequencePolicy expected)
    {
        Assert.Equal(expected, LongSequencePolicies.Parse(text));
        Assert.Equal(expected, LongSequencePolicies.Parse(expected.Key()));
        Assert.Equal(["error", "truncate", "windows"], LongSequencePolicies.Keys);
    }

    [Fact]
    public void Bad_settings_give_one_message_naming_the_option_and_the_allowed_values()
    {
        Assert.Equal("--dtype: 'fp16' is not fp32 or bf16.", Assert.Throws<ConfigurationException>(() => EmbedDtypes.Parse("fp16")).Message);
        Assert.Equal("dtype: 'fp16' is not fp32 or bf16.", Assert.Throws<ConfigurationException>(() => EmbedDtypes.Parse("fp16", "dtype")).Message);
        Assert.Equal("--long: 'skip' is not error, truncate or windows.", Assert.Throws<ConfigurationException>(() => LongSequencePolicies.Parse("skip")).Message);
        Assert.Equal("long: 'skip' is not error, truncate or windows.", Assert.Throws<ConfigurationException>(() => LongSequencePolicies.Parse("skip", "long")).Message);
    }

    [Fact]
    public void Pool_lists_parse_once_into_poolings_without_repeats()
    {
        Assert.Equal(["mean", "bos", "iDCT2"], Poolings.ParseList(" mean,bos,mean,,iDCT2 ").Select(p => p.Name));
        Assert.Equal(["pca1"], Poolings.ParseList(["pca1", "pca1"], "pools").Select(p => p.Name));
        var unknown = Assert.Throws<ConfigurationException>(() => Poolings.ParseList("mean,median"));
        Assert.Equal($"--pool: unknown pooling 'median': use one of {string.Join(", ", Poolings.Names)}.", unknown.Message);
        Assert.StartsWith("pools: unknown pooling 'Mean'", Assert.Throws<ConfigurationException>(() => Poolings.ParseList(["Mean"], "pools")).Message);
        Assert.Equal("--pool: no pooling given.", Assert.Throws<ConfigurationException>(() => Poolings.ParseList(" , ")).Message);
    }

    [Fact]
    public void The_CLI_experiment_files_and_the_library_share_one_long_policy_default()
    {
        Assert.Equal(LongSequencePolicy.Error, LongSequencePolicies.Default);
        Assert.Equal(LongSequencePolicies.Default.Key(), new ExperimentConfig().Long);
        Assert.Equal(LongSequencePolicies.Default, new ExperimentConfig().EmbedSettings.LongPolicy);
        Assert.Equal(LongSequencePolicies.Default, new EmbedSettings().LongPolicy);
        Assert.Equal(LongSequencePolicies.Default, new EmbedderOptions([0], Poolings.ParseList("mean")).LongPolicy);
        // The CLI: no --long, a sequence over the limit is refused (not cut).
        var input = _tmp.Sub("long.fasta");
        File.WriteAllText(input, ">long\n" + string.Concat(Enumerable.Repeat("MKTAYIAKQR", 103)) + "\n");
        var (code, _, stderr) = CliRunner.Run("embed", "--model", Golden.TinyFolder, "--input", input, "--out", _tmp.Sub("out"), "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Contains("1 sequence is longer than 1022 residues", stderr);
    }

    [Theory]
    [InlineData("\"dtype\": \"fp16\"", "dtype: 'fp16' is not fp32 or bf16.")]
    [InlineData("\"long\": \"skip\"", "long: 'skip' is not error, truncate or windows.")]
    [InlineData("\"pools\": [ \"mean\", \"median\" ]", "pools: unknown pooling 'median'")]
    public void Experiment_files_use_the_same_parse_and_name_the_file(string entry, string message)
    {
        File.WriteAllText(_tmp.Sub("data.fasta"), ">a\nMKT\n");
        var path = _tmp.Sub("exp.json");
        File.WriteAllText(path, $$"""{ "datasets": [ { "path": "data.fasta" } ], "models": [ "m" ], {{entry}} }""");
        var e = Assert.Throws<InputException>(() => ExperimentConfig.Load(path));
        Assert.Contains("exp.json", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Ids_with_a_comma_and_a_quote_are_quoted_and_read_back_unchanged()
    {
        var input = _tmp.Sub("odd.fasta");
        File.WriteAllText(input, ">sp|P1,frag\"2\" first\nMKTAYIAKQR\n>plain\nMKTAY\n");
        var report = EmbedJob.Run(Job(input, _tmp.Sub("out")) with { Layers = "-1", PerToken = true });
        Assert.Equal(["layer2.mean.csv", "layer2.bos.csv", "layer2.per_token.csv", EmbedJob.ManifestName], report.Files);
        var table = TidyTable.Read(_tmp.Sub("out/layer2.mean.csv"));
        Assert.Equal(["sp|P1,frag\"2\"", "plain"], table.Strings("id"));
        Assert.Equal(32, table.ColumnNames.Count - 1);
        var perToken = TidyTable.Read(_tmp.Sub("out/layer2.per_token.csv"));
        Assert.Equal(10, perToken.Strings("id").Count(id => id == "sp|P1,frag\"2\""));
    }

    [Fact]
    public void An_id_repeated_with_the_same_sequence_is_embedded_and_written_once()
    {
        var input = _tmp.Sub("repeats.csv");
        File.WriteAllText(input, "id,sequence,target\na,MKTAYIAKQR,0.1\nb,MKTAY,0.2\na,MKTAYIAKQR,0.3\nc,MKTAY,0.4\n");
        var report = EmbedJob.Run(Job(input, _tmp.Sub("out")));
        Assert.Equal(3, report.Ids);
        Assert.Equal(2, report.Store.Sequences); // b and c share a sequence: computed once, written under both ids
        Assert.Equal(["a", "b", "c"], TidyTable.Read(_tmp.Sub("out/layer2.mean.csv")).Strings("id"));
        var lines = File.ReadAllLines(_tmp.Sub("out/layer2.mean.csv"));
        Assert.Equal(lines[2][1..], lines[3][1..]);
    }

    [Fact]
    public void An_id_repeated_with_another_sequence_names_the_file_and_both_lines_and_writes_nothing()
    {
        var input = _tmp.Sub("clash.csv");
        File.WriteAllText(input, "id,sequence\na,MKTAYIAKQR\nb,MKTAY\na,MKTAYIAKQQ\n");
        var e = Assert.Throws<InputException>(() => SequenceInput.Read(input));
        Assert.Equal($"{input}:4: duplicate id 'a' with a different sequence than on line 2.", e.Message);
        var (code, _, stderr) = CliRunner.Run("embed", "--model", Golden.TinyFolder, "--input", input, "--out", _tmp.Sub("out"), "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Contains("clash.csv:4: duplicate id 'a' with a different sequence than on line 2", stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.False(Directory.Exists(_tmp.Sub("out")));
    }

    [Theory]
    [InlineData("PA_FLU_Sun2015", 2590, 227)]
    [InlineData("BRCA1_HUMAN_BRCT", 1622, 172)]
    [InlineData("BRCA1_HUMAN_RING", 736, 76)]
    public void The_study_assays_with_measured_twice_variants_read_as_one_record_per_id(string assay, int rows, int repeats)
    {
        var records = SequenceInput.Read(Path.Combine(SharedData.Swat, "dms", assay + ".csv"));
        Assert.Equal(rows - repeats, records.Count);
        Assert.Equal(records.Count, records.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void A_study_assay_with_repeated_ids_embeds_through_the_CLI()
    {
        // The first 48 variants of PA_FLU_Sun2015 (716 residues) include PA_FLU_I13I, _L16L and _A20A twice.
        var input = _tmp.Sub("PA_FLU_head.csv");
        File.WriteAllLines(input, File.ReadLines(Path.Combine(SharedData.Swat, "dms", "PA_FLU_Sun2015.csv")).Take(49));
        var (code, stdout, stderr) = CliRunner.Run("embed", "--model", Golden.TinyFolder, "--input", input, "--out", _tmp.Sub("out"), "--device", "cpu");
        Assert.True(code == 0, stderr);
        Assert.Contains("embedded 37 sequences", stdout); // 45 ids; the synonymous variants share the wild-type sequence
        var ids = TidyTable.Read(_tmp.Sub("out/layer2.mean.csv")).Strings("id");
        Assert.Equal(45, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        using var manifest = JsonDocument.Parse(File.ReadAllText(_tmp.Sub("out/embed.manifest.json")));
        Assert.Equal(45, manifest.RootElement.GetProperty("sequences").GetArrayLength());
        Assert.Equal(FileHash.Sha256(input), manifest.RootElement.GetProperty("inputs")[0].GetProperty("sha256").GetString());
        var outputs = manifest.RootElement.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("path").GetString()!, o => o.GetProperty("sha256").GetString());
        Assert.Equal(FileHash.Sha256(_tmp.Sub("out/layer2.mean.csv")), outputs["layer2.mean.csv"]);
        var config = manifest.RootElement.GetProperty("config");
        Assert.Equal("error", config.GetProperty("long_policy").GetString());
        Assert.Equal("fp32", config.GetProperty("dtype").GetString());
        Assert.Equal(["mean"], config.GetProperty("pools").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public void With_and_without_a_store_the_layer_files_are_the_same_bytes()
    {
        var plain = EmbedJob.Run(Job(Golden.Fasta, _tmp.Sub("plain")));
        var stored = EmbedJob.Run(Job(Golden.Fasta, _tmp.Sub("stored"), _tmp.Sub("store")));
        var again = EmbedJob.Run(Job(Golden.Fasta, _tmp.Sub("again"), _tmp.Sub("store")));
        Assert.Equal((12, 0), (stored.Store.Computed, stored.Store.Reused));
        Assert.Equal((0, 12), (again.Store.Computed, again.Store.Reused));
        Assert.Equal(6 + 1, plain.Files.Count);
        foreach (var name in plain.Files.Where(f => f.EndsWith(".csv", StringComparison.Ordinal)))
        {
            var bytes = File.ReadAllBytes(Path.Combine(_tmp.Sub("plain"), name));
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(_tmp.Sub("stored"), name)));
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(_tmp.Sub("again"), name)));
        }
        Assert.Equal(plain.Files.Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(_tmp.Sub("plain")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Inert_or_contradictory_options_are_refused_before_any_work()
    {
        var job = Job(Golden.Fasta, _tmp.Sub("out"));
        Assert.Contains("--per-token cannot be combined with --store", Assert.Throws<ConfigurationException>(() => EmbedJob.Run(job with { PerToken = true, Store = _tmp.Sub("s") })).Message);
        Assert.Contains("--shard needs --store", Assert.Throws<ConfigurationException>(() => EmbedJob.Run(job with { Shard = new Shard(0, 2) })).Message);
        Assert.Contains("--commit-every needs --store", Assert.Throws<ConfigurationException>(() => EmbedJob.Run(job with { CommitEvery = 4 })).Message);
        Assert.Contains("listed twice", Assert.Throws<ConfigurationException>(() => EmbedJob.Run(job with { Pools = [new MeanPooling(), new MeanPooling()] })).Message);
        Assert.False(Directory.Exists(_tmp.Sub("out")));
        Assert.False(Directory.Exists(_tmp.Sub("s")));
    }
}
