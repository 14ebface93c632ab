using System.Globalization;
using System.Text.Json;
using PlmKit.Data;
using PlmKit.Regression;

namespace PlmKit.Tests.Regression;

/// <summary>
/// Zero-shot scores as features in <c>plmkit evaluate</c>: the one-column baseline
/// (<c>--features zero-shot</c>), the augmented set-up (features + the score as column D+1), and
/// scores that do not cover the assay.
/// </summary>
public sealed class ZeroShotFeaturesTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static double Num(string s) => s.Length == 0 ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>The first 300 rows of the study's IF1_ECOLI assay.</summary>
    private string SmallIf1() =>
        _tmp.Write("if1_small.csv", string.Join('\n', File.ReadAllLines(Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv")).Take(301)) + "\n");

    /// <summary>
    /// A <c>plmkit score</c> output folder for <paramref name="assay"/>: a score loosely tied to the
    /// target (so LassoCV keeps it), in reversed row order, optionally without some ids, with its manifest.
    /// </summary>
    private string Scores(Assay assay, Func<int, bool>? skip = null)
    {
        var dir = Directory.CreateDirectory(_tmp.Sub("scores")).FullName;
        var lines = new List<string> { "id,mutant,score" };
        for (int i = assay.Count - 1; i >= 0; i--)
            if (skip is null || !skip(i))
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{assay.Records[i].Id},{assay.Records[i].Mutant},{Score(assay, i):R}"));
        File.WriteAllText(Path.Combine(dir, "scores.csv"), string.Join('\n', lines) + "\n");
        File.WriteAllText(Path.Combine(dir, "score.manifest.json"),
            "{ \"schema\": \"plmkit.manifest/1\", \"command\": \"score\", \"config\": { \"model\": \"esm1v_t33_650M_UR90S_1\", \"strategy\": \"masked-marginals\" } }");
        return dir;
    }

    private static double Score(Assay assay, int i) => 2 * assay.Records[i].Target + Math.Sin(i * 0.7) - 1;

    private static List<string[]> Rows(string outDir) =>
        File.ReadAllLines(Path.Combine(outDir, "results.csv")).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();

    private static int Col(string name) => ResultRow.Columns.ToList().IndexOf(name);

    [Fact]
    public void TheOneColumnBaselineIsLassoCVOnTheScoreAlone()
    {
        var data = SmallIf1();
        var assay = AssayReader.Read(data);
        var scores = Scores(assay);
        var outDir = _tmp.Sub("zs");
        var (code, _, err) = CliRunner.Run("evaluate", "--input", data, "--features", "zero-shot", "--zero-shot", scores,
            "--protocol", "default", "--out", outDir);
        Assert.True(code == 0, err);
        var rows = Rows(outDir);
        Assert.Equal(6, rows.Count);

        // The same folds, scaler and LassoCV on the single column, computed here directly.
        var x = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(assay.Count, 1, (i, _) => Score(assay, i));
        var y = assay.Targets();
        var folds = OuterFolds.ShuffledKFold(assay.Count, 5, 42);
        for (int k = 0; k < 5; k++)
        {
            int[] train = folds.TrainRows(k), test = folds.TestRows(k);
            var scaler = MinMaxScaler.Fit(x, train);
            var fit = new LassoCV(LassoCVOptions.Study).Fit(scaler.Transform(x, train), train.Select(i => y[i]).ToArray());
            var pred = fit.Predict(scaler.Transform(x, test));
            var yTest = test.Select(i => y[i]).ToArray();
            var r = rows[k + 1];
            Assert.Equal(Metrics.R2(yTest, pred), Num(r[Col("R2_score_test")]), 1e-12);
            Assert.Equal(Metrics.Spearman(yTest, pred), Num(r[Col("rho_score_test")]), 1e-12);
            Assert.Equal(Metrics.Mse(yTest, pred), Num(r[Col("MSE_score_test")]), 1e-12);
            Assert.Equal(Metrics.Mae(yTest, pred), Num(r[Col("MAE_score_test")]), 1e-12);
            Assert.Equal(fit.Alpha, Num(r[Col("alpha")]), 1e-15);
            Assert.Equal(["esm1v_t33_650M_UR90S_1", "masked-marginals"], r[1..3]);
            Assert.Equal("zero-shot", r[Col("Feature_set")]);
        }
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "evaluate.manifest.json")));
        Assert.Equal(1, manifest.RootElement.GetProperty("features").GetProperty("columns").GetInt32());
        Assert.Equal("zero-shot", manifest.RootElement.GetProperty("config").GetProperty("feature_set").GetString());
    }

    [Fact]
    public void AugmentedFeaturesHaveTheScoreAsColumnDPlus1()
    {
        var data = SmallIf1();
        var assay = AssayReader.Read(data);
        var scores = Scores(assay);
        var outDir = _tmp.Sub("aug");
        var (code, _, err) = CliRunner.Run("evaluate", "--input", data, "--features", "composition", "--zero-shot", scores,
            "--protocol", "default", "--out", outDir);
        Assert.True(code == 0, err);
        var rows = Rows(outDir);
        Assert.All(rows.Skip(1), r => Assert.Equal(("composition", "augmented"), (r[1], r[Col("Feature_set")])));
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "evaluate.manifest.json")));
        Assert.Equal(21, manifest.RootElement.GetProperty("features").GetProperty("columns").GetInt32());

        var plain = FeatureMatrix.Load("composition", null, null, assay);
        var augmented = FeatureSettings.Parse("composition", scores).Load(assay, () => plain);
        Assert.Equal(FeatureSet.Augmented, augmented.Set);
        Assert.Equal(plain.X.ColumnCount + 1, augmented.X.ColumnCount);
        Assert.Equal(plain.X, augmented.X.SubMatrix(0, assay.Count, 0, plain.X.ColumnCount));
        Assert.Equal(Enumerable.Range(0, assay.Count).Select(i => Score(assay, i)), augmented.X.Column(plain.X.ColumnCount));
    }

    [Fact]
    public void ScoresMissingAnIdFailInOneLineAndWriteNothing()
    {
        var data = SmallIf1();
        var assay = AssayReader.Read(data);
        var scores = Scores(assay, skip: i => i is 7 or 11);
        var outDir = _tmp.Sub("missing");
        var (code, stdout, err) = CliRunner.Run("evaluate", "--input", data, "--features", "zero-shot", "--zero-shot", scores,
            "--protocol", "default", "--out", outDir);
        Assert.Equal(2, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains("scores.csv", err);
        Assert.Contains($"2 of {assay.Count} ids", err);
        Assert.Contains(assay.Records[7].Id, err);
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("zero-shot", null, null, "--features zero-shot needs --zero-shot FILE")]
    [InlineData("zero-shot", "s.csv", 3, "--layers and --pool apply to embedding folders")]
    public void MeaninglessCombinationsAreRefused(string features, string? zeroShot, int? layer, string message)
    {
        var e = Assert.Throws<ConfigurationException>(() => FeatureSettings.Parse(features, zeroShot, layer));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void FeatureSetNamesRoundTrip()
    {
        foreach (var set in Enum.GetValues<FeatureSet>()) Assert.Equal(set, FeatureSets.Parse(set.Key()));
        Assert.Throws<ConfigurationException>(() => FeatureSets.Parse("embedding+"));
    }
}
