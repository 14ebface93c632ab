using Microsoft.Data.Sqlite;
using PlmKit.Embeddings.Store;

namespace PlmKit.Tests.Embeddings.Store;

/// <summary>
/// The store through the command line with the tiny golden model: <c>plmkit embed --store/--shard</c>,
/// <c>plmkit store info|export|merge|verify</c>, <c>plmkit evaluate --features store:DIR</c> and
/// <c>plmkit run</c>; bad input as one line and exit code 2.
/// </summary>
public sealed class StoreCliTests : IDisposable
{
    private static string Tiny => Path.Combine(SharedData.Golden, "tiny");
    private static string Fasta => Path.Combine(SharedData.Golden, "sequences.fasta");
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    internal static string[] Embed(string outDir, params string[] extra) =>
        ["embed", "--model", Tiny, "--input", Fasta, "--layers", "all", "--pool", "mean,bos", "--long", "truncate", "--device", "cpu", "--out", outDir, .. extra];

    private static Dictionary<string, byte[]> Files(string dir) =>
        Directory.GetFiles(dir, "*.csv").ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    [Fact]
    public void Embed_with_a_store_writes_what_plain_embed_writes_and_shards_merge_to_the_same_files()
    {
        var (code, _, err) = CliRunner.Run(Embed(_tmp.Sub("plain")));
        Assert.True(code == 0, err);
        var plain = Files(_tmp.Sub("plain"));
        Assert.Equal(6, plain.Count);

        (code, var stdout, err) = CliRunner.Run(Embed(_tmp.Sub("stored"), "--store", _tmp.Sub("store")));
        Assert.True(code == 0, err);
        Assert.Contains("12 sequences, 0 already stored, 12 embedded now, 72 vectors added", stdout);
        Assert.Equal(plain, Files(_tmp.Sub("stored")));
        (code, stdout, err) = CliRunner.Run(Embed(_tmp.Sub("stored-again"), "--store", _tmp.Sub("store")));
        Assert.True(code == 0, err);
        Assert.Contains("12 already stored, 0 embedded now", stdout);
        Assert.Equal(plain, Files(_tmp.Sub("stored-again")));

        // Small chunks (3 here) so two shards share the work; a single-process run with the same chunks
        // and the merged shards agree bit for bit, and both agree with plain embed to float rounding.
        (code, _, err) = CliRunner.Run(Embed(_tmp.Sub("chunked"), "--store", _tmp.Sub("chunked-store"), "--commit-every", "3"));
        Assert.True(code == 0, err);
        var chunked = Files(_tmp.Sub("chunked"));
        int embedded = 0;
        for (int i = 0; i < 2; i++)
        {
            (code, stdout, err) = CliRunner.Run(Embed(_tmp.Sub("ignored"), "--store", _tmp.Sub($"sharded/shards/{i}"), "--shard", $"{i}/2", "--commit-every", "3"));
            Assert.True(code == 0, err);
            int now = int.Parse(stdout.Split(" embedded now")[0].Split(", ")[^1]);
            Assert.InRange(now, 1, 11);
            embedded += now;
        }
        Assert.Equal(12, embedded);
        Assert.False(Directory.Exists(_tmp.Sub("ignored")));
        (code, stdout, err) = CliRunner.Run("store", "merge", _tmp.Sub("sharded"), _tmp.Sub("sharded/shards/0"), _tmp.Sub("sharded/shards/1"));
        Assert.True(code == 0, err);
        Assert.Contains("72 vectors", stdout);
        (code, stdout, err) = CliRunner.Run(Embed(_tmp.Sub("merged"), "--store", _tmp.Sub("sharded"), "--commit-every", "3"));
        Assert.True(code == 0, err);
        Assert.Contains("0 embedded now", stdout);
        Assert.Equal(chunked, Files(_tmp.Sub("merged")));
        foreach (var (name, bytes) in plain)
            Assert.InRange(MaxAbsDiff(bytes, chunked[name]), 0, 1e-5);
    }

    private static double MaxAbsDiff(byte[] a, byte[] b)
    {
        static double[][] Parse(byte[] csv) => System.Text.Encoding.UTF8.GetString(csv).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => l.Split(',').Skip(1).Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var (x, y) = (Parse(a), Parse(b));
        Assert.Equal(x.Length, y.Length);
        return x.Zip(y).SelectMany(p => p.First.Zip(p.Second, (u, v) => Math.Abs(u - v))).Max();
    }

    [Fact]
    public void Store_info_export_and_verify_report_and_detect_damage()
    {
        Assert.Equal(0, CliRunner.Run(Embed(_tmp.Sub("out"), "--store", _tmp.Sub("store"))).Code);
        var (code, stdout, err) = CliRunner.Run("store", "info", _tmp.Sub("store"));
        Assert.True(code == 0, err);
        Assert.Contains("vectors: 72", stdout);
        Assert.Contains("ids: 12", stdout);
        Assert.Contains("tiny\t", stdout);
        Assert.Contains("\t2\tmean\ttruncate\tfp32\t32\t12", stdout);

        (code, stdout, err) = CliRunner.Run("store", "export", _tmp.Sub("store"), "--out", _tmp.Sub("export"), "--layers", "2", "--pool", "mean");
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllBytes(_tmp.Sub("out/layer2.mean.csv")), File.ReadAllBytes(_tmp.Sub("export/layer2.mean.csv")));
        (code, _, err) = CliRunner.Run("store", "export", _tmp.Sub("store"), "--out", _tmp.Sub("export"), "--format", "parquet", "--model", "tiny");
        Assert.True(code == 0, err);
        Assert.Equal(6, Directory.GetFiles(_tmp.Sub("export"), "*.parquet").Length);

        (code, stdout, _) = CliRunner.Run("store", "verify", _tmp.Sub("store"));
        Assert.Equal(0, code);
        Assert.Contains("damaged rows: 0", stdout);
        using (var raw = new SqliteConnection($"Data Source={Path.Combine(_tmp.Sub("store"), EmbeddingStore.FileName)};Pooling=False"))
        {
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "UPDATE embeddings SET vector = zeroblob(128) WHERE rowid = 5";
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        (code, stdout, err) = CliRunner.Run("store", "verify", _tmp.Sub("store"));
        Assert.Equal(PlmKit.Cli.Commands.StoreCommand.VerifyFailed, code);
        Assert.Contains("damaged rows: 1", stdout);
        Assert.Single(err.Trim().Split('\n'));
    }

    private string SmallAssay()
    {
        var lines = File.ReadLines(Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv")).Take(61);
        var path = _tmp.Sub("IF1_small.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string[] Columns(string line, int drop) =>
        line.Split(',').Where((_, i) => i != drop).ToArray();

    [Fact]
    public void Evaluate_from_a_store_equals_evaluate_from_embed_output_and_run_reproduces_it()
    {
        var data = SmallAssay();
        var seqs = _tmp.Sub("seqs.csv");
        File.WriteAllLines(seqs, new[] { "id,sequence" }.Concat(File.ReadLines(data).Skip(1).Select(l => l.Split(',')).Select(f => $"{f[1]},{f[4]}")));
        var (code, _, err) = CliRunner.Run("embed", "--model", Tiny, "--input", seqs, "--layers", "2", "--pool", "mean", "--device", "cpu",
            "--out", _tmp.Sub("emb"), "--store", _tmp.Sub("store"));
        Assert.True(code == 0, err);

        (code, _, err) = CliRunner.Run("evaluate", "--input", data, "--features", _tmp.Sub("emb"), "--layers", "2", "--pool", "mean",
            "--protocol", "default", "--folds", "5", "--out", _tmp.Sub("from-dir"));
        Assert.True(code == 0, err);
        (code, _, err) = CliRunner.Run("evaluate", "--input", data, "--features", "store:" + _tmp.Sub("store"), "--model", "tiny", "--layers", "2", "--pool", "mean",
            "--protocol", "default", "--folds", "5", "--out", _tmp.Sub("from-store"));
        Assert.True(code == 0, err);
        var fromDir = File.ReadAllLines(_tmp.Sub("from-dir/results.csv"));
        var fromStore = File.ReadAllLines(_tmp.Sub("from-store/results.csv"));
        int fitSeconds = Array.IndexOf(fromDir[0].Split(','), "fit_seconds"), model = Array.IndexOf(fromDir[0].Split(','), "Model");
        Assert.Equal(fromDir.Length, fromStore.Length);
        for (int i = 0; i < fromDir.Length; i++)
            Assert.Equal(Columns(fromDir[i], fitSeconds).Where((_, k) => k != model), Columns(fromStore[i], fitSeconds).Where((_, k) => k != model));

        (code, _, err) = CliRunner.Run("evaluate", "--input", data, "--features", "store:" + _tmp.Sub("store"), "--layers", "1", "--pool", "mean",
            "--protocol", "default", "--folds", "5", "--out", _tmp.Sub("x"));
        Assert.Equal(2, code);
        Assert.Contains("holds no vectors", err);

        File.WriteAllText(_tmp.Sub("exp.json"), $$"""
            { "datasets": [ { "path": "IF1_small.csv", "format": "swat" } ], "models": [ "{{Tiny}}" ],
              "layers": [ -1 ], "pools": [ "mean" ], "protocols": [ "default", "paper" ], "folds": 5, "long": "error",
              "statistics": { "effect": "Protocol", "random": [ "Fold" ] },
              "store": "store", "out": "run-out" }
            """);
        (code, var stdout, err) = CliRunner.Run("run", _tmp.Sub("exp.json"), "--jobs", "2");
        Assert.True(code == 0, err);
        Assert.Contains("2 cells: 2 computed now, 0 from the cache", stdout);
        Assert.Contains("embedded IF1_small with tiny: 0 sequences now", stdout);
        var run = File.ReadAllLines(_tmp.Sub("run-out/results.csv"));
        Assert.Equal(1 + 2 * 5, run.Length);
        var runFit = Array.IndexOf(run[0].Split(','), "fit_seconds");
        // One row type: the run's 'default' rows are evaluate's rows, column for column (fit time aside).
        Assert.Equal(fromStore[0], run[0]);
        for (int i = 1; i <= 5; i++)
            Assert.Equal(Columns(fromStore[i], fitSeconds), Columns(run[i], runFit));
        Assert.True(File.Exists(_tmp.Sub("run-out/manifest.json")));
        // The run's statistics are `plmkit stats` on its table: R2_score_test ~ Protocol + (1|Fold).
        Assert.Contains("n = 10; groups: Fold 5", stdout);
        var contrasts = File.ReadAllLines(_tmp.Sub("run-out/stats_contrasts.csv"));
        Assert.Equal(2, contrasts.Length);
        Assert.StartsWith("paper,", contrasts[1]); // the core CSV writer quotes only where RFC 4180 needs it

        (code, stdout, err) = CliRunner.Run("run", _tmp.Sub("exp.json"));
        Assert.True(code == 0, err);
        Assert.Contains("2 cells: 0 computed now, 2 from the cache", stdout);
    }
}

/// <summary>One store of the tiny model's 12 golden sequences, shared by the bad-input cases (they only read it).</summary>
public sealed class TinyStoreFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public TinyStoreFixture()
    {
        var (code, _, err) = CliRunner.Run(StoreCliTests.Embed(_dir.Sub("out"), "--store", _dir.Sub("store")));
        Assert.True(code == 0, err);
    }

    public string Path => _dir.Path;

    public void Dispose() => _dir.Dispose();
}

/// <summary>Bad input to the store commands and options: exit code 2, one line, nothing written.</summary>
public sealed class StoreCliBadInputTests(TinyStoreFixture tiny) : IClassFixture<TinyStoreFixture>, IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Theory]
    [InlineData("store info {0}/nothing", "no embedding store here")]
    [InlineData("store verify {0}/nothing", "no embedding store here")]
    [InlineData("store merge {0}/target {0}/nothing", "no embedding store here")]
    [InlineData("store export {0}/store --out {0}/x --model gpt", "holds no vectors for model gpt")]
    [InlineData("store export {0}/store --out {0}/x --layers one", "--layers: 'one' is not a layer number")]
    [InlineData("store export {0}/store --out {0}/x --format xml", "xml")]
    public void Store_commands_reject_bad_input_with_one_line(string args, string expected)
    {
        var (code, stdout, err) = CliRunner.Run(string.Format(args.Replace("{0}/store", tiny.Path + "/store"), _tmp.Path).Split(' '));
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(_tmp.Sub("x")) && Directory.GetFiles(_tmp.Sub("x")).Length > 0, stdout);
    }

    [Theory]
    [InlineData("--shard", "1/2", "--shard needs --store")]
    [InlineData("--store", "{0}/s --shard 2/2", "need N ≥ 1 and 0 ≤ i < N")]
    [InlineData("--store", "{0}/s --shard x", "is not of the form i/N")]
    [InlineData("--store", "{0}/s --per-token", "--per-token cannot be combined with --store")]
    public void Embed_store_options_reject_bad_combinations(string option, string value, string expected)
    {
        var extra = new[] { option }.Concat(string.Format(value, _tmp.Path).Split(' ')).ToArray();
        var (code, _, err) = CliRunner.Run(StoreCliTests.Embed(_tmp.Sub("out"), extra));
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(_tmp.Sub("out")));
    }

}
