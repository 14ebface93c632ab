using PlmKit.Data;

namespace PlmKit.Tests.Statistics;

/// <summary><c>plmkit stats</c> in-process: outputs that diff cleanly against lme4's, and exit code 2 on bad input.</summary>
public sealed class StatsCommandTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void StudyModelWritesFilesWithTheReferenceColumnsAndValues()
    {
        string folder = _tmp.Sub("dms");
        string prefix = Path.Combine(folder, "stats");
        var (code, output, err) = CliRunner.Run("stats", "--input", ReferenceFiles.Result("summary_DMS_esm2_150M_all_methods.csv"),
            "--response", "R2_score_test", "--effect", "Compression_method", "--reference", "mean",
            "--random", "Dataset", "--random", "Fold", "--out", folder);
        Assert.True(code == 0, err);
        Assert.Contains("singular = True", output);

        string reference = Path.Combine(SharedData.Swat, "reference", "dms_compression");
        foreach (var (ours, theirs, columns) in new[]
        {
            ("_fixed.csv", "_fixed.csv", new[] { "estimate", "std_error", "statistic" }),
            ("_varcomp.csv", "_varcomp.csv", new[] { "vcov", "sdcor" }),
            ("_contrasts.csv", "_glht.csv", new[] { "estimate", "std_error", "z", "p_adj_single_step", "conf_low", "conf_high" }),
        })
        {
            var mine = TidyTable.Read(prefix + ours);
            var lme4 = TidyTable.Read(reference + theirs);
            Assert.Equal(lme4.ColumnNames, mine.ColumnNames);
            Assert.Equal(lme4.Strings(lme4.ColumnNames[0]), mine.Strings(mine.ColumnNames[0]));
            foreach (var column in columns)
            {
                var a = lme4.Numbers(column);
                var b = mine.Numbers(column);
                for (int i = 0; i < a.Length; i++)
                    Assert.True(Math.Abs(a[i] - b[i]) <= Math.Max(1e-3, 1e-4 * Math.Abs(a[i])), $"{ours} {column} row {i}: {b[i]} vs {a[i]}");
            }
        }
        // The one manifest schema, listing the tables with their hashes and the reference level.
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(prefix + ".manifest.json"))!;
        Assert.Equal(Manifest.Schema, manifest["schema"]!.GetValue<string>());
        Assert.Equal("mean", manifest["reference"]!.GetValue<string>());
        Assert.Equal(["stats_fixed.csv", "stats_varcomp.csv", "stats_contrasts.csv"],
            manifest["outputs"]!.AsArray().Select(o => o!["path"]!.GetValue<string>()));
        // The core CSV writer (RFC 4180: quoted only when needed), nothing else left in the folder.
        Assert.Equal("term,estimate,std_error,statistic", File.ReadAllLines(prefix + "_fixed.csv")[0]);
        Assert.Equal(["stats.manifest.json", "stats_contrasts.csv", "stats_fixed.csv", "stats_varcomp.csv"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void MarginWithOrderByReportsTheSmallestModelWithinIt()
    {
        string folder = _tmp.Sub("models");
        string prefix = Path.Combine(folder, "stats");
        var (code, output, err) = CliRunner.Run("stats", "--input", ReferenceFiles.Result("PISCES_all_multi_model.csv"),
            "--effect", "Model:ModelSize", "--random", "Dataset", "--random", "Fold", "--ml", "--pairs",
            "--margin", "0.02", "--order-by", "parameters", "--out", folder);
        Assert.True(code == 0, err);
        Assert.Contains("smallest level within ±0.02 of the best", output);
        var eq = TidyTable.Read(prefix + "_equivalence.csv");
        Assert.Equal(12, eq.RowCount);
        Assert.Equal(66, TidyTable.Read(prefix + "_contrasts.csv").RowCount);
    }

    [Theory]
    [InlineData("holm", "p_adj_holm")]
    [InlineData("bonferroni", "p_adj_bonferroni")]
    [InlineData("none", "p_unadjusted")]
    public void NestedRandomEffectsAndOtherAdjustmentsMatchTheirReference(string adjust, string column)
    {
        string folder = _tmp.Sub("nested");
        string prefix = Path.Combine(folder, "stats");
        var (code, _, err) = CliRunner.Run("stats", "--input", ReferenceFiles.Result("summary_DMS_esm2_150M_all_methods.csv"),
            "--effect", "Compression_method", "--reference", "mean", "--random", "Dataset/Fold", "--adjust", adjust, "--out", folder);
        Assert.True(code == 0, err);
        var vc = TidyTable.Read(prefix + "_varcomp.csv");
        Assert.Equal(["Dataset:Fold", "Dataset", "Residual"], vc.Strings("grp"));
        var lme4 = ReferenceFiles.Rows(Path.Combine(ReferenceFiles.Folder, "dms_compression_nested_glht.csv"), "z", "p_holm");
        var mine = TidyTable.Read(prefix + "_contrasts.csv");
        var names = mine.Strings("contrast");
        var z = mine.Numbers("z");
        var p = mine.Numbers(column);
        for (int i = 0; i < mine.RowCount; i++)
        {
            Assert.Equal(lme4[names[i]][0], z[i], 1e-2);
            double raw = 2 * MathNet.Numerics.Distributions.Normal.CDF(0, 1, -Math.Abs(z[i]));
            double expected = adjust switch
            {
                "holm" => lme4[names[i]][1],
                "bonferroni" => Math.Min(1, raw * mine.RowCount),
                _ => raw,
            };
            Assert.Equal(expected, p[i], 1e-6);
        }
    }

    private string Csv(string name, string text)
    {
        string path = Path.Combine(_tmp.Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Good = "Dataset,Fold,method,y\na,1,m1,0.1\na,2,m2,0.2\nb,1,m1,0.15\nb,2,m2,0.3\nc,1,m1,0.12\nc,2,m2,0.25\n";

    public static TheoryData<string, string[], string> BadInputs => new()
    {
        { Good, ["--response", "score"], "no column 'score'" },
        { Good, ["--reference", "m7"], "reference level 'm7' does not occur" },
        { Good.Replace("m2", "m1"), [], "only one level" },
        { Good.Replace("0.25", "high"), [], ":7: column 'y' has 'high', which is not a number" },
        { Good.Replace("0.25", "NaN"), [], ":7: column 'y' has NaN" },
        { Good, ["--random", "Nope"], "no column 'Nope'" },
        { Good, ["--ml", "--reml"], "--reml and --ml exclude each other" },
        { Good, ["--adjust", "tukey"], "adjust must be single-step, holm, bonferroni or none, not 'tukey'" },
        { Good, ["--order-by", "y"], "--order-by needs --margin" },
        { Good, ["--margin", "0.1", "--order-by", "size"], "no column 'size'" },
        { Good.Replace("Dataset,Fold,method,y", "Dataset,Fold,method,y,size").Replace("\n", ",1\n").Replace("Dataset,Fold,method,y,size,1", "Dataset,Fold,method,y,size")
              .Replace("c,2,m2,0.25,1", "c,2,m2,0.25,2"), ["--margin", "0.1", "--order-by", "size"], ":7: level 'm2' has size 2 here but 1 on line 3; --order-by needs one value per level" },
        { Good, ["--margin", "-1"], "--margin must be a positive number" },
        { "Dataset,Fold,method,y\na,1,\"m1,0.1\n", [], "not closed" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputExitsWithCodeTwoAndOneLine(string csv, string[] extra, string problem)
    {
        string path = Csv("bad.csv", csv);
        string output = _tmp.Sub("o");
        var args = new List<string> { "stats", "--input", path, "--effect", "method", "--random", "Dataset", "--out", output };
        if (!extra.Contains("--response")) args.AddRange(["--response", "y"]);
        args.AddRange(extra);
        var (code, _, err) = CliRunner.Run([.. args]);
        Assert.Equal(2, code);
        // Every check runs before anything is written: no table, no manifest, not even the folder.
        Assert.False(Directory.Exists(output), string.Join(", ", Directory.Exists(output) ? Directory.GetFiles(output) : []));
        var lines = err.TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("plmkit: error: ", lines[0]);
        Assert.Contains(problem, lines[0]);
    }

    [Fact]
    public void MissingInputFileExitsWithCodeTwo()
    {
        var (code, _, err) = CliRunner.Run("stats", "--input", _tmp.Sub("none.csv"), "--effect", "m", "--random", "d", "--out", _tmp.Sub("o"));
        Assert.Equal(2, code);
        Assert.Contains("file not found", err);
    }
}
