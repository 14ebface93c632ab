using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PlmKit.Data;
using PlmKit.Experiments;
using PlmKit.Regression;

namespace PlmKit.Tests.Experiments;

/// <summary>
/// <c>plmkit evaluate</c>, <c>plmkit run</c>'s cells and the library share one pipeline
/// (<see cref="Evaluation"/>) and one row type (<see cref="ResultRow"/>): same settings, same rows.
/// </summary>
public class OneResultRowTests
{
    private static string If1 => Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv");

    /// <summary>A 60-variant assay named with a comma, and random features in an embed folder named with a comma.</summary>
    private static (string Data, string EmbedDir, double[][] Features) Inputs(TempDir tmp, bool constant = false)
    {
        var data = tmp.Write("IF1,small.csv", string.Join('\n', File.ReadAllLines(If1).Take(61)) + "\n");
        var ids = AssayReader.Read(data).Ids();
        var rng = new Random(3);
        var features = ids.Select(_ => Enumerable.Range(0, 4).Select(j => constant ? j : Math.Round(rng.NextDouble(), 6)).ToArray()).ToArray();
        var dir = Directory.CreateDirectory(tmp.Sub("model,a")).FullName;
        File.WriteAllText(Path.Combine(dir, "layer2.mean.csv"), "id,0,1,2,3\n"
            + string.Join('\n', ids.Select((id, i) => id + "," + string.Join(',', features[i].Select(v => v.ToString("R", CultureInfo.InvariantCulture))))) + "\n");
        return (data, dir, features);
    }

    private static string[] WithoutFitSeconds(IEnumerable<string> lines) =>
        lines.Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"^((?:""[^""]*""|[^,]*)(?:,(?:""[^""]*""|[^,]*)){16}),[^,]*", "$1,T")).ToArray();

    [Theory]
    [InlineData("paper", "lasso")]
    [InlineData("default", "ridge")]
    public void Evaluate_and_a_run_cell_write_identical_rows(string protocol, string regressor)
    {
        using var tmp = new TempDir();
        var (data, dir, features) = Inputs(tmp);
        var (code, _, err) = CliRunner.Run("evaluate", "--input", data, "--features", dir, "--layers", "2", "--pool", "mean",
            "--protocol", protocol, "--regressor", regressor, "--out", tmp.Sub("out"));
        Assert.True(code == 0, err);
        var fromCli = File.ReadAllLines(tmp.Sub("out/results.csv"));

        var assay = AssayReader.Read(data);
        var cell = new ExperimentCell(assay.Name, "sha", "model,a", "model,a", "id", 2, "mean", RegressorSpec.Parse(regressor),
            ScalingProtocols.Parse(protocol), null, FoldScheme.DefaultK, (int)FoldScheme.DefaultSeed, 1, "truncate", "fp32");
        var rows = new CrossValidationEvaluator().Evaluate(cell, assay, features);
        ResultRow.Write(tmp.Sub("run.csv"), rows);
        var fromRun = File.ReadAllLines(tmp.Sub("run.csv"));

        Assert.Equal(WithoutFitSeconds(fromCli), WithoutFitSeconds(fromRun));
        // RFC 4180: the names holding a comma are quoted; Layer is the integer; Regressor and Protocol are the keys.
        Assert.StartsWith($"\"IF1,small\",\"model,a\",mean,1,", fromCli[1]);
        Assert.Contains($",{regressor},{protocol},", fromCli[1]); // Regressor, Protocol, then the appended columns
        var table = TidyTable.Read(tmp.Sub("out/results.csv"));
        Assert.Equal("IF1,small", table.Strings("Dataset")[0]);
        Assert.Equal(2, table.Numbers("Layer")[0]);
    }

    [Fact]
    public void A_rho_of_constant_predictions_is_an_empty_cell_in_both()
    {
        using var tmp = new TempDir();
        var (data, dir, features) = Inputs(tmp, constant: true);
        // The same vector for every variant: LassoCV keeps no coefficient, predictions are constant, Spearman is NaN.
        var (code, _, err) = CliRunner.Run("evaluate", "--input", data, "--features", dir, "--protocol", "paper", "--out", tmp.Sub("out"));
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(tmp.Sub("out/results.csv"));
        var assay = AssayReader.Read(data);
        var rows = Evaluation.Run(assay, FeatureMatrix.Of(features, "model,a", "mean", 2), FoldScheme.Parse(null), ScalingProtocol.Paper, RegressorSpec.Default).Rows;
        Assert.Contains(rows, r => double.IsNaN(r.rho_score_test));
        ResultRow.Write(tmp.Sub("lib.csv"), rows);
        Assert.Equal(WithoutFitSeconds(lines), WithoutFitSeconds(File.ReadAllLines(tmp.Sub("lib.csv"))));
        Assert.DoesNotContain("NaN", string.Concat(lines));
    }

    [Fact]
    public void Lasso_settings_on_the_command_line_reach_LassoCV()
    {
        using var tmp = new TempDir();
        var (data, dir, features) = Inputs(tmp);
        var (code, _, err) = CliRunner.Run("evaluate", "--input", data, "--features", dir, "--protocol", "default",
            "--lasso-tol", "0.001", "--lasso-max-iter", "200", "--lasso-cv", "3", "--lasso-n-alphas", "20", "--lasso-eps", "0.01", "--out", tmp.Sub("out"));
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(tmp.Sub("out/results.csv"));
        const string key = "lasso(n_alphas=20,eps=0.01,cv=3,max_iter=200,tol=0.001)";
        Assert.All(lines.Skip(1), l => Assert.Contains($",\"{key}\",default,", l));

        // The same numbers as LassoCV built directly with those options.
        var options = LassoCVOptions.Study with { Tol = 1e-3, MaxIter = 200, Cv = 3, NAlphas = 20, Eps = 1e-2 };
        var assay = AssayReader.Read(data);
        var x = FeatureMatrix.Of(features, "model,a", "mean", 2).X;
        var direct = CrossValidation.Run(x, assay.Targets(), OuterFolds.ShuffledKFold(assay.Count, 5, 42), ScalingProtocol.Default,
            new LassoCV(options), new ResultLabels(assay.Name, "model,a", "mean", 2));
        ResultRow.Write(tmp.Sub("direct.csv"), direct.Select(e => e.Result));
        Assert.Equal(WithoutFitSeconds(lines), WithoutFitSeconds(File.ReadAllLines(tmp.Sub("direct.csv"))));

        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(tmp.Sub("out/evaluate.manifest.json")));
        var config = manifest.RootElement.GetProperty("config");
        Assert.Equal(key, config.GetProperty("regressor").GetString());
        Assert.Equal(0.001, config.GetProperty("lasso").GetProperty("Tol").GetDouble());
    }

    [Fact]
    public void The_old_option_spellings_still_work_but_are_hidden()
    {
        using var tmp = new TempDir();
        var (data, dir, _) = Inputs(tmp);
        var (code, _, err) = CliRunner.Run("evaluate", "--data", data, "--features", dir, "--layer", "2", "--pool", "mean", "--protocol", "paper", "--out", tmp.Sub("old"));
        Assert.True(code == 0, err);
        (code, _, err) = CliRunner.Run("evaluate", "--input", data, "--features", dir, "--layers", "2", "--pool", "mean", "--protocol", "paper", "--out", tmp.Sub("new"));
        Assert.True(code == 0, err);
        Assert.Equal(WithoutFitSeconds(File.ReadAllLines(tmp.Sub("new/results.csv"))), WithoutFitSeconds(File.ReadAllLines(tmp.Sub("old/results.csv"))));
        var (_, help, _) = CliRunner.Run("evaluate", "--help");
        Assert.Contains("--input", help);
        Assert.Contains("--layers", help);
        Assert.DoesNotContain("--data", help);
        Assert.DoesNotContain("--layer ", help);
    }

    [Fact]
    public void Lasso_settings_in_an_experiment_file_reach_LassoCV_and_default_cells_keep_their_keys()
    {
        using var tmp = new TempDir();
        FakeAssays.Write(tmp.Sub("data"), "ALPHA", 40, 1);
        File.WriteAllText(tmp.Sub("exp.json"), """
            { "datasets": [ { "path": "data/ALPHA.csv" } ], "models": [ "model-a" ], "layers": [ -1 ],
              "regressors": [ "lasso", "ridge" ], "protocols": [ "paper" ], "folds": 3,
              "lasso": { "tol": 0.001, "maxIter": 300 } }
            """);
        var config = ExperimentConfig.Load(tmp.Sub("exp.json"));
        Assert.Equal(LassoSettings.Study with { Tol = 1e-3, MaxIter = 300 }, config.Lasso);
        var report = new ExperimentRunner(config, new FakeModels(), new CrossValidationEvaluator()).Run();
        var table = TidyTable.Read(report.ResultsPath!);
        Assert.Equal(["lasso(max_iter=300,tol=0.001)", "ridge"], table.Strings("Regressor").Distinct().Order(StringComparer.Ordinal));

        // Without 'lasso' the cells keep the keys they had before LassoCV's settings could be changed.
        var plain = config with { Lasso = null, Out = tmp.Sub("out2") };
        var cells = new ExperimentRunner(plain, new FakeModels(), new CrossValidationEvaluator()).Run().Cells;
        foreach (var c in cells)
        {
            var old = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
                $"cell/v1|{c.DatasetSha256}|{c.ModelId}|{c.LongPolicy}|{c.Dtype}|{c.Layer}|{c.Pool}|{c.Regressor.Name}|paper|all|3|42|1")));
            Assert.Equal(old, c.Key);
        }
        Assert.DoesNotContain(report.Cells[0].Key, cells.Select(c => c.Key));
    }
}
