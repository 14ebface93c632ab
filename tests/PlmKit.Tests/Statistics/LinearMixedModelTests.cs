using PlmKit.Data;
using PlmKit.Statistics;

namespace PlmKit.Tests.Statistics;

/// <summary>Closed-form cases, boundary fits and bad input of <see cref="LinearMixedModel"/>.</summary>
public class LinearMixedModelTests
{
    /// <summary>Balanced one-way layout: k groups × n rows, y = group shift + noise.</summary>
    private static TidyTable OneWay(int k, int n, double groupScale, int seed, bool centreGroups = false)
    {
        var rng = new Random(seed);
        var groups = new List<string>();
        var y = new List<double>();
        for (int g = 0; g < k; g++)
        {
            double shift = groupScale * (rng.NextDouble() - 0.5);
            var noise = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
            double mean = noise.Average();
            foreach (var e in noise)
            {
                groups.Add($"g{g}");
                // Centring each group's noise and using tiny shifts makes the between-group mean
                // square smaller than the within one: the REML optimum is on the boundary.
                y.Add(centreGroups ? e - mean + shift : e + shift);
            }
        }
        return TidyTable.FromColumns("oneway", ("g", groups), ("y", [.. y.Select(v => v.ToString("R"))]));
    }

    private static (double Msb, double Msw, double Sst) MeanSquares(TidyTable t, int k, int n)
    {
        var y = t.Numbers("y");
        double grand = y.Average(), ssb = 0, ssw = 0;
        for (int g = 0; g < k; g++)
        {
            var rows = y.Skip(g * n).Take(n).ToArray();
            double m = rows.Average();
            ssb += n * (m - grand) * (m - grand);
            ssw += rows.Sum(v => (v - m) * (v - m));
        }
        return (ssb / (k - 1), ssw / (k * (n - 1)), ssb + ssw);
    }

    private static MixedModelFormula InterceptOnly => new("y", [], [], [new RandomIntercept("g")]);

    [Fact]
    public void BalancedOneWayRemlEqualsAnovaEstimates()
    {
        int k = 8, n = 5;
        var t = OneWay(k, n, groupScale: 3, seed: 1);
        var (msb, msw, _) = MeanSquares(t, k, n);
        var fit = LinearMixedModel.Fit(t, InterceptOnly);
        Assert.Equal(msw, fit.VarianceComponents[1].Variance, 1e-7);
        Assert.Equal((msb - msw) / n, fit.VarianceComponents[0].Variance, 1e-6);
        Assert.Equal(t.Numbers("y").Average(), fit.FixedEffects[0].Estimate, 1e-10);
        // Balanced: Var(grand mean) = MSB / N.
        Assert.Equal(Math.Sqrt(msb / (k * n)), fit.FixedEffects[0].StdError, 1e-6);
        Assert.False(fit.IsSingular);
        Assert.Equal(k * n, fit.ObservationCount);
        Assert.Equal(k, fit.GroupCounts["g"]);
    }

    [Fact]
    public void BoundaryFitHasExactlyZeroVarianceAndIsSingular()
    {
        int k = 6, n = 4;
        var t = OneWay(k, n, groupScale: 0.01, seed: 3, centreGroups: true);
        var (msb, msw, sst) = MeanSquares(t, k, n);
        Assert.True(msb < msw);
        var fit = LinearMixedModel.Fit(t, InterceptOnly);
        Assert.Equal(0.0, fit.Theta[0]);
        Assert.Equal(0.0, fit.VarianceComponents[0].Variance);
        Assert.True(fit.IsSingular);
        Assert.True(fit.Converged);
        // With the group variance at zero the model is y = μ + ε: REML σ² = SST / (N − 1).
        Assert.Equal(sst / (k * n - 1), fit.VarianceComponents[1].Variance, 1e-10);
    }

    [Fact]
    public void MlShrinksTheResidualVarianceByTheLostDegreesOfFreedom()
    {
        int k = 6, n = 4;
        var t = OneWay(k, n, groupScale: 0.01, seed: 3, centreGroups: true);
        var (_, _, sst) = MeanSquares(t, k, n);
        var fit = LinearMixedModel.Fit(t, InterceptOnly, new MixedModelOptions(FitCriterion.MaximumLikelihood));
        Assert.Equal(sst / (k * n), fit.VarianceComponents[1].Variance, 1e-10);
        Assert.Null(fit.RemlCriterion);
    }

    [Fact]
    public void RowOrderDoesNotChangeTheFit()
    {
        var t = TidyTable.Read(Path.Combine(ReferenceFiles.Folder, "unbalanced_input.csv"));
        var order = Enumerable.Range(0, t.RowCount).OrderBy(i => (i * 7919) % t.RowCount).ToArray();
        var columns = t.ColumnNames.Select(c => (c, (IReadOnlyList<string>)[.. order.Select(i => t.Strings(c)[i])])).ToArray();
        var shuffled = TidyTable.FromColumns("shuffled", columns);
        var formula = MixedModelFormula.OneFactor("R2_score_test", "Compression_method", "mean", "Dataset", "Fold");
        var a = LinearMixedModel.Fit(t, formula);
        var b = LinearMixedModel.Fit(shuffled, formula);
        Assert.Equal(a.Objective, b.Objective, 1e-8);
        for (int i = 0; i < a.FixedEffects.Count; i++)
        {
            Assert.Equal(a.FixedEffects[i].Term, b.FixedEffects[i].Term);
            Assert.Equal(a.FixedEffects[i].Estimate, b.FixedEffects[i].Estimate, 1e-6);
            Assert.Equal(a.FixedEffects[i].StdError, b.FixedEffects[i].StdError, 1e-6);
        }
    }

    [Fact]
    public void NestedGroupingParsesAsLme4Does()
    {
        var terms = RandomIntercept.Parse("Dataset/Fold");
        Assert.Equal(["Dataset", "Dataset:Fold"], terms.Select(t => t.Name));
        Assert.Equal("y ~ method + (1|Dataset) + (1|Dataset:Fold)",
            new MixedModelFormula("y", [new FactorEffect("method")], [], terms).ToString());
    }

    private static TidyTable Small(string y2 = "0.3") => TidyTable.Parse(new StringReader(
        "Dataset,Fold,method,y,const\n" +
        "a,1,m1,0.1,1\na,2,m2,0.2,1\nb,1,m1,0.15,1\nb,2,m2," + y2 + ",1\nc,1,m1,0.12,1\nc,2,m2,0.25,1\n"), "small.csv");

    [Fact]
    public void SmallFitWorksAndCodesTheDefaultReferenceFirst()
    {
        var fit = LinearMixedModel.Fit(Small(), MixedModelFormula.OneFactor("y", "method", null, "Dataset"));
        Assert.Equal("m1", fit.Factor("method").Reference);
        Assert.Equal(["(Intercept)", "methodm2"], fit.FixedEffects.Select(e => e.Term));
        Assert.Equal("m2", fit.FixedEffects[1].Label);
    }

    [Theory]
    [InlineData("nan", 5, "NaN")]
    [InlineData("abc", 5, "'abc'")]
    [InlineData("", 5, "empty")]
    public void BadResponseNamesItsLine(string value, int line, string problem)
    {
        var e = Assert.Throws<InputException>(() =>
            LinearMixedModel.Fit(Small(value), MixedModelFormula.OneFactor("y", "method", "m1", "Dataset")));
        Assert.Equal("small.csv", e.File);
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message);
    }

    [Theory]
    [InlineData("nosuch", "method", "m1", "Dataset", "no column 'nosuch'")]
    [InlineData("y", "method", "m9", "Dataset", "reference level 'm9' does not occur")]
    [InlineData("y", "const", null, "Dataset", "only one level")]
    [InlineData("y", "method", "m1", "const", "grouping 'const' has only one level")]
    [InlineData("y", "method", "m1", "nosuch", "no column 'nosuch'")]
    public void BadModelInputIsAnInputException(string response, string effect, string? reference, string group, string problem)
    {
        var e = Assert.Throws<InputException>(() =>
            LinearMixedModel.Fit(Small(), MixedModelFormula.OneFactor(response, effect, reference, group)));
        Assert.Contains(problem, e.Message);
        Assert.StartsWith("small.csv", e.Message);
    }

    [Fact]
    public void CollinearCovariateIsRejected()
    {
        var formula = new MixedModelFormula("y", [new FactorEffect("method", "m1")], ["const"], [new RandomIntercept("Dataset")]);
        var e = Assert.Throws<InputException>(() => LinearMixedModel.Fit(Small(), formula));
        Assert.Contains("collinear", e.Message);
    }

    [Fact]
    public void GroupingWithALevelPerRowIsRejected()
    {
        var t = Small().WithColumn("row", [1.0, 2, 3, 4, 5, 6]);
        var e = Assert.Throws<InputException>(() => LinearMixedModel.Fit(t, MixedModelFormula.OneFactor("y", "method", "m1", "row")));
        Assert.Contains("a level for every row", e.Message);
    }

    [Fact]
    public void NoRandomInterceptIsAConfigurationError()
    {
        Assert.Throws<ConfigurationException>(() =>
            LinearMixedModel.Fit(Small(), new MixedModelFormula("y", [new FactorEffect("method")], [], [])));
    }
}
