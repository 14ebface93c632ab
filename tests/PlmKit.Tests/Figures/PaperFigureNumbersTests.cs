using System.Globalization;
using PlmKit.Figures;
using static PlmKit.Tests.Figures.FigureNumbersTests;

namespace PlmKit.Tests.Figures;

/// <summary>
/// The numbers behind every figure <c>plmkit reproduce</c> writes, against values computed here
/// from the study's raw CSVs with the paper's own filters (SWAT <c>stats_plots.Rmd</c>), by plain
/// string splitting and textbook formulas, not through PlmKit's code.
/// </summary>
[Collection(ReproductionCollection.Name)]
public class PaperFigureNumbersTests(ReproductionFixture run)
{
    // stats_plots.Rmd: exclude_data <- c("BRCA1 RING", "UBE4B singles", "BRCA1 BRCT", "POLG Sun2014"), by Dataset_Name.
    private static readonly string[] Excluded = ["BRCA1 RING", "UBE4B singles", "BRCA1 BRCT", "POLG Sun2014"];

    private static List<Dictionary<string, string>> Raw(string name) => NaiveCsv(Path.Combine(SharedData.Swat, "results", name + ".csv"));

    private List<Dictionary<string, string>> Out(string name)
    {
        Assert.True(run.Code == 0, run.Err);
        return NaiveCsv(run.PathOf(Path.Combine("figures", name + ".csv")));
    }

    private static int I(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static double Sd(IReadOnlyList<double> v)
    {
        double m = v.Average();
        return v.Count > 1 ? Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Count - 1)) : 0;
    }

    /// <summary>Ordinary least squares of y on x: (intercept, slope, R²).</summary>
    private static (double A, double B, double R2) Ols(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average();
        double b = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my)) / x.Sum(v => (v - mx) * (v - mx));
        double a = my - b * mx;
        double ssRes = x.Zip(y).Sum(p => Math.Pow(p.Second - a - b * p.First, 2)), ssTot = y.Sum(v => (v - my) * (v - my));
        return (a, b, 1 - ssRes / ssTot);
    }

    [Fact]
    public void Figure3A_medians_are_on_the_papers_basis_of_36_assays()
    {
        var perModel = Raw("DMS_all_multi_model_metadata")
            .Where(r => r["Compression_method"] == "mean" && !Excluded.Contains(r["Dataset_Name"]))
            .GroupBy(r => (r["Model"], r["ModelSize"]))
            .ToDictionary(g => g.Key, g => (
                Median: Median([.. g.GroupBy(r => r["Dataset_Name"]).Select(d => d.Average(r => D(r["R2_score_test"])))]),
                Sets: g.Select(r => r["Dataset_Name"]).Distinct().Count()));

        var medians = Out("fig3a-dms-model-size_medians");
        Assert.Equal(12, medians.Count);
        foreach (var m in medians)
        {
            var (median, sets) = perModel[(m["Model"], m["ModelSize"])];
            Assert.Equal(median, D(m["median_R2_score_test"]), 12);
            Assert.Equal(sets, I(m["n_datasets"]));
        }
        // The numbers on the paper's basis (all 40 assays gave 0.460 and 0.249).
        Assert.Equal(0.487, D(medians.Single(m => m["Model"] == "esmc" && m["ModelSize"] == "600M")["median_R2_score_test"]), 3);
        Assert.Equal(0.268, D(medians.Single(m => m["Model"] == "esm2" && m["ModelSize"] == "35M")["median_R2_score_test"]), 3);
        // 36 assays for ten models; ESM-1v and ESM C 6B lack one more each.
        Assert.Equal(36, Out("fig3a-dms-model-size_scores").Select(r => r["Dataset"]).Distinct().Count());
        Assert.Equal(10, medians.Count(m => I(m["n_datasets"]) == 36));
        Assert.DoesNotContain(Out("fig3a-dms-model-size_scores"), r => r["Dataset"].StartsWith("BRCA1", StringComparison.Ordinal));

        // PlmKit's all-assay figure keeps the four: its ESM C 600M median is the 0.460.
        var all = Out("plmkit-model-size-all-assays_medians");
        Assert.Equal(0.460, D(all.Single(m => m["Model"] == "esmc" && m["ModelSize"] == "600M")["median_R2_score_test"]), 3);
        Assert.Equal(40, Out("plmkit-model-size-all-assays_scores").Select(r => r["Dataset"]).Distinct().Count());
    }

    [Fact]
    public void Figure3B_medians_are_over_the_12_pisces_targets()
    {
        var perModel = Raw("PISCES_all_multi_model").Where(r => r["Compression_method"] == "mean")
            .GroupBy(r => (r["Model"], r["ModelSize"]))
            .ToDictionary(g => g.Key, g => Median([.. g.GroupBy(r => r["Dataset"]).Select(d => d.Average(r => D(r["R2_score_test"])))]));
        var medians = Out("fig3b-pisces-model-size_medians");
        Assert.Equal(perModel.Count, medians.Count);
        Assert.All(medians, m => Assert.Equal(perModel[(m["Model"], m["ModelSize"])], D(m["median_R2_score_test"]), 12));
        Assert.All(medians, m => Assert.Equal(12, I(m["n_datasets"])));
    }

    [Fact]
    public void Figure4_drops_size_32_and_esm1v_and_shows_fold_means_of_r2_and_features()
    {
        var groups = Raw("lassoCV_sampling_all_models_and_datasets")
            .Where(r => r["Sample_size"] != "32" && r["Model"] != "esm1v")
            .GroupBy(r => (r["Dataset"], r["Model"], r["ModelSize"], r["Sample_size"]))
            .ToDictionary(g => g.Key, g => g.ToList());
        foreach (var name in new[] { "fig4a-learning-curves_points", "fig4b-features_points" })
        {
            var points = Out(name);
            Assert.Equal(groups.Count, points.Count);
            Assert.DoesNotContain(points, p => p["Sample_size"] == "32" || p["Model"] == "esm1v");
            Assert.Equal(10, points.Select(p => (p["Model"], p["ModelSize"])).Distinct().Count());
            Assert.Equal(3, points.Select(p => p["Dataset"]).Distinct().Count());
            foreach (var p in points)
            {
                var rows = groups[(p["Dataset"], p["Model"], p["ModelSize"], p["Sample_size"])];
                var r2 = rows.Select(r => D(r["R2_score_test"])).ToList();
                var features = rows.Select(r => D(r["nun_zero_coefs"])).ToList();
                Assert.Equal(r2.Average(), D(p["mean_R2_score_test"]), 12);
                Assert.Equal(Sd(r2), D(p["sd_R2_score_test"]), 12);
                Assert.Equal(features.Average(), D(p["mean_nun_zero_coefs"]), 9);
                Assert.Equal(Sd(features), D(p["sd_nun_zero_coefs"]), 9);
                Assert.Equal(5, I(p["n_folds"]));
            }
        }
        // The beyond-the-paper curves keep both.
        var all = Out("plmkit-learning-curves-all_points");
        Assert.Contains(all, p => p["Sample_size"] == "32");
        Assert.Contains(all, p => p["Model"] == "esm1v");
    }

    [Fact]
    public void Crossovers_are_the_smallest_subsample_from_which_esm2_15b_stays_ahead()
    {
        var means = Raw("lassoCV_sampling_all_models_and_datasets")
            .GroupBy(r => (r["Dataset"], r["Model"] + " " + r["ModelSize"], I(r["Sample_size"])))
            .ToDictionary(g => g.Key, g => g.Average(r => D(r["R2_score_test"])));
        var crossovers = Out("plmkit-learning-curves-all_crossovers");
        Assert.Equal(3 * 10, crossovers.Count);
        foreach (var c in crossovers)
        {
            string baseline = c["baseline_Model"] + " " + c["baseline_ModelSize"];
            var sizes = means.Keys.Where(k => k.Item1 == c["Dataset"] && k.Item2 == "esm2 15B").Select(k => k.Item3)
                .Where(s => means.ContainsKey((c["Dataset"], baseline, s))).OrderDescending().ToList();
            int? first = null;
            foreach (int s in sizes)
            {
                if (means[(c["Dataset"], "esm2 15B", s)] <= means[(c["Dataset"], baseline, s)]) break;
                first = s;
            }
            Assert.Equal(first?.ToString(CultureInfo.InvariantCulture) ?? "", c["first_subsample_always_ahead"]);
        }
    }

    [Fact]
    public void Figure5_and_supplementary_6_to_9_fit_each_model_on_log_size_and_log_length()
    {
        // stats_plots.Rmd: per (Dataset, Model, ModelSize) the fold mean, then lm(mean_score ~ log(dataset_size)) per model, all assays.
        var perModel = Raw("DMS_all_multi_model_metadata").Where(r => r["Compression_method"] == "mean")
            .GroupBy(r => (r["Model"], r["ModelSize"]))
            .ToDictionary(g => g.Key, g => g.GroupBy(r => r["Dataset"]).Select(d => (
                Size: D(d.First()["dataset_size"]), Length: D(d.First()["prot_length"]), R2: d.Average(r => D(r["R2_score_test"])))).ToList());
        var fits = new[] { "fig5-esmc-600m-size-length", "supp6-9-esm1v-size-length", "supp6-9-esm2-size-length",
                "supp6-9-esmc-300m-size-length", "supp6-9-amplify-size-length" }
            .SelectMany(f => Out(f + "_fits")).ToList();
        // Every model but ESM C 6B (whose panel SWAT commented out), each with both predictors.
        Assert.Equal(2 * 11, fits.Count);
        Assert.DoesNotContain(fits, f => f["ModelSize"] == "6B");
        Assert.Equal(["600M"], Out("fig5-esmc-600m-size-length_fits").Select(f => f["ModelSize"]).Distinct());
        foreach (var f in fits)
        {
            var points = perModel[(f["Model"], f["ModelSize"])];
            var x = points.Select(p => Math.Log(f["predictor"] == "log10(dataset_size)" ? p.Size : p.Length)).ToArray();
            var (_, slope, r2) = Ols(x, [.. points.Select(p => p.R2)]);
            Assert.Equal(r2, D(f["r_squared"]), 10);
            Assert.Equal(slope * Math.Log(10), D(f["slope_per_log10"]), 10);   // R's log is natural; PlmKit states the slope per tenfold
            Assert.Equal(points.Count, I(f["n_datasets"]));
        }
        Assert.Equal(40, I(Out("fig5-esmc-600m-size-length_fits")[0]["n_datasets"]));
        Assert.Equal(35, I(Out("supp6-9-esm1v-size-length_fits")[0]["n_datasets"]));
    }

    [Fact]
    public void Supplementary_1_and_2_pair_every_method_with_mean_pooling_per_dataset()
    {
        foreach (var (table, figure, sets) in new[] { ("summary_DMS_esm2_150M_all_methods", "supp1-dms-methods", 40), ("summary_PISCES_esm2_150M_all_methods", "supp2-pisces-methods", 12) })
        {
            var means = Raw(table).GroupBy(r => (r["Dataset"], r["Compression_method"])).ToDictionary(g => g.Key, g => g.Average(r => D(r["R2_score_test"])));
            var summary = Out(figure + "_summary");
            Assert.Equal(13, summary.Count);
            foreach (var s in summary)
            {
                var diffs = means.Keys.Where(k => k.Item2 == s["Compression_method"]).Select(k => means[k] - means[(k.Item1, "mean")]).ToList();
                Assert.Equal(sets, diffs.Count);
                Assert.Equal(diffs.Count, I(s["n_datasets"]));
                Assert.Equal(diffs.Count(d => d < 0), I(s["n_below_reference"]));
                Assert.Equal(Median(diffs), D(s["median_difference"]), 12);
            }
            Assert.Equal(13 * sets, Out(figure + "_points").Count);
        }
    }

    [Fact]
    public void Supplementary_3_is_the_four_excluded_assays_without_esm1v()
    {
        var expected = Raw("DMS_all_multi_model_metadata").Where(r => Excluded.Contains(r["Dataset_Name"]))
            .GroupBy(r => (r["Dataset"], r["Model"], r["ModelSize"])).ToDictionary(g => g.Key, g => g.Select(r => D(r["R2_score_test"])).ToList());
        var scores = Out("supp3-long-assays_scores");
        Assert.Equal(expected.Count, scores.Count);
        Assert.Equal(4, scores.Select(s => s["Dataset"]).Distinct().Count());
        Assert.DoesNotContain(scores, s => s["Model"] == "esm1v");
        foreach (var s in scores)
        {
            var v = expected[(s["Dataset"], s["Model"], s["ModelSize"])];
            Assert.Equal(v.Average(), D(s["mean_R2_score_test"]), 12);
            Assert.Equal(Sd(v), D(s["sd_R2_score_test"]), 12);
        }
    }

    [Fact]
    public void The_dataset_size_histogram_bins_each_datasets_median_size_as_r_cut_does()
    {
        // stats_plots.Rmd: median(dataset_size) per Dataset, cut(breaks = c(-Inf, 1000, 3200, 10000, 32000, Inf), right = FALSE).
        double[] breaks = [1000, 3200, 10000, 32000];
        var bins = Raw("DMS_all_multi_model_metadata").GroupBy(r => r["Dataset"])
            .Select(g => Median([.. g.Select(r => D(r["dataset_size"]))]))
            .GroupBy(size => breaks.Count(b => size >= b)).ToDictionary(g => g.Key, g => g.Count());
        var drawn = Out("supp-dms-dataset-sizes_bins");
        Assert.Equal(["<1000", "1000-3200", "3200-10000", "10000-32000", ">32000"], drawn.Select(b => b["bin"]));
        for (int i = 0; i < drawn.Count; i++)
            Assert.Equal(bins.GetValueOrDefault(i), I(drawn[i]["n_datasets"]));
        Assert.Equal(40, drawn.Sum(b => I(b["n_datasets"])));
    }

    [Fact]
    public void Supplementary_5_pairs_fine_tuning_with_the_lasso_fold_mean_as_swat_does()
    {
        // plot_results_fineTune_lora.ipynb: esm2 Lasso rows, fold mean per (ModelSize, Dataset_Name), inner join with the fine-tuning table.
        var lasso = Raw("DMS_all_multi_model_metadata").Where(r => r["Model"] == "esm2")
            .GroupBy(r => (r["ModelSize"], r["Dataset_Name"])).ToDictionary(g => g.Key, g => g.Average(r => D(r["R2_score_test"])));
        var pairs = Raw("LitESM2ne_res_DMS_all").Where(r => lasso.ContainsKey((r["ModelSize"], r["Dataset_Name"])))
            .Select(r => (Size: r["ModelSize"], Diff: D(r["val_r2"]) - lasso[(r["ModelSize"], r["Dataset_Name"])])).ToList();
        var summary = Out("supp5-fine-tune_summary");
        Assert.Equal(5, summary.Count);
        Assert.Equal(pairs.Count, Out("supp5-fine-tune_pairs").Count);
        foreach (var s in summary)
        {
            var d = pairs.Where(p => p.Size == s["ModelSize"]).Select(p => p.Diff).ToList();
            Assert.Equal(d.Count, I(s["n_datasets"]));
            Assert.Equal(d.Average(), D(s["mean_difference"]), 12);
            Assert.Equal(Sd(d) / Math.Sqrt(d.Count), D(s["std_error"]), 12);
            Assert.Equal(d.Count(x => x > 0), I(s["fine_tune_wins"]));
        }
    }

    [Fact]
    public void The_models_mixed_model_runs_on_figure_3As_assays()
    {
        Assert.True(run.Code == 0, run.Err);
        var fixedEffects = NaiveCsv(run.PathOf("tables/dms_models_fixed.csv"));
        Assert.Equal(12, fixedEffects.Count);   // intercept + 11 models against ESM-2 15B
        // The intercept of a one-factor model is near the reference's mean over its assays: ESM-2 15B on the 36.
        var esm2_15b = Raw("DMS_all_multi_model_metadata").Where(r => r["Model"] == "esm2" && r["ModelSize"] == "15B" && !Excluded.Contains(r["Dataset_Name"]))
            .Select(r => D(r["R2_score_test"])).Average();
        Assert.Equal(esm2_15b, D(fixedEffects[0]["estimate"]), 2);
        var contrasts = NaiveCsv(run.PathOf("figures/plmkit-models-vs-largest_contrasts.csv"));
        Assert.Equal(11, contrasts.Count);
        Assert.All(contrasts, c => Assert.True(D(c["conf_low"]) <= D(c["estimate"]) && D(c["estimate"]) <= D(c["conf_high"])));
    }

    [Fact]
    public void Notebook_4s_model_comparison_is_the_gallerys_and_answers_within_a_family()
    {
        var comparison = ModelComparison.Run(PlmKit.Data.TidyTable.Read(Path.Combine(SharedData.Swat, "results", "DMS_all_multi_model_metadata.csv")), 0.02);
        Assert.Equal("ESM-2 15B", comparison.Largest.Label);
        Assert.Equal(36, comparison.Analysis.Fit.GroupCounts["Dataset"]);
        Assert.Equal(12, comparison.SmallestFirst.Count);
        Assert.Equal("ESM-2 8M", comparison.SmallestFirst[0].Label);
        var gallery = Out("plmkit-models-vs-largest_contrasts");
        var mine = comparison.Analysis.Contrasts.Contrasts;
        Assert.Equal(gallery.Count, mine.Count);
        foreach (var row in gallery)
            Assert.Equal(D(row["estimate"]), mine.Single(c => c.Name == row["contrast"]).Estimate, 12);
        // One family at its own margin, on the same fit: the best ESM-2 is the largest; every ESM-2 is tested.
        var esm2 = comparison.Within(comparison.SmallestFirst.Where(m => m.Family == "esm2"), 0.05);
        Assert.Equal("esm2:15B", esm2.Best);
        Assert.Equal(6, esm2.Tests.Count);
        Assert.Throws<ArgumentException>(() => comparison.Within([], 0.05));
        Assert.Throws<ArgumentException>(() => comparison.Within(comparison.SmallestFirst, 0));
    }
}
