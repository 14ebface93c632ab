using PlmKit.Embeddings.Store;
using PlmKit.Scoring;
using PlmKit.Tests.Models;

namespace PlmKit.Tests.Scoring;

/// <summary><c>plmkit score --store</c>: scores cached in the embedding store's SQLite file, keyed by model weights, strategy, long policy and wild type.</summary>
public sealed class ScoreStoreTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static readonly string[] Mutants = ["M1A", "K3C", "K3C:D5W", "WT", "M1A", "D5W:K3C"];

    private string Assay()
    {
        var wt = Golden.Sequences.First(r => r.Id == "IF1_ECOLI").Sequence;
        var lines = new List<string> { ",ID,mutant,target,sequence" };
        int i = 0;
        foreach (var m in Mutants)
        {
            var letters = wt.ToCharArray();
            if (m != "WT")
                foreach (var s in PlmKit.Data.Mutations.Parse(m))
                {
                    Assert.Equal(wt[s.Position - 1], s.From);
                    letters[s.Position - 1] = s.To;
                }
            lines.Add($"{i},v{i},{(m == "WT" ? "" : m)},{0.1 * i++},{new string(letters)}");
        }
        return _tmp.Write("IF1_ECOLI.csv", string.Join('\n', lines) + "\n");
    }

    private ZeroShotReport Run(string input, string outName, string? store, ZeroShotStrategy strategy = ZeroShotStrategy.MaskedMarginals, int commitEvery = 1000) =>
        ZeroShotJob.Run(new ZeroShotSettings(Golden.TinyPt, input, strategy, _tmp.Sub(outName), Device: "cpu") { Store = store, CommitEvery = commitEvery });

    [Fact]
    public void ASecondRunComputesNothingAndWritesTheSameBytes()
    {
        var input = Assay();
        var store = _tmp.Sub("store");
        var plain = Run(input, "plain", null);
        var first = Run(input, "first", store);
        var second = Run(input, "second", store);
        // Six rows, four distinct variants (M1A twice; K3C:D5W written both ways).
        Assert.Equal((4, 0), (first.Computed, first.Cached));
        Assert.Equal((0, 4), (second.Computed, second.Cached));
        Assert.Equal(File.ReadAllBytes(plain.Table), File.ReadAllBytes(first.Table));
        Assert.Equal(File.ReadAllBytes(first.Table), File.ReadAllBytes(second.Table));
        using var s = EmbeddingStore.OpenExisting(store);
        Assert.Equal(4, s.ScoreCount());
    }

    [Fact]
    public void AStrategyIsNotConfusedWithAnother()
    {
        var input = Assay();
        var store = _tmp.Sub("store");
        Run(input, "mm", store);
        var wt = Run(input, "wt", store, ZeroShotStrategy.WtMarginals);
        Assert.Equal((4, 0), (wt.Computed, wt.Cached));
        Assert.Equal(File.ReadAllBytes(Run(input, "wt-plain", null, ZeroShotStrategy.WtMarginals).Table), File.ReadAllBytes(wt.Table));
        Assert.NotEqual(File.ReadAllBytes(_tmp.Sub("mm") + "/scores.csv"), File.ReadAllBytes(wt.Table));
    }

    [Fact]
    public void ChunksAreCommittedAsTheyGo()
    {
        var input = Assay();
        var store = _tmp.Sub("store");
        // A run that stored only two variants (as a killed run keeps its committed chunks) ...
        var group = GroupOf(ZeroShotStrategy.MaskedMarginals);
        using (var s = EmbeddingStore.Open(store))
            s.PutScores(group, [("M1A", 1.5), ("", 0.0)], "tiny");
        // ... is completed by the next, which computes only the rest and trusts what was committed.
        var next = Run(input, "next", store, commitEvery: 1);
        Assert.Equal((2, 2), (next.Computed, next.Cached));
        var rows = File.ReadAllLines(next.Table);
        Assert.EndsWith(",M1A,1.5", rows[1]);
        using var again = EmbeddingStore.OpenExisting(store);
        Assert.Equal(4, again.ScoreCount());
    }

    [Fact]
    public void AnotherModelOrPolicyIsAnotherGroup()
    {
        var a = GroupOf(ZeroShotStrategy.MaskedMarginals);
        using var s = EmbeddingStore.Open(_tmp.Sub("store"));
        s.PutScores(a, [("M1A", 1.5)], "tiny");
        Assert.Single(s.GetScores(a, ["M1A"]));
        Assert.Empty(s.GetScores(a with { Model = "esm2:" + new string('0', 64) }, ["M1A"]));
        Assert.Empty(s.GetScores(a with { LongPolicy = "windows" }, ["M1A"]));
        Assert.Empty(s.GetScores(a with { Strategy = "pll" }, ["M1A"]));
        Assert.Empty(s.GetScores(a with { WildTypeSha256 = SequenceHash.Of("MKV") }, ["M1A"]));
    }

    [Fact]
    public void TheCliReportsWhatTheStoreGave()
    {
        var input = Assay();
        var store = _tmp.Sub("store");
        string[] Args(string o) => ["score", "--model", Golden.TinyPt, "--input", input, "--store", store, "--commit-every", "2", "--device", "cpu", "--out", _tmp.Sub(o)];
        var (code, stdout, err) = CliRunner.Run(Args("a"));
        Assert.True(code == 0, err);
        Assert.Contains("0 scores already stored, 4 computed now", stdout);
        (code, stdout, err) = CliRunner.Run(Args("b"));
        Assert.True(code == 0, err);
        Assert.Contains("4 scores already stored, 0 computed now", stdout);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(_tmp.Sub("b"), "score.manifest.json")))!;
        Assert.Equal(0, (int?)manifest["computed"]);
        var (bad, _, berr) = CliRunner.Run(["score", "--model", Golden.TinyPt, "--input", input, "--store", store, "--commit-every", "0", "--out", _tmp.Sub("c")]);
        Assert.Equal(2, bad);
        Assert.Equal("plmkit: error: --commit-every must be positive (got 0)", berr.Trim());
    }

    [Fact]
    public void MutantsAreKeyedCanonically()
    {
        Assert.Equal("K3C:E5W", ZeroShotJob.CanonicalMutant("E5W:K3C", 0));
        Assert.Equal("K4C", ZeroShotJob.CanonicalMutant("K3C", 1));
        Assert.Equal("", ZeroShotJob.CanonicalMutant("WT", 0));
    }

    private static ScoreGroup GroupOf(ZeroShotStrategy strategy)
    {
        var loaded = PlmKit.Models.ModelZoo.Load(Golden.TinyPt, withLmHead: true);
        var wt = Golden.Sequences.First(r => r.Id == "IF1_ECOLI").Sequence;
        var scorer = new ZeroShotScorer((PlmKit.Models.IMaskedLanguageModel)loaded.Model);
        var group = new ScoreGroup(ModelEmbeddingSource.IdOf(loaded.Model.Info.Family, loaded.ComputeWeightsSha256()),
            strategy.Key(), "error", scorer.MaxResidues, SequenceHash.Of(wt));
        loaded.Model.Dispose();
        return group;
    }
}

/// <summary><c>plmkit store merge</c> carries zero-shot scores too (sharded score runs merge like embedding runs).</summary>
public sealed class ScoreStoreMergeTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void MergeCopiesScoresItLacksAndKeepsItsOwn()
    {
        var g = new ScoreGroup("esm2:" + new string('a', 64), "masked-marginals", "error", 1022, SequenceHash.Of("MKV"));
        using var target = EmbeddingStore.Open(_tmp.Sub("t"));
        target.PutScores(g, [("M1A", 1.0)], "m");
        using (var source = EmbeddingStore.Open(_tmp.Sub("s")))
            source.PutScores(g, [("M1A", 9.0), ("K2C", 2.5)], "m");
        var report = target.Merge(_tmp.Sub("s"));
        Assert.Equal(1, report.ScoresAdded);
        var held = target.GetScores(g, ["M1A", "K2C"]);
        Assert.Equal(1.0, held["M1A"]);
        Assert.Equal(2.5, held["K2C"]);
    }
}
