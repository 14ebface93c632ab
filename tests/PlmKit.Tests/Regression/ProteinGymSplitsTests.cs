using System.Globalization;
using System.Text.Json;
using PlmKit.Data;
using PlmKit.Experiments;
using PlmKit.Regression;

namespace PlmKit.Tests.Regression;

/// <summary>
/// ProteinGym's split schemes wired into <c>plmkit evaluate</c> and experiment files: generated
/// folds end to end, the file's own fold column taking precedence, ProteinGym's rule for
/// multi-mutant assays, and the one parse of the scheme names.
/// </summary>
public sealed class ProteinGymSplitsTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>The first 300 rows of the study's IF1_ECOLI assay (single mutants, 15 sites).</summary>
    private string SmallIf1() =>
        _tmp.Write("if1_small.csv", string.Join('\n', File.ReadAllLines(Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv")).Take(301)) + "\n");

    private static List<string[]> Rows(string outDir) =>
        File.ReadAllLines(Path.Combine(outDir, "results.csv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();

    private static string FoldsConfig(string outDir)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "evaluate.manifest.json")));
        return manifest.RootElement.GetProperty("config").GetProperty("folds").GetString()!;
    }

    [Theory]
    [InlineData("proteingym-random", ProteinGymScheme.Random)]
    [InlineData("proteingym-modulo", ProteinGymScheme.Modulo)]
    [InlineData("proteingym-contiguous", ProteinGymScheme.Contiguous)]
    public void EachSchemeRunsThroughEvaluateWithProteinGymsFolds(string name, ProteinGymScheme scheme)
    {
        var data = SmallIf1();
        var outDir = _tmp.Sub(name);
        var (code, _, err) = CliRunner.Run("evaluate", "--input", data, "--features", "composition", "--protocol", "default",
            "--folds", name, "--out", outDir);
        Assert.True(code == 0, err);
        var expected = ProteinGymFolds.Assign(AssayReader.Read(data), scheme, 5);
        var rows = Rows(outDir);
        Assert.Equal(5, rows.Count);
        for (int k = 0; k < 5; k++)
        {
            // n_test (column 17) of fold k+1 is the number of rows ProteinGym's script puts in fold k.
            Assert.Equal(expected.Count(f => f == k), int.Parse(rows[k][16], CultureInfo.InvariantCulture));
        }
        Assert.Equal($"{name}: {ProteinGymFolds.ColumnName(scheme, 5)} generated as ProteinGym's script"
            + (scheme == ProteinGymScheme.Random ? " (RandomState(42))" : ""), FoldsConfig(outDir));
    }

    [Fact]
    public void TheFilesFoldColumnTakesPrecedenceOverGeneratedFolds()
    {
        // A ProteinGym CSV whose fold_modulo_5 is not ProteinGym's (row i in fold i mod 5 reversed blocks),
        // so the folds can only have come from the file.
        var lines = File.ReadAllLines(SmallIf1()).Skip(1).Select(l => l.Split(',')).ToList();
        var fileFolds = lines.Select((_, i) => i * 5 / lines.Count).ToArray();
        var csv = _tmp.Write("pg.csv", "mutant,mutated_sequence,DMS_score,fold_modulo_5\n"
            + string.Join('\n', lines.Select((f, i) => $"{f[2]},{f[4]},{f[3]},{fileFolds[i]}")) + "\n");
        var outDir = _tmp.Sub("file");
        var (code, _, err) = CliRunner.Run("evaluate", "--input", csv, "--features", "composition", "--protocol", "default",
            "--folds", "proteingym-modulo", "--out", outDir);
        Assert.True(code == 0, err);
        var rows = Rows(outDir);
        for (int k = 0; k < 5; k++) Assert.Equal(fileFolds.Count(f => f == k), int.Parse(rows[k][16], CultureInfo.InvariantCulture));
        Assert.Equal("proteingym-modulo: ProteinGym's fold_modulo_5 from the file", FoldsConfig(outDir));

        // Without the column the same file's folds are generated.
        var bare = _tmp.Write("pg_bare.csv", "mutant,mutated_sequence,DMS_score\n"
            + string.Join('\n', lines.Select(f => $"{f[2]},{f[4]},{f[3]}")) + "\n");
        var assay = AssayReader.Read(bare, AssayFormat.Auto, new FoldScheme.ProteinGym(ProteinGymScheme.Modulo).ReadOptions(new AssayReadOptions()));
        Assert.Null(assay.FoldColumn);
        Assert.Equal(ProteinGymFolds.Assign(assay, ProteinGymScheme.Modulo, 5), FoldScheme.Parse("proteingym-modulo").Assign(assay).FoldOfRow);
    }

    /// <summary>An assay of 40 variants of a 30-residue wild type: 24 singles, then 16 doubles.</summary>
    private string MultiMutantAssay()
    {
        const string wt = "MKTAYIAKQRQISFVKSHFSRQLEERLGLI";
        var text = new System.Text.StringBuilder("mutant,mutated_sequence,DMS_score\n");
        for (int i = 0; i < 40; i++)
        {
            var chars = wt.ToCharArray();
            var subs = new List<string>();
            foreach (var p in i < 24 ? [i] : new[] { i - 24, i - 24 + 10 })
            {
                char to = wt[p] == 'A' ? 'G' : 'A';
                subs.Add($"{wt[p]}{p + 1}{to}");
                chars[p] = to;
            }
            text.Append(string.Create(CultureInfo.InvariantCulture, $"{string.Join(':', subs)},{new string(chars)},{(i * 37 % 17) / 10.0}\n"));
        }
        return _tmp.Write("multi.csv", text.ToString());
    }

    [Fact]
    public void MultiMutantAssaysGetProteinGymsDepthStratifiedRandomFolds()
    {
        var csv = MultiMutantAssay();
        var assay = AssayReader.Read(csv);
        var folds = FoldScheme.Parse("proteingym-random").Assign(assay);
        // File sorted by depth: every depth stratum is spread evenly over the 5 folds (24 singles: 5,5,5,5,4; 16 doubles: 4,4,4,4,0).
        Assert.Equal([5, 5, 5, 5, 4], Enumerable.Range(0, 5).Select(k => folds.FoldOfRow.Take(24).Count(f => f == k)).ToArray());
        Assert.Equal([4, 4, 4, 4, 0], Enumerable.Range(0, 5).Select(k => folds.FoldOfRow.Skip(24).Count(f => f == k)).ToArray());
        Assert.Contains("stratified by mutational depth", folds.Description);

        var outDir = _tmp.Sub("multi");
        var (code, _, err) = CliRunner.Run("evaluate", "--input", csv, "--features", "onehot", "--protocol", "default", "--folds", "proteingym-random", "--out", outDir);
        Assert.True(code == 0, err);
        Assert.Equal(5, Rows(outDir).Count);

        var e = Assert.Throws<InputException>(() => FoldScheme.Parse("proteingym-contiguous").Assign(assay));
        Assert.Contains("single mutants only", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("proteingym-modulo", null, false, null, "proteingym-modulo")]
    [InlineData("proteingym-random", 7L, false, null, "proteingym-random (seed 7)")]
    public void ParseGivesOneCanonicalKey(string folds, long? seed, bool bySite, string? sizes, string key)
    {
        var scheme = FoldScheme.Parse(folds, seed, bySite, sizes);
        Assert.IsType<FoldScheme.ProteinGym>(scheme);
        Assert.Equal(key, scheme.Key);
    }

    [Theory]
    [InlineData("proteingym-blocks", null, false, null, "unknown ProteinGym scheme (proteingym-random, proteingym-modulo, proteingym-contiguous)")]
    [InlineData("proteingym-modulo", 3L, false, null, "--seed has no effect")]
    [InlineData("proteingym-random", null, true, null, "--group-by-site does not combine")]
    [InlineData("proteingym-contiguous", null, false, "100", "--train-sizes and --repeats do not combine")]
    public void BadCombinationsAreRefusedInOneLine(string folds, long? seed, bool bySite, string? sizes, string message)
    {
        var e = Assert.Throws<ConfigurationException>(() => FoldScheme.Parse(folds, seed, bySite, sizes));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ExperimentFilesTakeTheSameSchemeNames()
    {
        var assay = _tmp.Write("assay.csv", File.ReadAllText(SmallIf1()));
        string Experiment(string folds) => _tmp.Write("exp.json",
            $"{{ \"datasets\": [{{ \"path\": \"assay.csv\" }}], \"models\": [\"esm2_t6_8M_UR50D\"], \"folds\": {folds} }}");
        _ = assay;
        var config = ExperimentConfig.Load(Experiment("\"proteingym-contiguous\""));
        Assert.Equal(new FoldScheme.ProteinGym(ProteinGymScheme.Contiguous), config.FoldScheme);
        Assert.Equal(5, config.FoldCount);
        Assert.Contains("\"folds\": \"proteingym-contiguous\"", config.ToJson());
        var numeric = ExperimentConfig.Load(Experiment("4"));
        Assert.Equal(new FoldScheme.Shuffled(4, 42), numeric.FoldScheme);
        Assert.Contains("\"folds\": 4", numeric.ToJson());
        var e = Assert.Throws<InputException>(() => ExperimentConfig.Load(Experiment("\"proteingym-blocks\"")));
        Assert.Contains("unknown ProteinGym scheme", e.Message);
        e = Assert.Throws<InputException>(() => ExperimentConfig.Load(Experiment("\"fold_random_5\"")));
        Assert.Contains("give a number K ≥ 2 or proteingym-random", e.Message);
    }
}
