using PlmKit.Data;
using PlmKit.Regression;

namespace PlmKit.Tests.Regression;

/// <summary>Each evaluation setting has one parser, one message and one canonical key.</summary>
public class EvaluationSettingsTests
{
    [Theory]
    [InlineData("auto", AssayFormat.Auto)]
    [InlineData("swat", AssayFormat.Swat)]
    [InlineData("proteingym", AssayFormat.ProteinGym)]
    [InlineData("fasta-csv", AssayFormat.FastaCsv)]
    [InlineData("csv", AssayFormat.Csv)]
    public void Assay_formats_parse_and_their_key_reads_back(string text, AssayFormat format)
    {
        Assert.Equal(format, AssayFormats.Parse(text));
        Assert.Equal(text, format.Key());
    }

    [Theory]
    [InlineData("xlsx")]
    [InlineData("SWAT")]
    [InlineData("")]
    public void Unknown_formats_are_refused_with_the_choices(string text) =>
        Assert.Equal($"unknown format '{text}' (auto, swat, proteingym, fasta-csv, csv)", Assert.Throws<ConfigurationException>(() => AssayFormats.Parse(text)).Message);

    [Fact]
    public void Protocols_parse_and_their_key_reads_back()
    {
        Assert.Equal(ScalingProtocol.Paper, ScalingProtocols.Parse("paper"));
        Assert.Equal(ScalingProtocol.Default, ScalingProtocols.Parse("default"));
        Assert.Equal("paper", ScalingProtocol.Paper.Key());
        Assert.Equal("default", ScalingProtocol.Default.Key());
        Assert.Equal("unknown protocol 'study' (paper, default)", Assert.Throws<ConfigurationException>(() => ScalingProtocols.Parse("study")).Message);
    }

    [Fact]
    public void The_default_regressor_is_the_studys_lasso_and_its_key_is_plain_lasso()
    {
        var lasso = RegressorSpec.Parse("lasso");
        Assert.Equal(RegressorSpec.Default, lasso);
        Assert.Equal("lasso", lasso.Key);
        Assert.Equal(LassoCVOptions.Study, ((LassoCV)lasso.Create()).Options);
        Assert.Equal("lasso", lasso.Create().Name);
        Assert.Equal("ridge", RegressorSpec.Parse("ridge").Key);
        Assert.IsType<RidgeCV>(RegressorSpec.Parse("ridge").Create());
        // Settings equal to the study's are the study's: same key, so cached cells stay valid.
        Assert.Equal("lasso", RegressorSpec.Parse("lasso", LassoSettings.Study with { Tol = 1e-2 }).Key);
    }

    [Fact]
    public void Lasso_settings_reach_LassoCV_and_only_changed_ones_enter_the_key()
    {
        var spec = RegressorSpec.Parse("lasso", new LassoSettings { Tol = 1e-3, MaxIter = 5000, Cv = 3, NAlphas = 50, Eps = 1e-2 });
        Assert.Equal("lasso(n_alphas=50,eps=0.01,cv=3,max_iter=5000,tol=0.001)", spec.Key);
        var options = ((LassoCV)spec.Create()).Options;
        Assert.Equal((50, 1e-2, 3, 5000, 1e-3), (options.NAlphas, options.Eps, options.Cv, options.MaxIter, options.Tol));
        Assert.Equal(spec.Key, spec.Create().Name);
        Assert.Equal("lasso(tol=0.001)", RegressorSpec.Parse("lasso", LassoSettings.Study with { Tol = 1e-3 }).Key);
        // LassoCV with scikit-learn's own defaults differs from the study in tol only.
        Assert.Equal("lasso(tol=0.0001)", new LassoCV().Name);
    }

    [Theory]
    [InlineData("svm", null, "unknown regressor 'svm' (lasso, ridge)")]
    [InlineData("Lasso", null, "unknown regressor 'Lasso' (lasso, ridge)")]
    [InlineData("ridge", 1e-3, "lasso settings apply to --regressor lasso only, not to ridge")]
    [InlineData("lasso", 0.0, "lasso tol must be a positive number, got 0")]
    [InlineData("lasso", -1.0, "lasso tol must be a positive number, got -1")]
    public void Bad_regressors_are_refused(string name, double? tol, string message)
    {
        var settings = tol is { } t ? LassoSettings.Study with { Tol = t } : null;
        Assert.Equal(message, Assert.Throws<ConfigurationException>(() => RegressorSpec.Parse(name, settings)).Message);
    }

    [Fact]
    public void Lasso_settings_out_of_range_name_the_setting()
    {
        Assert.Contains("n_alphas", Assert.Throws<ConfigurationException>(() => (LassoSettings.Study with { NAlphas = 0 }).Validated()).Message);
        Assert.Contains("eps", Assert.Throws<ConfigurationException>(() => (LassoSettings.Study with { Eps = 1 }).Validated()).Message);
        Assert.Contains("cv", Assert.Throws<ConfigurationException>(() => (LassoSettings.Study with { Cv = 1 }).Validated()).Message);
        Assert.Contains("max_iter", Assert.Throws<ConfigurationException>(() => (LassoSettings.Study with { MaxIter = 0 }).Validated()).Message);
        Assert.Contains("tol", Assert.Throws<ConfigurationException>(() => (LassoSettings.Study with { Tol = double.NaN }).Validated()).Message);
    }

    [Fact]
    public void Fold_schemes_parse_with_the_studys_defaults()
    {
        using var tmp = new TempDir();
        var file = tmp.Write("folds.csv", "id,fold\n");
        Assert.Equal(new FoldScheme.Shuffled(5, 42), FoldScheme.Parse(null));
        Assert.Equal(new FoldScheme.Shuffled(10, 7), FoldScheme.Parse("10", seed: 7));
        Assert.Equal(new FoldScheme.SiteGrouped(4), FoldScheme.Parse("4", groupBySite: true));
        Assert.Equal(new FoldScheme.FoldFile(file), FoldScheme.Parse(file));
        Assert.Equal(new FoldScheme.FoldColumn("fold_random_5"), FoldScheme.Parse("fold_random_5"));
        var curve = Assert.IsType<FoldScheme.LearningCurve>(FoldScheme.Parse("5", trainSizes: "40, 80", repeats: 3));
        Assert.Equal([40, 80], curve.Sizes.ToArray());
        Assert.Equal((3, 5, 42u), (curve.Repeats, curve.K, curve.Seed));
        Assert.Equal(1, Assert.IsType<FoldScheme.LearningCurve>(FoldScheme.Parse(null, trainSizes: "40")).Repeats);
        Assert.Equal("KFold(5, shuffle=True, random_state=42)", FoldScheme.Parse(null).Key);
    }

    [Theory]
    [InlineData("1", null, false, null, null, "--folds 1: at least 2 folds are needed")]
    [InlineData("-3", null, false, null, null, "--folds -3: at least 2 folds are needed")]
    [InlineData("5", -1L, false, null, null, "--seed -1 is outside 0..4294967295 (numpy's RandomState range)")]
    [InlineData("5", 5000000000L, false, null, null, "--seed 5000000000 is outside 0..4294967295 (numpy's RandomState range)")]
    [InlineData("5", null, false, null, 2, "--repeats applies to a learning curve only: give --train-sizes too")]
    [InlineData("5", null, false, "40", 0, "--repeats must be at least 1, got 0")]
    [InlineData("5", null, false, "10,abc", null, "--train-sizes: 'abc' is not a positive whole number (expected e.g. 100,320,1000)")]
    [InlineData("5", null, false, "0", null, "--train-sizes: '0' is not a positive whole number (expected e.g. 100,320,1000)")]
    [InlineData("fold_x", 7L, false, null, null, "--seed has no effect with folds from a fold column")]
    [InlineData("fold_x", null, true, null, null, "--group-by-site needs --folds K, not a fold column")]
    [InlineData("fold_x", null, false, "40", null, "--train-sizes needs --folds K (the folds are cut anew in every subsample)")]
    [InlineData("5", 7L, true, null, null, "--seed has no effect with --group-by-site (grouped folds are not shuffled)")]
    [InlineData("5", null, true, "40", null, "--group-by-site cannot be combined with --train-sizes")]
    public void Bad_or_inert_fold_settings_are_refused(string folds, long? seed, bool bySite, string? sizes, int? repeats, string message) =>
        Assert.Equal(message, Assert.Throws<ConfigurationException>(() => FoldScheme.Parse(folds, seed, bySite, sizes, repeats)).Message);

    [Fact]
    public void A_seed_with_a_fold_file_is_refused()
    {
        using var tmp = new TempDir();
        var file = tmp.Write("folds.csv", "id,fold\n");
        Assert.Equal("--seed has no effect with folds from a fold file", Assert.Throws<ConfigurationException>(() => FoldScheme.Parse(file, seed: 42)).Message);
    }
}
