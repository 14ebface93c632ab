using PlmKit.Data;
using PlmKit.Statistics;

namespace PlmKit.Tests.Statistics;

/// <summary>
/// Fits of the study's tables against R's lme4 + multcomp: the shared reference of the study's
/// compression model, and further cases made by References/make_references.R.
/// </summary>
public class LinearMixedModelReferenceTests
{
    private static readonly string SharedReference = Path.Combine(SharedData.Swat, "reference");

    private static TidyTable Dms() => TidyTable.Read(ReferenceFiles.Result("summary_DMS_esm2_150M_all_methods.csv"));

    [Fact]
    public void CompressionModelMatchesSharedLme4Reference()
    {
        var fit = LinearMixedModel.Fit(Dms(), MixedModelFormula.OneFactor("R2_score_test", "Compression_method", "mean", "Dataset", "Fold"));

        AssertFixedEffects(fit, Path.Combine(SharedReference, "dms_compression_fixed.csv"));
        AssertVarianceComponents(fit, Path.Combine(SharedReference, "dms_compression_varcomp.csv"));
        Assert.Equal(0.0, fit.VarianceComponents.Single(c => c.Group == "Fold").Variance);
        Assert.True(fit.IsSingular);
        Assert.True(fit.Converged);
        Assert.Equal(2800, fit.ObservationCount);
        Assert.Equal(40, fit.GroupCounts["Dataset"]);
        Assert.Equal(5, fit.GroupCounts["Fold"]);
        // lme4_reference.R prints REML=-4600.643927 for this fit.
        Assert.Equal(-4600.643927, fit.Objective, 1e-5);

        // Balanced design: the contrasts' correlation is one-factor (all 0.5), integrated exactly;
        // the Genz–Bretz integration must agree as well.
        var dunnett = MultipleComparisons.Dunnett(fit, "Compression_method");
        AssertContrasts(dunnett, Path.Combine(SharedReference, "dms_compression_glht.csv"));
        Assert.True(dunnett.IntegrationError <= 1e-11);
        var integrated = MultipleComparisons.Dunnett(fit, "Compression_method", new ContrastOptions(Mvn: new MvnOptions(ExactWhenPossible: false)));
        AssertContrasts(integrated, Path.Combine(SharedReference, "dms_compression_glht.csv"));
    }

    public static TheoryData<string> Cases => new()
    {
        "dms_compression_ml", "dms_compression_dataset_only", "dms_compression_nested",
        "dms_models", "dms_models_covariate", "pisces_compression", "pisces_models", "unbalanced",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FitMatchesLme4(string name)
    {
        var (table, formula, options) = Case(name);
        var fit = LinearMixedModel.Fit(table, formula, options);
        string prefix = Path.Combine(ReferenceFiles.Folder, name);

        AssertFixedEffects(fit, prefix + "_fixed.csv");
        AssertVarianceComponents(fit, prefix + "_varcomp.csv");
        var info = TidyTable.Read(prefix + "_info.csv");
        Assert.Equal(info.Numbers("objective")[0], fit.Objective, 1e-5);
        Assert.Equal(info.Strings("singular")[0] == "TRUE", fit.IsSingular);
        Assert.Equal((int)info.Numbers("n")[0], fit.ObservationCount);
        Assert.True(fit.Converged);
        var theta = info.Strings("theta")[0].Split(';').Select(double.Parse).ToArray();
        Assert.Equal(theta.Length, fit.Theta.Count);
        for (int i = 0; i < theta.Length; i++)
            Assert.Equal(theta[i], fit.Theta[i], 1e-4);

        var dunnett = MultipleComparisons.Dunnett(fit, formula.Factors[0].Name);
        AssertContrasts(dunnett, prefix + "_glht.csv");
        var holm = MultipleComparisons.Dunnett(fit, formula.Factors[0].Name, new ContrastOptions(PAdjustment.Holm));
        var expectedHolm = ReferenceFiles.Rows(prefix + "_glht.csv", "p_holm");
        foreach (var c in holm.Contrasts)
            Assert.Equal(expectedHolm[c.Name][0], c.PValue, 1e-6);
    }

    [Fact]
    public void LevelPresentInOneDatasetOnlyIsEstimatedWithTheLargestUncertainty()
    {
        // The premise of the "unbalanced" reference case: iDCT1 rows come from a single dataset.
        var (table, formula, options) = Case("unbalanced");
        var method = table.Strings("Compression_method");
        var dataset = table.Strings("Dataset");
        Assert.Single(Enumerable.Range(0, table.RowCount).Where(i => method[i] == "iDCT1").Select(i => dataset[i]).Distinct());
        var fit = LinearMixedModel.Fit(table, formula, options);
        var levels = fit.FixedEffects.Where(e => e.Level is not null).ToList();
        Assert.Equal("iDCT1", levels.MaxBy(e => e.StdError)!.Level);
        Assert.True(fit.Converged);
    }

    [Theory]
    [InlineData("dms_models")]
    [InlineData("unbalanced")]
    public void TukeyMatchesMultcomp(string name)
    {
        var (table, formula, options) = Case(name);
        var fit = LinearMixedModel.Fit(table, formula, options);
        var tukey = MultipleComparisons.Tukey(fit, formula.Factors[0].Name);
        AssertContrasts(tukey, Path.Combine(ReferenceFiles.Folder, name + "_tukey.csv"));
    }

    private static (TidyTable, MixedModelFormula, MixedModelOptions) Case(string name)
    {
        var reml = MixedModelOptions.Default;
        var models = new FactorEffect(["Model", "ModelSize"], "esm2:15B");
        switch (name)
        {
            case "dms_compression_ml":
                return (Dms(), MixedModelFormula.OneFactor("R2_score_test", "Compression_method", "mean", "Dataset", "Fold"),
                    new MixedModelOptions(FitCriterion.MaximumLikelihood));
            case "dms_compression_dataset_only":
                return (Dms(), MixedModelFormula.OneFactor("R2_score_test", "Compression_method", "mean", "Dataset"), reml);
            case "dms_compression_nested":
                return (Dms(), new MixedModelFormula("R2_score_test", [new FactorEffect("Compression_method", "mean")], [],
                    RandomIntercept.Parse("Dataset/Fold")), reml);
            case "dms_models":
                return (TidyTable.Read(ReferenceFiles.Result("DMS_all_multi_model_metadata.csv")),
                    new MixedModelFormula("R2_score_test", [models], [], [new("Dataset"), new("Fold")]), reml);
            case "dms_models_covariate":
                var t = TidyTable.Read(ReferenceFiles.Result("DMS_all_multi_model_metadata.csv"));
                t = t.WithColumn("log10_size", [.. t.Numbers("dataset_size").Select(Math.Log10)]);
                return (t, new MixedModelFormula("R2_score_test", [models], ["log10_size"], [new("Dataset"), new("Fold")]), reml);
            case "pisces_compression":
                return (TidyTable.Read(ReferenceFiles.Result("summary_PISCES_esm2_150M_all_methods.csv")),
                    MixedModelFormula.OneFactor("R2_score_test", "Compression_method", "mean", "Dataset", "Fold"), reml);
            case "pisces_models":
                return (TidyTable.Read(ReferenceFiles.Result("PISCES_all_multi_model.csv")),
                    new MixedModelFormula("R2_score_test", [models], [], [new("Dataset"), new("Fold")]), reml);
            case "unbalanced":
                return (TidyTable.Read(Path.Combine(ReferenceFiles.Folder, "unbalanced_input.csv")),
                    MixedModelFormula.OneFactor("R2_score_test", "Compression_method", "mean", "Dataset", "Fold"), reml);
            default:
                throw new ArgumentException(name);
        }
    }

    internal static void AssertFixedEffects(MixedModelFit fit, string path)
    {
        var expected = ReferenceFiles.Rows(path, "estimate", "std_error", "statistic");
        Assert.Equal(expected.Count, fit.FixedEffects.Count);
        foreach (var e in fit.FixedEffects)
        {
            var r = expected[e.Label];
            Assert.Equal(r[0], e.Estimate, 1e-4);
            Assert.Equal(r[1], e.StdError, 1e-4);
            Assert.Equal(r[2], e.TValue, Math.Max(1e-3, 1e-4 * Math.Abs(r[2])));
        }
    }

    internal static void AssertVarianceComponents(MixedModelFit fit, string path)
    {
        var expected = ReferenceFiles.Rows(path, "vcov", "sdcor");
        Assert.Equal(expected.Count, fit.VarianceComponents.Count);
        foreach (var c in fit.VarianceComponents)
        {
            var r = expected[c.Group];
            Assert.Equal(r[0], c.Variance, Math.Max(1e-7, 1e-4 * r[0]));
            Assert.Equal(r[1], c.StdDev, Math.Max(1e-5, 1e-4 * r[1]));
        }
    }

    /// <summary>Contrasts by name; a pair R names "a - b" may be ours as "b - a" (sign flipped).</summary>
    internal static void AssertContrasts(ContrastTable table, string path)
    {
        var expected = ReferenceFiles.Rows(path, "estimate", "std_error", "p_adj_single_step", "conf_low", "conf_high");
        Assert.Equal(expected.Count, table.Contrasts.Count);
        foreach (var (name, r) in expected)
        {
            var c = table.Contrasts.FirstOrDefault(x => x.Name == name);
            double sign = 1, low = r[3], high = r[4];
            if (c is null)
            {
                var parts = name.Split(" - ");
                c = table[$"{parts[1]} - {parts[0]}"];
                sign = -1;
                (low, high) = (-high, -low);
            }
            Assert.Equal(r[0], sign * c.Estimate, 1e-4);
            Assert.Equal(r[1], c.StdError, 1e-4);
            Assert.True(Math.Abs(r[2] - c.PValue) <= 1e-3, $"{name}: p {c.PValue} vs multcomp {r[2]}");
            Assert.Equal(low, c.ConfLow, 1e-3);
            Assert.Equal(high, c.ConfHigh, 1e-3);
        }
    }
}
