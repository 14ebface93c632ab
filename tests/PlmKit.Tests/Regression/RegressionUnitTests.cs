using MathNet.Numerics.LinearAlgebra;
using PlmKit.Regression;
using PlmKit.Tests.Data;

namespace PlmKit.Tests.Regression;

/// <summary>
/// Pieces of the evaluation checked against numbers printed by numpy 1.24.2 / scikit-learn 1.2.1 /
/// scipy 1.10.1 (Debian /usr/bin/python3), and edge cases.
/// </summary>
public class RegressionUnitTests
{
    [Fact]
    public void ShuffleMatchesNumpyLegacyRandomState()
    {
        // numpy: r = RandomState(42); a = arange(10); r.shuffle(a)
        var a = Enumerable.Range(0, 10).ToArray();
        new NumpyRandomState(42).Shuffle(a);
        Assert.Equal([8, 1, 5, 0, 7, 2, 9, 4, 3, 6], a);
        // RandomState(7).shuffle(arange(1000))[:8]: bounds up to 999 exercise the rejection loop.
        var b = Enumerable.Range(0, 1000).ToArray();
        new NumpyRandomState(7).Shuffle(b);
        Assert.Equal([778, 334, 271, 802, 216, 408, 812, 94], b.Take(8));
    }

    [Fact]
    public void ShuffledKFoldCutsBlocksLikeScikitLearn()
    {
        var f = OuterFolds.ShuffledKFold(10, 3, 42);
        // perm [8,1,5,0,7,2,9,4,3,6], sizes 4,3,3.
        Assert.Equal([0, 1, 5, 8], f.TestRows(0));
        Assert.Equal([2, 7, 9], f.TestRows(1));
        Assert.Equal([3, 4, 6], f.TestRows(2));
        Assert.Equal([2, 3, 4, 6, 7, 9], f.TrainRows(0));
        Assert.Throws<ConfigurationException>(() => OuterFolds.ShuffledKFold(3, 5, 42));
    }

    [Fact]
    public void GroupKFoldMatchesScikitLearn()
    {
        // GroupKFold(3).split(groups=[3,3,1,2,2,2,5,5,4,1,1,7]) test sets.
        int[] groups = [3, 3, 1, 2, 2, 2, 5, 5, 4, 1, 1, 7];
        var f = OuterFolds.GroupKFold(groups, 3);
        Assert.Equal([3, 4, 5, 11], f.TestRows(0));
        Assert.Equal([2, 8, 9, 10], f.TestRows(1));
        Assert.Equal([0, 1, 6, 7], f.TestRows(2));
        Assert.Throws<ConfigurationException>(() => OuterFolds.GroupKFold([1, 1, 2, 2], 3));
    }

    [Fact]
    public void ExplicitLabelsAreNumberedInNumericOrder()
    {
        var f = OuterFolds.FromLabels(["10", "2", "2", "10", "1"], "test");
        Assert.Equal(3, f.FoldCount);
        Assert.Equal([4], f.TestRows(0));
        Assert.Equal([1, 2], f.TestRows(1));
        Assert.Throws<ConfigurationException>(() => OuterFolds.FromLabels(["a", "a"], "test"));
    }

    [Fact]
    public void LearningCurveDrawsThePandasSubsampleAndCutsItsFolds()
    {
        // pandas sample(n=15, random_state=42) of 30 rows = RandomState(42).permutation(30)[:15]
        // = [27,15,23,17,8,9,28,24,12,0,4,16,5,13,11]; KFold(3, shuffle=True, random_state=42) over
        // those 15 tests positions [0,5,9,11,13] first, i.e. rows [27,9,0,16,13].
        var x = Matrix<double>.Build.Dense(30, 2, (i, j) => Math.Sin(i * 1.3 + j));
        var y = Enumerable.Range(0, 30).Select(i => Math.Cos(i * 0.7)).ToArray();
        var labels = new ResultLabels("d", "m", "", null);
        var curve = CrossValidation.LearningCurve(x, y, [15, 30], 1, 3, 42, ScalingProtocol.Paper, new RidgeCV(), labels);
        Assert.Equal(6, curve.Count);
        Assert.Equal([27, 9, 0, 16, 13], curve[0].TestRows.ToArray());
        Assert.All(curve.Take(3), e => Assert.Equal(15, e.Result.Sample_size));
        Assert.Equal(10, curve[0].Result.n_train);
        Assert.Throws<ConfigurationException>(() => CrossValidation.LearningCurve(x, y, [14], 1, 3, 42, ScalingProtocol.Paper, new RidgeCV(), labels));
    }

    [Fact]
    public void SpearmanUsesAverageRanksAndIsNaNForConstants()
    {
        // scipy.stats.spearmanr([1,2,2,3,5],[2,1,4,4,9]).correlation, and by hand: average ranks
        // [1, 2.5, 2.5, 4, 5] and [2, 1, 3.5, 3.5, 5] (a tie on each side), both of mean 3;
        // deviations [-2, -.5, -.5, 1, 2] and [-1, -2, .5, .5, 2]; Σab = 2 + 1 − .25 + .5 + 4 = 7.25,
        // Σa² = Σb² = 9.5; ρ = 7.25 / 9.5 = 29/38.
        Assert.Equal(29.0 / 38.0, Metrics.Spearman([1, 2, 2, 3, 5], [2, 1, 4, 4, 9]), 1e-15);
        Assert.Equal(0.7631578947368421, Metrics.Spearman([1, 2, 2, 3, 5], [2, 1, 4, 4, 9]), 1e-15);
        // A three-way tie against a strictly increasing side: ranks [2, 2, 2, 4] and [1, 2, 3, 4];
        // deviations [-.5, -.5, -.5, 1.5] and [-1.5, -.5, .5, 1.5]; Σab = .75 + .25 − .25 + 2.25 = 3,
        // Σa² = 3, Σb² = 5; ρ = 3 / √15.
        Assert.Equal(3 / Math.Sqrt(15), Metrics.Spearman([7, 7, 7, 9], [1, 2, 3, 4]), 1e-15);
        Assert.True(double.IsNaN(Metrics.Spearman([1, 2, 3], [4, 4, 4])));
        Assert.Equal([1.5, 1.5, 3.0], Metrics.AverageRanks([7, 7, 9]));
    }

    [Fact]
    public void R2FollowsScikitLearnForConstantTargets()
    {
        Assert.Equal(1.0, Metrics.R2([2, 2], [2, 2]));
        Assert.Equal(0.0, Metrics.R2([2, 2], [1, 2]));
        Assert.Equal(0.0, Metrics.R2([1, 2, 3], [2, 2, 2]), 1e-15);
        Assert.Equal(Math.Sqrt(2.0 / 3), Metrics.Rmse([0, 0, 0], [1, 1, 0]), 1e-15);
        Assert.Equal(2.0 / 3, Metrics.Mse([0, 0, 0], [1, 1, 0]), 1e-15);
    }

    [Fact]
    public void MinMaxScalerZeroesConstantColumnsAndLetsTestRowsLeaveTheRange()
    {
        var x = Matrix<double>.Build.DenseOfArray(new double[,] { { 1, 5 }, { 3, 5 }, { 2, 5 }, { 9, 7 } });
        var s = MinMaxScaler.Fit(x, [0, 1, 2]);
        var t = s.Transform(x, [0, 1, 2, 3]);
        Assert.Equal([0, 1, 0.5, 4], t.Column(0).ToArray());
        Assert.Equal([0, 0, 0, 2], t.Column(1).ToArray());
    }

    [Fact]
    public void RidgeCVMatchesScikitLearnWhenRowsOutnumberFeatures()
    {
        // rs = RandomState(1); X = rs.rand(40, 6); y = X @ arange(6) + rs.rand(40)
        // RidgeCV(alphas=logspace(-3, 5, 17)) -> alpha_ 0.01, coef_[:3], intercept_.
        var (x, y) = RandomProblem(40, 6, rs => (xx => xx * Vector<double>.Build.Dense(6, i => i)));
        var fit = new RidgeCV().Fit(x, y);
        Assert.Equal(0.01, fit.Alpha, 1e-12);
        Assert.Equal(0.16503371, fit.Coef[0], 1e-7);
        Assert.Equal(0.72918932, fit.Coef[1], 1e-7);
        Assert.Equal(1.99524472, fit.Coef[2], 1e-7);
        Assert.Equal(0.6479166774453535, fit.Intercept, 1e-9);
    }

    [Fact]
    public void RidgeCVMatchesScikitLearnWhenFeaturesOutnumberRows()
    {
        // Continuing the same RandomState(1): X = rs.rand(12, 30); y = X[:, 0] * 3 + rs.rand(12)
        var rs = new MtDoubles(1);
        rs.Skip(40 * 6 + 40);
        var x = Matrix<double>.Build.Dense(12, 30, (i, j) => 0);
        for (var i = 0; i < 12; i++) for (var j = 0; j < 30; j++) x[i, j] = rs.Next();
        var y = Enumerable.Range(0, 12).Select(i => x[i, 0] * 3 + rs.Next()).ToArray();
        var fit = new RidgeCV().Fit(x, y);
        Assert.Equal(0.001, fit.Alpha, 1e-12);
        Assert.Equal(1.32503535, fit.Coef[0], 1e-7);
        Assert.Equal(0.11934677, fit.Coef[1], 1e-7);
        Assert.Equal(1.3903379390658412, fit.Intercept, 1e-8);
    }

    [Fact]
    public void LassoCVRejectsBadInputWithClearMessages()
    {
        var x = Matrix<double>.Build.Dense(10, 2, (i, j) => i + j);
        var y = Enumerable.Range(0, 10).Select(i => (double)i).ToArray();
        Assert.Throws<ArgumentException>(() => new LassoCV().Fit(x, y.Take(9).ToArray()));
        Assert.Throws<ArgumentException>(() => new LassoCV().Fit(x.SubMatrix(0, 4, 0, 2), y.Take(4).ToArray()));
        y[3] = double.NaN;
        var e = Assert.Throws<InputException>(() => new LassoCV().Fit(x, y));
        Assert.Contains("target value 4", e.Message);
    }

    [Fact]
    public void LassoCVGramAndPlainPathsAgree()
    {
        // Same data through precompute=True and False: the Gram form is the same algorithm.
        var (x, y) = RandomProblem(200, 15, rs => (xx => xx * Vector<double>.Build.Dense(15, i => i % 3 == 0 ? 1.0 : 0.0)));
        var gram = new LassoCV(new LassoCVOptions { Precompute = GramMode.Always }).Fit(x, y);
        var plain = new LassoCV(new LassoCVOptions { Precompute = GramMode.Never }).Fit(x, y);
        Assert.Equal(plain.Alpha, gram.Alpha);
        for (var a = 0; a < plain.MseMean.Length; a++) Assert.Equal(plain.MseMean[a], gram.MseMean[a], 1e-9 * plain.MseMean[a]);
        Assert.Equal(plain.NonZeroCount, gram.NonZeroCount);
        for (var j = 0; j < 15; j++) Assert.Equal(plain.Coef[j], gram.Coef[j], 1e-9);
        Assert.All(new[] { 0, 3, 6, 9, 12 }, j => Assert.True(gram.Coef[j] > 0.5));
    }

    [Theory]
    [InlineData(40, 7, false)]
    [InlineData(30, 601, false)]
    [InlineData(40, 7, true)]
    [InlineData(30, 601, true)]
    public void BlockGramsEqualTheirDefinition(int n, int p, bool libtorch)
    {
        // Managed kernel, or libtorch (601 features take its panel path: upper-triangle panel
        // pairs, mirrored).
        var x = new double[n * p];
        for (var k = 0; k < x.Length; k++) x[k] = Math.Sin(k * 0.37) + 0.1 * (k % 7);
        var blocks = LassoCV.KFoldBlocks(n, 3);
        var grams = GramMatrix.OfRowBlocks(x, n, p, blocks, libtorch ? 0 : int.MaxValue);
        for (var b = 0; b < blocks.Length; b++)
            for (var i = 0; i < p; i += 13)
                for (var j = 0; j < p; j += 11)
                {
                    var expected = 0.0;
                    for (var r = blocks[b].Start; r < blocks[b].Start + blocks[b].Count; r++) expected += x[i * n + r] * x[j * n + r];
                    Assert.Equal(expected, grams[b][i * p + j], 1e-12);
                }
    }

    [Fact]
    public void AlphaGridOfAConstantTargetIsNumpysResolution()
    {
        var grid = LassoCV.AlphaGrid([0.0, 0.0], 10, 4, 1e-3);
        Assert.All(grid, a => Assert.Equal(1e-15, a));
    }

    [Fact]
    public void ResultRowsAreWrittenAtomicallyWithRfc4180QuotingNaNAndNoLayerAsEmpty()
    {
        using var tmp = new TempDir();
        var path = tmp.Sub("r.csv");
        var row = new ResultRow("D,1", "m \"x\"", "mean", 1, 0.5, 1, 2, 0.25, 1, 2, double.NaN, 0.1, 3, 6, 0.01, 8, 2, 0.5, 10, "lasso", "paper", 4, 0.0625, "plain");
        ResultRow.Write(path, [row, row with { Layer = null, Model = "onehot", Compression_method = "" }]);
        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.Equal("Dataset,Model,Compression_method,Fold,R2_score_train,MAE_score_train,RMSE_score_train,R2_score_test,MAE_score_test,RMSE_score_test,"
            + "rho_score_train,rho_score_test,nun_zero_coefs,Layer,alpha,n_train,n_test,fit_seconds,Sample_size,Regressor,Protocol,"
            + "MSE_score_train,MSE_score_test,Feature_set", lines[0]);
        Assert.Equal("\"D,1\",\"m \"\"x\"\"\",mean,1,0.5,1,2,0.25,1,2,,0.1,3,6,0.01,8,2,0.5,10,lasso,paper,4,0.0625,plain", lines[1]);
        Assert.Equal("\"D,1\",onehot,,1,0.5,1,2,0.25,1,2,,0.1,3,,0.01,8,2,0.5,10,lasso,paper,4,0.0625,plain", lines[2]);
        Assert.Single(Directory.GetFiles(tmp.Path));
    }

    // X uniform from numpy RandomState(seed).rand, then y = f(X) + rand(n).
    private static (Matrix<double> X, double[] Y) RandomProblem(int n, int p, Func<MtDoubles, Func<Matrix<double>, Vector<double>>> f)
    {
        var rs = new MtDoubles(1);
        var x = Matrix<double>.Build.Dense(n, p);
        for (var i = 0; i < n; i++) for (var j = 0; j < p; j++) x[i, j] = rs.Next();
        var signal = f(rs)(x);
        var y = Enumerable.Range(0, n).Select(i => signal[i] + rs.Next()).ToArray();
        return (x, y);
    }

    // numpy's random_sample: 53-bit double from two MT19937 outputs.
    private sealed class MtDoubles(uint seed)
    {
        private readonly NumpyRandomState _rs = new(seed);

        public double Next()
        {
            var a = _rs.NextUInt32() >> 5;
            var b = _rs.NextUInt32() >> 6;
            return (a * 67108864.0 + b) / 9007199254740992.0;
        }

        public void Skip(int count)
        {
            for (var i = 0; i < count; i++) Next();
        }
    }
}
