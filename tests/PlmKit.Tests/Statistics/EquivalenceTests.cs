using MathNet.Numerics.Distributions;
using PlmKit.Data;
using PlmKit.Statistics;

namespace PlmKit.Tests.Statistics;

public class EquivalenceTests
{
    private static readonly Lazy<MixedModelFit> Compression = new(() => LinearMixedModel.Fit(
        TidyTable.Read(ReferenceFiles.Result("summary_DMS_esm2_150M_all_methods.csv")),
        MixedModelFormula.OneFactor("R2_score_test", "Compression_method", "mean", "Dataset", "Fold")));

    private static readonly Lazy<(MixedModelFit Fit, TidyTable Table)> Models = new(() =>
    {
        var t = TidyTable.Read(ReferenceFiles.Result("DMS_all_multi_model_metadata.csv"));
        return (LinearMixedModel.Fit(t, new MixedModelFormula("R2_score_test", [new FactorEffect(["Model", "ModelSize"], "esm2:15B")], [],
            [new RandomIntercept("Dataset"), new RandomIntercept("Fold")])), t);
    });

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.06)]
    public void TostIsTheLargerOfTwoOneSidedNormalTests(double margin)
    {
        var fit = Compression.Value;
        var e = fit.FixedEffects.Single(f => f.Level == "maxPool");
        var r = Equivalence.Tost(fit, "Compression_method", "maxPool", "mean", margin);
        double expected = Math.Max(1 - Normal.CDF(0, 1, (e.Estimate + margin) / e.StdError), Normal.CDF(0, 1, (e.Estimate - margin) / e.StdError));
        Assert.Equal(expected, r.PValue, 1e-12);
        Assert.Equal(e.Estimate, r.Estimate, 1e-12);
        Assert.Equal(r.PValue < 0.05, r.Equivalent);
        // TOST at α rejects exactly when the (1 − 2α) interval lies inside the margin.
        Assert.Equal(r.ConfLow > -margin && r.ConfHigh < margin, r.Equivalent);
        Assert.Equal(e.Estimate - Normal.InvCDF(0, 1, 0.95) * e.StdError, r.ConfLow, 1e-9);
    }

    [Fact]
    public void SmallestWithinMarginIsTheFirstEquivalentModelBySize()
    {
        var (fit, table) = Models.Value;
        var sizes = table.Numbers("parameters");
        var model = table.Strings("Model");
        var size = table.Strings("ModelSize");
        var order = Enumerable.Range(0, table.RowCount).Select(i => (Level: $"{model[i]}:{size[i]}", Size: sizes[i]))
            .Distinct().OrderBy(p => p.Size).ThenBy(p => p.Level, StringComparer.Ordinal).Select(p => p.Level).ToList();
        Assert.Equal(12, order.Count);

        var best = fit.Factor("Model:ModelSize").Levels.MaxBy(l => l == "esm2:15B" ? 0 : fit.FixedEffects.Single(f => f.Level == l).Estimate)!;
        foreach (double margin in new[] { 0.02, 0.05, 0.2 })
        {
            var result = Equivalence.SmallestWithinMargin(fit, "Model:ModelSize", order, margin);
            Assert.Equal(best, result.Best);
            int at = order.IndexOf(result.Smallest);
            Assert.All(result.Tests.Take(at), t => Assert.False(t.Equivalent));
            Assert.True(result.Tests[at].Equivalent);
            Assert.True(at <= order.IndexOf(best));
        }
        // A margin wider than every gap makes the smallest model the answer.
        Assert.Equal(order[0], Equivalence.SmallestWithinMargin(fit, "Model:ModelSize", order, 1.0).Smallest);
    }

    [Fact]
    public void BadMarginOrLevelIsRejected()
    {
        var fit = Compression.Value;
        Assert.Throws<ArgumentOutOfRangeException>(() => Equivalence.Tost(fit, "Compression_method", "bos", "mean", 0));
        Assert.Throws<ArgumentException>(() => Equivalence.Tost(fit, "Compression_method", "nope", "mean", 0.1));
        Assert.Throws<ArgumentException>(() => Equivalence.Tost(fit, "Model", "bos", "mean", 0.1));
    }

    [Fact]
    public void ScoreVersusLogSizeMatchesRsLm()
    {
        var t = TidyTable.Read(ReferenceFiles.Result("DMS_all_multi_model_metadata.csv")).WhereEquals("Model", "esm2").WhereEquals("ModelSize", "650M");
        var (fit, points) = SimpleLinearRegression.ScoreVersusLogSize(t, "R2_score_test", "Dataset", "dataset_size");
        var r = TidyTable.Read(Path.Combine(ReferenceFiles.Folder, "size_regression.csv"));
        Assert.Equal((int)r.Numbers("n")[0], points.Count);
        Assert.Equal(r.Numbers("intercept")[0], fit.Intercept, 1e-10);
        Assert.Equal(r.Numbers("slope")[0], fit.Slope, 1e-10);
        Assert.Equal(r.Numbers("intercept_se")[0], fit.InterceptStdError, 1e-10);
        Assert.Equal(r.Numbers("slope_se")[0], fit.SlopeStdError, 1e-10);
        Assert.Equal(r.Numbers("r_squared")[0], fit.RSquared, 1e-10);
        Assert.Equal(r.Numbers("slope_p")[0], fit.SlopePValue, 1e-8);
    }

    [Fact]
    public void ExactLineHasUnitRSquared()
    {
        var fit = SimpleLinearRegression.Fit([1, 2, 3, 4], [5, 8, 11, 14]);
        Assert.Equal(2, fit.Intercept, 1e-12);
        Assert.Equal(3, fit.Slope, 1e-12);
        Assert.Equal(1, fit.RSquared, 1e-12);
        Assert.Throws<ArgumentException>(() => SimpleLinearRegression.Fit([1, 1, 1], [1, 2, 3]));
    }

    [Fact]
    public void SizeThatVariesWithinAGroupIsAnInputError()
    {
        var t = TidyTable.Parse(new StringReader("d,s,y\na,10,1\na,20,2\nb,30,1\nc,40,2\n"), "sizes.csv");
        var e = Assert.Throws<InputException>(() => SimpleLinearRegression.ScoreVersusLogSize(t, "y", "d", "s"));
        Assert.Equal(3, e.Line);
        Assert.Contains("line 2", e.Message);
    }
}
