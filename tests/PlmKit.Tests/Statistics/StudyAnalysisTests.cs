using System.Text.Json.Nodes;
using PlmKit.Data;
using PlmKit.Statistics;

namespace PlmKit.Tests.Statistics;

/// <summary><see cref="StudyAnalysis"/>: settings parsed once, every check before any write, one naming of the tables.</summary>
public sealed class StudyAnalysisTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static TidyTable Table(string text) => TidyTable.Parse(new StringReader(text), "t.csv");

    private const string Good = "Dataset,Fold,method,y,size\na,1,m1,0.1,1\na,2,m2,0.2,2\nb,1,m1,0.15,1\nb,2,m2,0.3,2\nc,1,m1,0.12,1\nc,2,m2,0.25,2\n";

    [Theory]
    [InlineData("single-step", PAdjustment.SingleStep, "p_adj_single_step")]
    [InlineData("holm", PAdjustment.Holm, "p_adj_holm")]
    [InlineData("bonferroni", PAdjustment.Bonferroni, "p_adj_bonferroni")]
    [InlineData("none", PAdjustment.None, "p_unadjusted")]
    public void Adjustment_keys_round_trip_and_name_the_p_column(string key, PAdjustment value, string column)
    {
        Assert.Equal(value, StudyAnalysisKeys.ParseAdjustment(key));
        Assert.Equal(key, StudyAnalysisKeys.Key(value));
        Assert.Equal(column, StudyAnalysisKeys.PValueColumn(value));
    }

    [Fact]
    public void Criterion_and_contrast_keys_round_trip_and_each_has_one_message()
    {
        foreach (var c in Enum.GetValues<FitCriterion>()) Assert.Equal(c, StudyAnalysisKeys.ParseCriterion(StudyAnalysisKeys.Key(c)));
        foreach (var k in Enum.GetValues<ContrastKind>()) Assert.Equal(k, StudyAnalysisKeys.ParseContrasts(StudyAnalysisKeys.Key(k)));
        Assert.Equal("criterion must be reml or ml, not 'lsq'", Assert.Throws<ConfigurationException>(() => StudyAnalysisKeys.ParseCriterion("lsq")).Message);
        Assert.Equal("contrasts must be dunnett or tukey, not 'x'", Assert.Throws<ConfigurationException>(() => StudyAnalysisKeys.ParseContrasts("x")).Message);
        Assert.Equal("adjust must be single-step, holm, bonferroni or none, not 'fdr'",
            Assert.Throws<ConfigurationException>(() => StudyAnalysisKeys.ParseAdjustment("fdr")).Message);
    }

    [Fact]
    public void An_order_by_column_without_a_margin_is_refused_as_inert()
    {
        var settings = StudyAnalysisSettings.Of("y", "method", ["Dataset"]) with { OrderBy = "size" };
        var e = Assert.Throws<ConfigurationException>(() => StudyAnalysis.Run(Table(Good), settings));
        Assert.StartsWith("--order-by needs --margin", e.Message);
        Assert.Throws<ConfigurationException>(() => StudyAnalysis.Run(Table(Good), StudyAnalysisSettings.Of("y", "method", ["Dataset"]), ["m1", "m2"]));
    }

    [Fact]
    public void The_order_by_column_gives_the_smallest_level_and_the_result_writes_one_naming()
    {
        var settings = StudyAnalysisSettings.Of("y", "method", ["Dataset"]) with { Margin = 0.5, OrderBy = "size" };
        var result = StudyAnalysis.Run(Table(Good), settings);
        Assert.Equal("m1", result.Reference);
        Assert.Equal("m2", result.Best);
        Assert.Equal("m1", result.Smallest);
        var files = result.Write(_tmp.Path, "dms", "stats");
        Assert.Equal(["dms_fixed.csv", "dms_varcomp.csv", "dms_contrasts.csv", "dms_equivalence.csv", "dms.manifest.json"], files.Select(Path.GetFileName));
        Assert.Equal(StudyAnalysisResult.TableSuffixes.Select(s => "dms" + s), files.Take(4).Select(Path.GetFileName));
        // Only the outputs: atomic writes leave no temporary siblings.
        Assert.Equal(files.Order(StringComparer.Ordinal), Directory.GetFiles(_tmp.Path).Order(StringComparer.Ordinal));
        var manifest = JsonNode.Parse(File.ReadAllText(files[^1]))!;
        Assert.Equal("size", manifest["config"]!["order_by"]!.GetValue<string>());
        Assert.Equal("m1", manifest["smallest_within_margin"]!.GetValue<string>());
    }

    [Fact]
    public void Without_an_order_there_is_a_best_level_but_no_smallest()
    {
        var result = StudyAnalysis.Run(Table(Good), StudyAnalysisSettings.Of("y", "method", ["Dataset"]) with { Margin = 0.5 });
        Assert.Equal("m2", result.Best);
        Assert.Null(result.Smallest);
    }

    [Fact]
    public void A_failed_stats_run_leaves_the_previous_outputs_as_they_were()
    {
        string input = _tmp.Write("t.csv", Good);
        string folder = _tmp.Sub("out");
        var (code, _, err) = CliRunner.Run("stats", "--input", input, "--response", "y", "--effect", "method", "--random", "Dataset", "--out", folder);
        Assert.True(code == 0, err);
        var before = Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => (f, FileHash.Sha256(f))).ToList();

        (code, _, err) = CliRunner.Run("stats", "--input", input, "--response", "y", "--effect", "method", "--random", "Dataset",
            "--margin", "0.1", "--order-by", "nope", "--out", folder);
        Assert.Equal(2, code);
        Assert.Contains("no column 'nope'", err);
        Assert.Equal(before, Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => (f, FileHash.Sha256(f))));
    }
}
