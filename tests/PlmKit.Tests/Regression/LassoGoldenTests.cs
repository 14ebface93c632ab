using PlmKit.Regression;

namespace PlmKit.Tests.Regression;

/// <summary>
/// LassoCV + the study's protocol against scikit-learn 1.2.1's own outputs
/// (../shared/golden/expected/lasso): alpha_ exact, non-zero count exact, metrics to 1e-6.
/// </summary>
public class LassoGoldenTests
{
    // Metrics, intercept and predictions: the README's target for a faithful port is ~1e-8.
    private const double Tol = 1e-8;

    public static TheoryData<string, string, string, int[]> Cases()
    {
        var data = new TheoryData<string, string, string, int[]>();
        foreach (var ds in new[] { "IF1_ECOLI", "SUMO1_HUMAN_Roth2017", "YAP1_HUMAN_Fields2012_singles" })
            foreach (var fs in new[] { "esm8Mshape", "onehot" })
                foreach (var variant in new[] { "study", "leakage_free" })
                    data.Add(ds, fs, variant, FoldsToRun(ds, fs, variant));
        return data;
    }

    // All five outer folds of every set (IF1 one-hot folds 3 and 5 are the alpha_ == alphas_[0]
    // edge cases; fold 3's only "non-zero" coefficient is 5.5e-16, so the count compared is |c| > 1e-12).
    private static int[] FoldsToRun(string ds, string fs, string variant) => [0, 1, 2, 3, 4];

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesScikitLearn(string dataset, string featureSet, string variant, int[] folds) =>
        Check(dataset, featureSet, variant, folds, LassoCVOptions.Study);

    // scikit-learn's own refit (plain CD on X) instead of the default Gram refit, on the sets with n > p.
    [Theory]
    [InlineData("IF1_ECOLI", "study")]
    [InlineData("SUMO1_HUMAN_Roth2017", "leakage_free")]
    public void PlainRefitMatchesScikitLearn(string dataset, string variant) =>
        Check(dataset, "esm8Mshape", variant, [0, 1, 2, 3, 4], LassoCVOptions.Study with { RefitWithGram = false });

    private static void Check(string dataset, string featureSet, string variant, int[] folds, LassoCVOptions options)
    {
        var x = GoldenLasso.Features(dataset, featureSet);
        var y = GoldenLasso.Targets(dataset);
        using var json = GoldenLasso.Json(dataset, featureSet, variant);
        var expected = GoldenLasso.Csv(dataset, featureSet, variant);
        var outer = OuterFolds.ShuffledKFold(y.Length, 5, 42);
        var protocol = variant == "study" ? ScalingProtocol.Paper : ScalingProtocol.Default;
        var labels = new ResultLabels(dataset, featureSet, "", null);
        var results = CrossValidation.Run(x, y, outer, protocol, new LassoCV(options), labels, folds);

        foreach (var e in results)
        {
            var k = e.Result.Fold - 1;
            var jf = json.RootElement.GetProperty("folds")[k];
            var row = expected[k];
            Assert.Equal(jf.GetProperty("test_idx").EnumerateArray().Select(v => v.GetInt32()), e.TestRows);
            Assert.Equal(row["alpha_"], e.Result.alpha, 1e-9 * row["alpha_"]);
            Assert.Equal((int)row["n_nonzero_abs_gt_1e-12"], e.Model.Coefficients.Count(c => Math.Abs(c) > 1e-12));
            Assert.Equal(row["r2_test"], e.Result.R2_score_test, Tol);
            Assert.Equal(row["r2_train"], e.Result.R2_score_train, Tol);
            Assert.Equal(row["mae_test"], e.Result.MAE_score_test, Tol);
            Assert.Equal(row["rmse_test"], e.Result.RMSE_score_test, Tol);
            Assert.Equal(row["intercept_"], e.Model.Intercept, Tol);
            AssertNanOrClose(row["spearman_test"], e.Result.rho_score_test);
            AssertNanOrClose(row["spearman_train"], e.Result.rho_score_train);
            var yPred = jf.GetProperty("y_pred_test").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            for (var i = 0; i < yPred.Length; i++) Assert.Equal(yPred[i], e.TestPredictions[i], Tol);
            if (k == 0) CheckPath(json, (LassoCVFit)e.Model);
        }
    }

    private static void CheckPath(System.Text.Json.JsonDocument json, LassoCVFit fit)
    {
        var f1 = json.RootElement.GetProperty("fold1");
        var alphas = f1.GetProperty("alphas_").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var mse = f1.GetProperty("mse_path_mean").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (var a = 0; a < alphas.Length; a++)
        {
            Assert.Equal(alphas[a], fit.Alphas[a], 1e-10 * alphas[a]);
            Assert.Equal(mse[a], fit.MseMean[a], 1e-6 * mse[a]);
        }
    }

    private static void AssertNanOrClose(double expected, double actual)
    {
        if (double.IsNaN(expected)) Assert.True(double.IsNaN(actual), $"expected NaN, got {actual}");
        else Assert.Equal(expected, actual, Tol);
    }
}
