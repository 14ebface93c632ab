using PlmKit.Embeddings;
using PlmKit.Models;
using PlmKit.Scoring;
using PlmKit.Tests.Models;

namespace PlmKit.Tests.Scoring;

/// <summary>
/// <c>--long</c> for zero-shot scores, with a small residue limit on the golden random model so a
/// real wild type (IF1_ECOLI) is "long": error refuses, truncate scores the first residues as if they
/// were the input, windows reads each site from the window centred on it.
/// </summary>
public class ZeroShotLongTests
{
    private const int Limit = 20;
    private static readonly string Wt = Golden.Sequences.First(r => r.Id == "IF1_ECOLI").Sequence;

    private static IMaskedLanguageModel Tiny => (IMaskedLanguageModel)Golden.Model("tiny.pt").Model;

    private static readonly ZeroShotStrategy[] All =
        [ZeroShotStrategy.WtMarginals, ZeroShotStrategy.MaskedMarginals, ZeroShotStrategy.PseudoPpl, ZeroShotStrategy.PseudoLogLikelihood];

    private static string Sub(int position, char to) => $"{Wt[position - 1]}{position}{to}";

    private static char Other(int position) => Wt[position - 1] == 'A' ? 'C' : 'A';

    [Fact]
    public void ErrorIsTheDefaultAndSaysWhatToChoose()
    {
        var scorer = new ZeroShotScorer(Tiny, maxResidues: Limit);
        Assert.Equal(LongSequencePolicy.Error, scorer.LongPolicy);
        var e = Assert.Throws<InputException>(() => scorer.Score(Wt, [Sub(3, Other(3))], ZeroShotStrategy.MaskedMarginals));
        Assert.Equal($"the wild type has {Wt.Length} residues, more than the model's limit of {Limit}; " +
            "choose --long truncate (score its first residues; sites past them are refused) or --long windows (each site read from the window centred on it)", e.Message);
    }

    [Fact]
    public void SequencesWithinTheLimitScoreAlikeUnderEveryPolicy()
    {
        var mutants = new[] { Sub(2, Other(2)), $"{Sub(5, Other(5))}:{Sub(40, Other(40))}", "WT" };
        foreach (var strategy in All)
        {
            var baseline = new ZeroShotScorer(Tiny).Score(Wt, mutants, strategy);
            foreach (var policy in Enum.GetValues<LongSequencePolicy>())
                Assert.Equal(baseline, new ZeroShotScorer(Tiny, longPolicy: policy, maxResidues: Wt.Length).Score(Wt, mutants, strategy));
        }
    }

    [Fact]
    public void TruncateScoresTheFirstResiduesAsTheInput()
    {
        var mutants = new[] { Sub(1, Other(1)), $"{Sub(4, Other(4))}:{Sub(Limit, Other(Limit))}", "WT" };
        foreach (var strategy in All)
        {
            var expected = new ZeroShotScorer(Tiny).Score(Wt[..Limit], mutants, strategy);
            var actual = new ZeroShotScorer(Tiny, longPolicy: LongSequencePolicy.Truncate, maxResidues: Limit).Score(Wt, mutants, strategy);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void TruncateRefusesASitePastTheKeptResiduesNamingIt()
    {
        string past = Sub(Limit + 1, Other(Limit + 1));
        var e = Assert.Throws<InputException>(() => new ZeroShotScorer(Tiny, longPolicy: LongSequencePolicy.Truncate, maxResidues: Limit)
            .Score(Wt, [Sub(2, Other(2)), $"{Sub(3, Other(3))}:{past}"], ZeroShotStrategy.WtMarginals));
        Assert.Equal($"1 mutant has a site past the first {Limit} residues that --long truncate keeps ({Sub(3, Other(3))}:{past}); choose --long windows", e.Message);
    }

    [Theory]
    [InlineData(1, 0)]            // near the start: the first window
    [InlineData(35, 24)]          // centred: residue index 34 − 10
    [InlineData(70, 52)]          // near the end: the last window (L − 20)
    public void WindowsReadEachSiteFromTheWindowCentredOnIt(int position, int start)
    {
        Assert.Equal(72, Wt.Length);
        Assert.Equal(start, ZeroShotScorer.WindowStart(position - 1, Wt.Length, Limit));
        string window = Wt.Substring(start, Limit);
        string mutant = Sub(position, Other(position));
        foreach (var strategy in new[] { ZeroShotStrategy.WtMarginals, ZeroShotStrategy.MaskedMarginals })
        {
            double expected = new ZeroShotScorer(Tiny).Score(window, [mutant], strategy, offset: start)[0];
            double actual = new ZeroShotScorer(Tiny, longPolicy: LongSequencePolicy.Windows, maxResidues: Limit).Score(Wt, [mutant], strategy)[0];
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void WindowsSumAMultiMutantOverItsSitesOwnWindows()
    {
        var scorer = new ZeroShotScorer(Tiny, longPolicy: LongSequencePolicy.Windows, maxResidues: Limit);
        string a = Sub(3, Other(3)), b = Sub(60, Other(60));
        var s = scorer.Score(Wt, [a, b, $"{a}:{b}"], ZeroShotStrategy.MaskedMarginals);
        Assert.Equal(s[0] + s[1], s[2], 6);
    }

    [Fact]
    public void WindowedPseudoLikelihoodsCoverEveryResidue()
    {
        var windows = new ZeroShotScorer(Tiny, longPolicy: LongSequencePolicy.Windows, maxResidues: Limit);
        var truncate = new ZeroShotScorer(Tiny, longPolicy: LongSequencePolicy.Truncate, maxResidues: Limit);
        // A substitution at residue 60 changes the windowed PLL (truncation could not see it at all).
        string far = Sub(60, Other(60));
        var s = windows.Score(Wt, ["WT", far], ZeroShotStrategy.PseudoLogLikelihood);
        Assert.True(double.IsFinite(s[0]) && double.IsFinite(s[1]));
        Assert.NotEqual(s[0], s[1]);
        Assert.NotEqual(truncate.Score(Wt, ["WT"], ZeroShotStrategy.PseudoLogLikelihood)[0], s[0]);
        Assert.True(double.IsFinite(windows.Score(Wt, ["WT"], ZeroShotStrategy.PseudoPpl)[0]));
    }
}

/// <summary><c>plmkit score --long</c> at the CLI: one-line errors, the policy in the manifest.</summary>
public sealed class ScoreLongCommandTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    // A wild type longer than ESM-2's 1,022 residues: IF1_ECOLI repeated.
    private string LongCsv(out string wt)
    {
        var unit = Golden.Sequences.First(r => r.Id == "IF1_ECOLI").Sequence;
        wt = string.Concat(Enumerable.Repeat(unit, 1100 / unit.Length + 1));
        string m = $"{wt[9]}10{(wt[9] == 'A' ? 'C' : 'A')}";
        var letters = wt.ToCharArray();
        letters[9] = m[^1];
        return _tmp.Write("LONG.csv", ",ID,mutant,target,sequence\n" + $"0,L_{m},{m},0.5,{new string(letters)}\n");
    }

    [Fact]
    public void ALongWildTypeIsOneLineUnderTheDefault()
    {
        var outDir = _tmp.Sub("err");
        var (code, _, err) = CliRunner.Run("score", "--model", Golden.TinyPt, "--input", LongCsv(out var wt), "--out", outDir, "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains($"the wild type has {wt.Length} residues, more than the model's limit of 1022; choose --long truncate", err);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any());
    }

    [Fact]
    public void AnUnknownPolicyIsOneLine()
    {
        var (code, _, err) = CliRunner.Run("score", "--model", Golden.TinyPt, "--input", LongCsv(out _), "--long", "split", "--out", _tmp.Sub("x"));
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--long", err);
    }

    [Theory]
    [InlineData("truncate")]
    [InlineData("windows")]
    public void TruncateAndWindowsScoreAndAreRecorded(string policy)
    {
        var outDir = _tmp.Sub(policy);
        var (code, _, err) = CliRunner.Run("score", "--model", Golden.TinyPt, "--input", LongCsv(out _), "--long", policy, "--out", outDir, "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(outDir, "scores.csv")).Length);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "score.manifest.json")))!;
        Assert.Equal(policy, (string?)manifest["config"]!["long"]);
        Assert.Equal(1022, (int?)manifest["config"]!["max_residues"]);
    }
}
