using System.Globalization;
using PlmKit.Data;
using PlmKit.Figures;
using PlmKit.Statistics;

namespace PlmKit.Tests.Statistics;

/// <summary>
/// Supplementary Figure 5 (LoRA fine-tuning against a Lasso on embeddings): the pairing against a
/// plain re-implementation of SWAT's selection, the numbers SWAT's notebook printed, the paired
/// statistics against hand-worked cases, and bad input.
/// </summary>
public class FineTuneComparisonTests
{
    private static readonly string FineTunePath = ReferenceFiles.Result("LitESM2ne_res_DMS_all.csv");
    private static readonly string LassoPath = ReferenceFiles.Result("DMS_all_multi_model_metadata.csv");
    private static readonly string[] Sizes = ["8M", "35M", "150M", "650M", "3B"];

    /// <summary>The raw CSV as dictionaries (the study's tables have no quoted fields).</summary>
    private static List<Dictionary<string, string>> Raw(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        return [.. lines.Skip(1).Where(l => l.Length > 0).Select(l =>
        {
            var cells = l.Split(',');
            return header.Select((h, i) => (h, cells[i])).ToDictionary(p => p.h, p => p.Item2);
        })];
    }

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    [Fact]
    public void Pairs_and_summaries_match_a_plain_reimplementation_of_the_papers_selection()
    {
        var c = FineTuneComparison.Read(FineTunePath, LassoPath);

        // SWAT: res_lasso.query("Model == 'esm2' & ModelSize in @models & Dataset_Name in @l_dms"),
        // groupby(['ModelSize', 'Dataset_Name']).mean(), merge(res_FT, on=[ModelSize, Dataset_Name], how='inner').
        var ft = Raw(FineTunePath);
        var names = ft.Select(r => r["Dataset_Name"]).ToHashSet();
        var lasso = Raw(LassoPath)
            .Where(r => r["Model"] == "esm2" && Sizes.Contains(r["ModelSize"]) && names.Contains(r["Dataset_Name"]))
            .GroupBy(r => (r["ModelSize"], r["Dataset_Name"]))
            .ToDictionary(g => g.Key, g => g.Average(r => D(r["R2_score_test"])));
        var expected = ft.Where(r => lasso.ContainsKey((r["ModelSize"], r["Dataset_Name"])))
            .Select(r => (Size: r["ModelSize"], Name: r["Dataset_Name"], Ft: D(r["val_r2"]), La: lasso[(r["ModelSize"], r["Dataset_Name"])]))
            .ToList();

        Assert.Equal(expected.Count, c.Pairs.Count);
        foreach (var e in expected)
        {
            var p = Assert.Single(c.Pairs, p => p.ModelSize == e.Size && p.Dataset == e.Name);
            Assert.Equal(e.Ft, p.FineTuneR2);
            Assert.Equal(e.La, p.LassoR2, 12);
            Assert.Equal(5, p.LassoFolds);
        }
        foreach (var m in c.Models)
        {
            var part = expected.Where(e => e.Size == m.ModelSize).ToList();
            Assert.Equal(part.Count, m.Datasets);
            Assert.Equal(Median(part.Select(e => e.Ft)), m.MedianFineTune, 12);
            Assert.Equal(Median(part.Select(e => e.La)), m.MedianLasso, 12);
            Assert.Equal(part.Average(e => e.Ft), m.MeanFineTune, 12);
            Assert.Equal(part.Average(e => e.La), m.MeanLasso, 12);
            var d = part.Select(e => e.Ft - e.La).ToArray();
            Assert.Equal(d.Average(), m.MeanDifference, 12);
            double sd = Math.Sqrt(d.Sum(x => (x - d.Average()) * (x - d.Average())) / (d.Length - 1));
            Assert.Equal(sd / Math.Sqrt(d.Length), m.StdError, 12);
            Assert.Equal(d.Count(x => x > 0), m.Wins);
            Assert.True(m.ConfLow < m.MeanDifference && m.MeanDifference < m.ConfHigh);
            Assert.Equal(d.Length, m.Wilcoxon.N);
            Assert.True(m.Wilcoxon.Exact);
        }

        // What SWAT's notebook printed for the merged table (res.describe(), 155 rows):
        // mean R2_score_test 0.308582, val_r2 0.464164, R2 (difference) 0.155582.
        Assert.Equal(155, c.Pairs.Count);
        Assert.Equal(0.308582, c.Pairs.Average(p => p.LassoR2), 6);
        Assert.Equal(0.464164, c.Pairs.Average(p => p.FineTuneR2), 6);
        Assert.Equal(0.155582, c.Pairs.Average(p => p.Difference), 6);
        Assert.Equal(0.179209, Median(c.Pairs.Select(p => p.Difference)), 6);
    }

    [Fact]
    public void Every_ESM2_size_of_the_study_has_its_31_datasets_and_nothing_is_unmatched()
    {
        var c = FineTuneComparison.Read(FineTunePath, LassoPath);
        Assert.Equal(Sizes, c.Models.Select(m => m.ModelSize));
        Assert.All(c.Models, m => Assert.Equal(31, m.Datasets));
        // ESM-2 8M: W = min(W+, W−) = 48 of 496; 2·#{sign patterns with W+ ≤ 48}/2^31, counted apart
        // from PlmKit (a Python subset-sum count over ranks 1..31) = 2.2230669856071472e-05.
        Assert.Equal(48, c.Models[0].Wilcoxon.Statistic);
        Assert.Equal(2.2230669856071472e-05, c.Models[0].Wilcoxon.PValue, 15);
        Assert.Empty(c.Unmatched);
        Assert.Equal(0.95, c.ConfidenceLevel);
        // Smallest model first, parameter counts read off the labels.
        Assert.Equal([8e6, 35e6, 150e6, 650e6, 3e9], c.Models.Select(m => m.Parameters));
    }

    [Fact]
    public void The_t_interval_and_p_value_match_a_hand_worked_case()
    {
        // d = 0.1, 0.2, 0.3: mean 0.2, SD 0.1, SE 0.1/√3 = 0.0577350; t(0.975, 2) = 4.3026527
        // → half-width 0.2484138; t = 3.4641016, df 2: p = 1 − t/√(2 + t²) = 0.0741799.
        var (mean, se, low, high, p) = FineTuneComparison.MeanInterval([0.1, 0.2, 0.3]);
        Assert.Equal(0.2, mean, 12);
        Assert.Equal(0.1 / Math.Sqrt(3), se, 12);
        Assert.Equal(0.2 - 0.2484138, low, 6);
        Assert.Equal(0.2 + 0.2484138, high, 6);
        Assert.Equal(0.0741799, p, 6);
        Assert.True(double.IsNaN(FineTuneComparison.MeanInterval([0.5]).ConfLow));
    }

    [Fact]
    public void The_signed_rank_test_matches_hand_worked_cases()
    {
        // All five positive: W+ = 15, only 1 of 32 sign patterns reaches it → p = 2/32.
        var all = SignedRankTest.TwoSided([1, 2, 3, 4, 5]);
        Assert.Equal((5, 15.0, 0.0, 0.0625, true), (all.N, all.RankSumPositive, all.Statistic, all.PValue, all.Exact));
        // Rank 2 negative: W+ = 13; W+ ≥ 13 ⇔ the negative ranks sum to ≤ 2: {}, {1}, {2} → p = 2·3/32.
        var one = SignedRankTest.TwoSided([1, -2, 3, 4, 5]);
        Assert.Equal((13.0, 2.0, 0.1875), (one.RankSumPositive, one.Statistic, one.PValue));
        // Zeros dropped; ties → normal approximation: |d| 1,1,1,2 → ranks 2,2,2,4, W+ = 8, mean 5,
        // variance 4·5·9/24 − (27 − 3)/48 = 7 → z = 3/√7, p = 0.2568393.
        var ties = SignedRankTest.TwoSided([1, 1, -1, 0, 2]);
        Assert.False(ties.Exact);
        Assert.Equal(4, ties.N);
        Assert.Equal(0.2568393, ties.PValue, 6);
    }

    [Fact]
    public void A_missing_column_is_one_line_naming_the_file()
    {
        using var tmp = new TempDir();
        string bad = tmp.Write("finetune.csv", "Epoch,ModelSize,Dataset_Name\n1,8M,SUMO1 HUMAN\n");
        var e = Assert.ThrowsAny<PlmKitException>(() => FineTuneComparison.Read(bad, LassoPath));
        Assert.Contains(bad, e.Message);
        Assert.Contains("no column 'val_r2'", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        string lasso = tmp.Write("lasso.csv", "Model,ModelSize,R2_score_test\nesm2,8M,0.5\n");
        e = Assert.ThrowsAny<PlmKitException>(() => FineTuneComparison.Read(FineTunePath, lasso));
        Assert.Contains(lasso, e.Message);
        Assert.Contains("no column 'Dataset_Name'", e.Message);

        e = Assert.ThrowsAny<PlmKitException>(() => FineTuneComparison.Read(tmp.Sub("absent.csv"), LassoPath));
        Assert.Contains("absent.csv", e.Message);
    }

    [Fact]
    public void Duplicates_and_no_common_dataset_are_input_errors()
    {
        using var tmp = new TempDir();
        string twice = tmp.Write("ft.csv", "ModelSize,Dataset_Name,val_r2\n8M,SUMO1 HUMAN,0.3\n8M,SUMO1 HUMAN,0.4\n");
        var e = Assert.Throws<InputException>(() => FineTuneComparison.Read(twice, LassoPath));
        Assert.Equal(3, e.Line);
        string none = tmp.Write("ft2.csv", "ModelSize,Dataset_Name,val_r2\n8M,NO SUCH ASSAY,0.3\n");
        e = Assert.Throws<InputException>(() => FineTuneComparison.Read(none, LassoPath));
        Assert.Contains("nothing to compare", e.Message);
    }

    [Fact]
    public void The_figure_has_a_panel_per_model_and_its_numbers_round_trip()
    {
        var c = FineTuneComparison.Read(FineTunePath, LassoPath);
        var figure = StudyFigure.Of(c);
        Assert.Equal("fine-tune", figure.Name);
        Assert.Equal(["fine-tune_pairs", "fine-tune_summary"], figure.Tables.Select(t => t.Name));
        var pairs = TidyTable.Parse(new StringReader(figure.Tables[0].Csv), "pairs");
        Assert.Equal(155, pairs.RowCount);
        Assert.Equal(c.Pairs.Select(p => p.Difference), pairs.Numbers("difference"));
        var summary = TidyTable.Parse(new StringReader(figure.Tables[1].Csv), "summary");
        Assert.Equal(Sizes, summary.Strings("ModelSize"));
        Assert.Equal(c.Models.Select(m => m.ConfLow), summary.Numbers("conf_low"));
        Assert.Equal(c.Models.Select(m => m.Wilcoxon.PValue), summary.Numbers("wilcoxon_p_value"));
        string json = figure.Chart.GetInlineJS();
        Assert.Contains("\"xaxis5\"", json);
        Assert.Contains("ESM-2 3B", json);
        Assert.Throws<InputException>(() => StudyFigure.FromTable(FigureKind.FineTune, TidyTable.Read(FineTunePath)));
    }
}
