using System.Globalization;
using System.Text.Json;
using PlmKit.Models;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PlmKit.Tests.Models;

/// <summary>
/// Every family through the same command line: <c>plmkit embed</c> on the golden ESM C and
/// AMPLIFY models gives the official code's pooled vectors; one <c>plmkit run</c> grid mixes
/// ESM-2, ESM C and AMPLIFY with a store; sharded embedding merges to what one process writes.
/// </summary>
public sealed class FamiliesEndToEndTests : IDisposable
{
    private static string Fasta => Path.Combine(SharedData.Golden, "sequences.fasta");
    private static string EsmC => Path.Combine(SharedData.Golden, "esmc_tiny");
    private static string Amplify => Path.Combine(SharedData.Golden, "amplify_tiny");
    private static string Esm2 => Path.Combine(SharedData.Golden, "tiny");
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static Dictionary<string, float[]> ReadPooled(string csv) =>
        File.ReadLines(csv).Skip(1).Select(l => l.Split(','))
            .ToDictionary(f => f[0], f => f.Skip(1).Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray());

    public static TheoryData<string, string> Models() => new()
    {
        { "esmc_tiny", "esmc_tiny" },
        { "esmc_tiny/esmc_tiny.pth", "esmc_tiny" },
        { "amplify_tiny", "amplify_tiny" },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Embed_gives_the_official_pooled_vectors_of_every_golden_sequence(string model, string expected)
    {
        var (code, _, err) = CliRunner.Run("embed", "--model", Path.Combine(SharedData.Golden, model), "--input", Fasta,
            "--layers", "-1", "--pool", "mean", "--device", "cpu", "--out", _tmp.Sub("out"));
        Assert.True(code == 0, err);
        TorchRuntime.EnsureLoaded();
        var golden = Safetensors.LoadStateDict(Path.Combine(SharedData.Golden, "expected", expected + ".safetensors"));
        var pooled = ReadPooled(_tmp.Sub("out/layer2.mean.csv"));
        Assert.Equal(12, pooled.Count);
        foreach (var (id, vector) in pooled)
        {
            using var v = tensor(vector);
            // SWAT's vector: the final representation (ESM C after its final norm, AMPLIFY under a
            // weightless LayerNorm), mean over the residues.
            Assert.True(Golden.MaxAbsDiff(v, golden[$"{id}.mean"]) <= Golden.Atol, $"{model} {id}");
        }
        using var manifest = JsonDocument.Parse(File.ReadAllText(_tmp.Sub("out/embed.manifest.json")));
        Assert.Equal(expected[..expected.IndexOf('_')], manifest.RootElement.GetProperty("config").GetProperty("family").GetString());
        foreach (var t in golden.Values) t.Dispose();
    }

    [Fact]
    public void A_run_grid_mixes_the_three_families_with_a_store_and_shards_merge_to_one_process_output()
    {
        var data = _tmp.Sub("IF1_small.csv");
        File.WriteAllLines(data, File.ReadLines(Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv")).Take(41));
        File.WriteAllText(_tmp.Sub("exp.json"), $$"""
            { "datasets": [ { "path": "IF1_small.csv", "format": "swat" } ], "models": [ "{{Esm2}}", "{{EsmC}}", "{{Amplify}}" ],
              "layers": [ -1 ], "pools": [ "mean" ], "protocols": [ "default" ], "folds": 5, "long": "error",
              "statistics": { "effect": "Model", "random": [ "Fold" ] },
              "store": "store", "out": "run-out" }
            """);
        var (code, stdout, err) = CliRunner.Run("run", _tmp.Sub("exp.json"));
        Assert.True(code == 0, err);
        Assert.Contains("3 cells: 3 computed now, 0 from the cache", stdout);
        var rows = File.ReadAllLines(_tmp.Sub("run-out/results.csv"));
        int modelColumn = Array.IndexOf(rows[0].Split(','), "Model");
        Assert.Equal(1 + 3 * 5, rows.Length);
        Assert.Equal(["amplify_tiny", "esmc_tiny", "tiny"], rows.Skip(1).Select(r => r.Split(',')[modelColumn].Trim('"')).Distinct().Order());
        // The store keys carry the family: three model identities, each '<family>:<sha256>'.
        using (var store = PlmKit.Embeddings.Store.EmbeddingStore.Open(_tmp.Sub("store")))
            Assert.Equal(["amplify", "esm2", "esmc"], store.Groups().Select(g => g.Model.Split(':')[0]).Distinct().Order());
        (code, stdout, err) = CliRunner.Run("run", _tmp.Sub("exp.json"));
        Assert.True(code == 0, err);
        Assert.Contains("3 cells: 0 computed now, 3 from the cache", stdout);

        // Shards of an ESM C store, merged, export exactly what one unsharded process writes.
        string[] Embed(string model, string outDir, params string[] extra) =>
            ["embed", "--model", model, "--input", Fasta, "--layers", "all", "--pool", "mean,bos", "--device", "cpu", "--out", outDir, .. extra];
        foreach (var model in new[] { EsmC, Amplify })
        {
            string name = Path.GetFileName(model);
            (code, _, err) = CliRunner.Run(Embed(model, _tmp.Sub($"{name}-single"), "--store", _tmp.Sub($"{name}-single-store"), "--commit-every", "3"));
            Assert.True(code == 0, err);
            for (int i = 0; i < 2; i++)
            {
                (code, _, err) = CliRunner.Run(Embed(model, _tmp.Sub("ignored"), "--store", _tmp.Sub($"{name}-shards/{i}"), "--shard", $"{i}/2", "--commit-every", "3"));
                Assert.True(code == 0, err);
            }
            (code, _, err) = CliRunner.Run("store", "merge", _tmp.Sub($"{name}-merged"), _tmp.Sub($"{name}-shards/0"), _tmp.Sub($"{name}-shards/1"));
            Assert.True(code == 0, err);
            (code, stdout, err) = CliRunner.Run(Embed(model, _tmp.Sub($"{name}-merged-out"), "--store", _tmp.Sub($"{name}-merged"), "--commit-every", "3"));
            Assert.True(code == 0, err);
            Assert.Contains("0 embedded now", stdout);
            var single = Directory.GetFiles(_tmp.Sub($"{name}-single"), "*.csv").Order().ToList();
            Assert.Equal(6, single.Count);
            foreach (var file in single)
                Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(_tmp.Sub($"{name}-merged-out"), Path.GetFileName(file))));
        }
    }
}
