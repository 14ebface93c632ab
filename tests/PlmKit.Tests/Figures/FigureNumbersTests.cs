using System.Globalization;
using PlmKit.Data;
using PlmKit.Figures;

namespace PlmKit.Tests.Figures;

/// <summary>
/// Pins the numbers behind the figures against values computed here independently from the
/// study's CSVs (plain string splitting and textbook formulas, no PlmKit code).
/// </summary>
public class FigureNumbersTests
{
    private static string Results(string name) => Path.Combine(SharedData.Swat, "results", name);

    /// <summary>
    /// Rows of a simple CSV as dictionaries by column name: split at every comma, then surrounding
    /// quotes (R quotes every string) removed; checked to hold no quoted commas.
    /// </summary>
    internal static List<Dictionary<string, string>> NaiveCsv(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        string[] Cells(string line)
        {
            var cells = line.Split(',');
            Assert.All(cells, c => Assert.True(!c.Contains('"') || (c.Length >= 2 && c[0] == '"' && c[^1] == '"' && c.Count(q => q == '"') == 2), line));
            return [.. cells.Select(c => c.Trim('"'))];
        }
        var header = Cells(lines[0]);
        return [.. lines.Skip(1).Select(Cells).Select(f => header.Zip(f).ToDictionary(p => p.First, p => p.Second))];
    }

    internal static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    internal static double Median(List<double> v)
    {
        v.Sort();
        int n = v.Count;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    [Fact]
    public void Figure3_per_model_medians_equal_medians_computed_from_the_csv()
    {
        string path = Results("DMS_all_multi_model_metadata.csv");
        var expected = NaiveCsv(path)
            .GroupBy(r => (r["Model"], r["ModelSize"]))
            .ToDictionary(g => g.Key, g => (
                Median(g.GroupBy(r => r["Dataset"]).Select(d => d.Average(r => D(r["R2_score_test"]))).ToList()),
                g.Select(r => r["Dataset"]).Distinct().Count()));

        var data = ModelSizeData.Compute(StudyTables.FoldScores(TidyTable.Read(path)));

        Assert.Equal(12, data.Medians.Count);
        Assert.Equal(expected.Count, data.Medians.Count);
        foreach (var m in data.Medians)
        {
            var (median, datasets) = expected[(m.Model.Family, m.Model.Size)];
            Assert.Equal(median, m.MedianR2, 12);
            Assert.Equal(datasets, m.Datasets);
        }
        // Spot check against the table by hand: ESM-2 15B has 15e9 parameters, ESM-1v 35 datasets.
        Assert.Equal(15e9, data.Medians.Single(m => m.Model.Label == "ESM-2 15B").Model.Parameters);
        Assert.Equal(35, data.Medians.Single(m => m.Model.Family == "esm1v").Datasets);
        // Family order of the figure and the legend: ESM-2 by size, then ESM C, ESM-1v, AMPLIFY.
        Assert.Equal(["ESM-2 8M", "ESM-2 35M", "ESM-2 150M", "ESM-2 650M", "ESM-2 3B", "ESM-2 15B", "ESM C 300M", "ESM C 600M",
                "ESM C 6B", "ESM-1v 650M", "AMPLIFY 120M", "AMPLIFY 350M"],
            data.Medians.Select(m => m.Model.Label));
    }

    [Fact]
    public void Dataset_size_fits_equal_closed_form_least_squares()
    {
        string path = Results("DMS_all_multi_model_metadata.csv");
        var rows = NaiveCsv(path);
        // Per dataset: mean over models of each model's fold mean.
        var perDataset = rows.GroupBy(r => r["Dataset"]).Select(d => (
            Size: D(d.First()["dataset_size"]),
            Length: D(d.First()["prot_length"]),
            R2: d.GroupBy(r => (r["Model"], r["ModelSize"])).Average(m => m.Average(r => D(r["R2_score_test"]))))).ToList();

        var table = TidyTable.Read(path);
        var data = DatasetSizeData.Compute(StudyTables.FoldScores(table), StudyTables.Datasets(table));

        Assert.Equal(perDataset.Count, data.Points.Count);
        foreach (var (x, fit) in new[] { (perDataset.Select(p => p.Size), data.SizeFit), (perDataset.Select(p => p.Length), data.LengthFit) })
        {
            var lx = x.Select(Math.Log10).ToArray();
            var y = perDataset.Select(p => p.R2).ToArray();
            double mx = lx.Average(), my = y.Average();
            double sxy = lx.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
            double sxx = lx.Sum(v => (v - mx) * (v - mx));
            double slope = sxy / sxx, intercept = my - slope * mx;
            double ssRes = lx.Zip(y).Sum(p => Math.Pow(p.Second - intercept - slope * p.First, 2));
            double ssTot = y.Sum(v => (v - my) * (v - my));
            Assert.Equal(slope, fit.Slope, 10);
            Assert.Equal(intercept, fit.Intercept, 10);
            Assert.Equal(1 - ssRes / ssTot, fit.RSquared, 10);
            Assert.Equal(40, fit.N);
        }
    }

    [Fact]
    public void Learning_curve_points_are_fold_means_and_sample_standard_deviations()
    {
        string path = Results("lassoCV_sampling_all_models_and_datasets.csv");
        var groups = NaiveCsv(path).GroupBy(r => (r["Dataset"], r["Model"], r["ModelSize"], int.Parse(r["Sample_size"], CultureInfo.InvariantCulture)))
            .ToDictionary(g => g.Key, g => g.Select(r => D(r["R2_score_test"])).ToArray());

        var data = LearningCurveData.Compute(StudyTables.SamplingScores(TidyTable.Read(path)));

        Assert.Equal(groups.Count, data.Points.Count);
        Assert.Equal(["BLAT_ECOLX_2015", "HIS7", "PABP_doubles"], data.Datasets);
        foreach (var p in data.Points)
        {
            var v = groups[(p.Dataset, p.Model.Family, p.Model.Size, p.SampleSize)];
            double mean = v.Average();
            Assert.Equal(mean, p.MeanR2, 12);
            Assert.Equal(Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)), p.StdR2, 12);
            Assert.Equal(v.Length, p.Folds);
        }
    }

    [Fact]
    public void Curves_cross_where_the_larger_model_stays_ahead()
    {
        var small = new ModelId("esm2", "8M", 8e6);
        var large = new ModelId("esm2", "15B", 15e9);
        // Large is behind at 10, ahead at 100, behind at 1000, ahead from 10000 on.
        var rows = new[] { (10, 0.1, 0.0), (100, 0.2, 0.3), (1000, 0.5, 0.4), (10000, 0.6, 0.7), (100000, 0.6, 0.8) }
            .SelectMany(t => new[]
            {
                new SamplingScore("D", small, t.Item1, 1, t.Item2),
                new SamplingScore("D", large, t.Item1, 1, t.Item3),
            });
        var data = LearningCurveData.Compute(rows);
        Assert.Equal(10000, data.FirstSizeAlwaysAhead("D", large, small));
        Assert.Null(data.FirstSizeAlwaysAhead("D", small, large));
        Assert.Throws<ArgumentException>(() => data.FirstSizeAlwaysAhead("other", large, small));
    }

    [Fact]
    public void Figure2_contrasts_are_read_from_the_lme4_reference_and_ordered_best_first()
    {
        string path = Path.Combine(SharedData.Swat, "reference", "dms_compression_glht.csv");
        var data = CompressionData.FromContrastTable(TidyTable.Read(path));
        Assert.Equal(13, data.Contrasts.Count);
        Assert.Equal("maxPool", data.Contrasts[0].Contrast);
        Assert.Equal("iDCT1", data.Contrasts[^1].Contrast);
        var bos = data.Contrasts.Single(c => c.Contrast == "bos");
        Assert.Equal(-0.108178193371266, bos.Estimate, 15);
        Assert.Equal(-0.136317958999657, bos.ConfLow, 15);
        Assert.Equal(-0.0800384277428745, bos.ConfHigh, 15);
        Assert.True(data.Contrasts.Zip(data.Contrasts.Skip(1)).All(p => p.First.Estimate >= p.Second.Estimate));
    }

    [Fact]
    public void Figure2_contrasts_fitted_from_the_study_table_equal_the_lme4_multcomp_reference()
    {
        var reference = NaiveCsv(Path.Combine(SharedData.Swat, "reference", "dms_compression_glht.csv"));
        var (data, fit, _) = CompressionData.FromResults(TidyTable.Read(Results("summary_DMS_esm2_150M_all_methods.csv")));
        Assert.True(fit.IsSingular);     // the study's Fold variance is 0, as in lme4
        Assert.Equal(13, data.Contrasts.Count);
        Assert.Equal("mean", data.Reference);
        foreach (var c in data.Contrasts)
        {
            var r = reference.Single(row => row["contrast"] == c.Contrast);
            Assert.Equal(D(r["estimate"]), c.Estimate, 1e-4);
            Assert.Equal(D(r["conf_low"]), c.ConfLow, 1e-3);
            Assert.Equal(D(r["conf_high"]), c.ConfHigh, 1e-3);
        }
    }

    [Theory]
    [InlineData("esm2", "150M", "esm2", "150M", 1.5e8)]
    [InlineData("esmc", "6B", "esmc", "6B", 6e9)]
    [InlineData("esm2_150M", null, "esm2", "150M", 1.5e8)]
    [InlineData("esm2_t30_150M_UR50D", null, "esm2", "150M", 1.5e8)]
    [InlineData("ESMC_600m", null, "esmc", "600M", 6e8)]
    [InlineData("amplify", "120m", "amplify", "120M", 1.2e8)]
    public void Model_names_parse_to_family_size_and_parameters(string model, string? size, string family, string label, double parameters)
    {
        var id = ModelId.TryParse(model, size);
        Assert.NotNull(id);
        Assert.Equal(family, id.Family);
        Assert.Equal(label, id.Size);
        Assert.Equal(parameters, id.Parameters);
    }

    [Theory]
    [InlineData("esm2", "large")]
    [InlineData("onehot", null)]
    public void Model_names_without_a_size_do_not_parse(string model, string? size) =>
        Assert.Null(ModelId.TryParse(model, size));

    [Fact]
    public void Families_keep_their_colour_and_larger_models_get_darker_shades()
    {
        var models = new[] { "8M", "150M", "15B" }.Select(s => ModelId.TryParse("esm2", s)!).ToList();
        var shades = models.Select(m => FamilyPalette.ModelColour(m, models)).ToList();
        Assert.Equal(3, shades.Distinct().Count());
        Assert.Equal("#9ecae1", shades[0]);
        Assert.Equal("#08306b", shades[2]);
        Assert.Equal(FamilyPalette.FamilyColour("esm1v"), FamilyPalette.ModelColour(ModelId.TryParse("esm1v_650M")!, models));
        Assert.NotEqual(FamilyPalette.FamilyColour("esm2"), FamilyPalette.FamilyColour("esmc"));
    }
}
