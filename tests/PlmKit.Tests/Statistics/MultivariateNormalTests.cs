using MathNet.Numerics;
using MathNet.Numerics.Distributions;
using PlmKit.Statistics;

namespace PlmKit.Tests.Statistics;

public class MultivariateNormalTests
{
    private static readonly MvnOptions Precise = new(MaxPoints: 100_000, AbsoluteError: 1e-5, ExactWhenPossible: false);
    private static readonly MvnOptions GenzBretz = new(ExactWhenPossible: false);

    private static double[,] Equicorrelated(int m, double rho)
    {
        var r = new double[m, m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
                r[i, j] = i == j ? 1 : rho;
        return r;
    }

    /// <summary>P(|X_i| ≤ c ∀i) for equicorrelated X (ρ ≥ 0) as a one-dimensional integral.</summary>
    private static double EquicorrelatedBox(int m, double rho, double c) =>
        Integrate.OnClosedInterval(u => Normal.PDF(0, 1, u) * Math.Pow(
            Normal.CDF(0, 1, (c + Math.Sqrt(rho) * u) / Math.Sqrt(1 - rho)) - Normal.CDF(0, 1, (-c + Math.Sqrt(rho) * u) / Math.Sqrt(1 - rho)), m),
            -12, 12, 1e-12);

    [Fact]
    public void BivariateOrthantMatchesClosedForm()
    {
        double rho = 0.5;
        var p = MultivariateNormal.Probability(new[,] { { 1, rho }, { rho, 1 } },
            [double.NegativeInfinity, double.NegativeInfinity], [0, 0], Precise);
        Assert.Equal(0.25 + Math.Asin(rho) / (2 * Math.PI), p.Value, 1e-5);
    }

    [Fact]
    public void IndependentVariablesGiveTheProductExactly()
    {
        var identity = Equicorrelated(4, 0);
        double[] a = [-1, -2, double.NegativeInfinity, 0.5], b = [1, 0.5, 0.3, 2];
        double expected = Enumerable.Range(0, 4).Aggregate(1.0, (acc, i) => acc * (Normal.CDF(0, 1, b[i]) - Normal.CDF(0, 1, a[i])));
        Assert.Equal(expected, MultivariateNormal.Probability(identity, a, b, GenzBretz).Value, 1e-12);
    }

    [Theory]
    [InlineData(13, 2.0)]
    [InlineData(13, 2.79)]
    [InlineData(5, 1.0)]
    public void DunnettBoxMatchesOneDimensionalIntegral(int m, double c)
    {
        var upper = Enumerable.Repeat(c, m).ToArray();
        var p = MultivariateNormal.Probability(Equicorrelated(m, 0.5), [.. upper.Select(v => -v)], upper, Precise);
        double exact = EquicorrelatedBox(m, 0.5, c);
        // Within its own error estimate (3.5 standard errors over the random shifts).
        Assert.True(Math.Abs(exact - p.Value) <= Math.Max(1e-4, p.Error), $"{p.Value} vs {exact}, error estimate {p.Error}, {p.Evaluations} points");
        Assert.True(p.Error < 1e-3);
    }

    [Fact]
    public void SingularPairwiseDifferencesMatchTheNormalRange()
    {
        // All 6 standardised differences of 4 iid normals: a rank-3, 6 × 6 correlation.
        int k = 4;
        var pairs = new List<(int, int)>();
        for (int i = 0; i < k; i++) for (int j = i + 1; j < k; j++) pairs.Add((i, j));
        var r = new double[pairs.Count, pairs.Count];
        for (int s = 0; s < pairs.Count; s++)
            for (int t = 0; t < pairs.Count; t++)
            {
                var (a, b) = pairs[s]; var (c, d) = pairs[t];
                double cov = (a == c ? 1 : 0) - (a == d ? 1 : 0) - (b == c ? 1 : 0) + (b == d ? 1 : 0);
                r[s, t] = cov / 2;
            }
        double q = 2.3, w = q * Math.Sqrt(2);
        // P(range of k iid N(0,1) ≤ w) = k ∫ φ(y) [Φ(y + w) − Φ(y)]^(k−1) dy.
        double expected = k * Integrate.OnClosedInterval(y => Normal.PDF(0, 1, y) * Math.Pow(Normal.CDF(0, 1, y + w) - Normal.CDF(0, 1, y), k - 1), -12, 12, 1e-12);
        var upper = Enumerable.Repeat(q, pairs.Count).ToArray();
        var p = MultivariateNormal.Probability(r, [.. upper.Select(v => -v)], upper, Precise);
        Assert.Equal(expected, p.Value, 1e-4);
    }

    [Fact]
    public void OneFactorCorrelationIsIntegratedExactlyAndAgreesWithGenzBretz()
    {
        // R_ij = λ_i λ_j with unequal and negative loadings (Dunnett contrasts in an unbalanced design).
        double[] lambda = [0.7, 0.5, -0.6, 0.3, 0.65];
        int m = lambda.Length;
        var r = new double[m, m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
                r[i, j] = i == j ? 1 : lambda[i] * lambda[j];
        double[] a = [-2, -1.5, double.NegativeInfinity, -2.5, -1], b = [2, 1, 1.2, 2.5, double.PositiveInfinity];
        double expected = Integrate.OnClosedInterval(u => Normal.PDF(0, 1, u) * Enumerable.Range(0, m).Aggregate(1.0, (f, i) =>
            f * (Normal.CDF(0, 1, (b[i] - lambda[i] * u) / Math.Sqrt(1 - lambda[i] * lambda[i]))
               - Normal.CDF(0, 1, (a[i] - lambda[i] * u) / Math.Sqrt(1 - lambda[i] * lambda[i])))), -12, 12, 1e-13);
        var exact = MultivariateNormal.Probability(r, a, b);
        Assert.Equal(0, exact.Evaluations);
        Assert.Equal(expected, exact.Value, 1e-10);
        var integrated = MultivariateNormal.Probability(r, a, b, Precise);
        Assert.True(integrated.Evaluations > 0);
        Assert.Equal(expected, integrated.Value, Math.Max(1e-4, integrated.Error));
        // The exact quantile and the integrated one agree.
        double c1 = MultivariateNormal.TwoSidedEquicoordinateQuantile(r, 0.95);
        double c2 = MultivariateNormal.TwoSidedEquicoordinateQuantile(r, 0.95, GenzBretz);
        Assert.Equal(c1, c2, 2e-3);
    }

    [Fact]
    public void QuantileOfIndependentBoxIsSidak()
    {
        double c = MultivariateNormal.TwoSidedEquicoordinateQuantile(Equicorrelated(3, 0), 0.95, GenzBretz);
        Assert.Equal(Normal.InvCDF(0, 1, (1 + Math.Pow(0.95, 1.0 / 3)) / 2), c, 1e-7);
    }

    [Fact]
    public void DunnettQuantileSolvesTheOneDimensionalIntegral()
    {
        double c = MultivariateNormal.TwoSidedEquicoordinateQuantile(Equicorrelated(13, 0.5), 0.95, GenzBretz);
        Assert.Equal(0.95, EquicorrelatedBox(13, 0.5, c), 2e-4);
    }

    [Fact]
    public void SameSeedSameValueAndAnotherSeedClose()
    {
        var r = Equicorrelated(6, 0.3);
        double[] a = [-1, -1, -1, -1, -1, -1], b = [2, 2, 2, 2, 2, 2];
        var p1 = MultivariateNormal.Probability(r, a, b, GenzBretz);
        var p2 = MultivariateNormal.Probability(r, a, b, GenzBretz);
        var p3 = MultivariateNormal.Probability(r, a, b, GenzBretz with { Seed = 99 });
        Assert.Equal(p1, p2);
        Assert.Equal(p1.Value, p3.Value, 2e-3);
    }

    [Theory]
    [InlineData(-40)]
    [InlineData(-8.5)]
    [InlineData(-3)]
    [InlineData(-0.2)]
    [InlineData(0)]
    [InlineData(1.7)]
    [InlineData(7.5)]
    public void NormalCdfHasDoublePrecision(double x)
    {
        double expected = Normal.CDF(0, 1, x);
        Assert.Equal(expected, MultivariateNormal.NormalCdf(x), Math.Max(1e-300, expected * 1e-13));
    }

    [Theory]
    [InlineData(1e-300)]
    [InlineData(1e-20)]
    [InlineData(0.001)]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(0.975)]
    [InlineData(1 - 1e-12)]
    public void NormalQuantileInvertsTheCdf(double p)
    {
        double x = MultivariateNormal.NormalQuantile(p);
        Assert.Equal(Normal.InvCDF(0, 1, p), x, Math.Max(1e-9, Math.Abs(x) * 1e-9));
    }
}
