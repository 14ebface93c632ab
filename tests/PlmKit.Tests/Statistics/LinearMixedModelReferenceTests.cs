using PlmKit.Data;
using PlmKit.Statistics;

namespace PlmKit.Tests.Statistics;

/// <summary>The study's compression model against R's lme4 on the same table.</summary>
public class LinearMixedModelReferenceTests
{
    private static readonly string Reference = Path.Combine(SharedData.Swat, "reference");

    [Fact]
    public void CompressionModelMatchesLme4()
    {
        var table = TidyTable.Read(ReferenceFiles.Result("summary_DMS_esm2_150M_all_methods.csv"));
        var fit = LinearMixedModel.Fit(table, MixedModelFormula.OneFactor("R2_score_test", "Compression_method", "mean", "Dataset", "Fold"));

        var expected = ReferenceFiles.Rows(Path.Combine(Reference, "dms_compression_fixed.csv"), "estimate", "std_error", "statistic");
        Assert.Equal(expected.Count, fit.FixedEffects.Count);
        foreach (var e in fit.FixedEffects)
        {
            var r = expected[e.Label];
            Assert.Equal(r[0], e.Estimate, 1e-4);
            Assert.Equal(r[1], e.StdError, 1e-4);
            Assert.Equal(r[2], e.TValue, 1e-2);
        }
        var vc = ReferenceFiles.Rows(Path.Combine(Reference, "dms_compression_varcomp.csv"), "vcov", "sdcor");
        foreach (var c in fit.VarianceComponents)
        {
            Assert.Equal(vc[c.Group][0], c.Variance, 1e-6);
            Assert.Equal(vc[c.Group][1], c.StdDev, 1e-5);
        }
        Assert.Equal(0.0, fit.VarianceComponents.Single(c => c.Group == "Fold").Variance);
        Assert.True(fit.IsSingular);
        Assert.True(fit.Converged);
        Assert.Equal(2800, fit.ObservationCount);
        Assert.Equal(40, fit.GroupCounts["Dataset"]);
        Assert.Equal(5, fit.GroupCounts["Fold"]);
    }
}
