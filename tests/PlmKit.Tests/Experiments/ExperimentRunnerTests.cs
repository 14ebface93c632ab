using System.Text.Json.Nodes;
using PlmKit.Embeddings.Store;
using PlmKit.Experiments;
using PlmKit.Tests.Embeddings.Store;

namespace PlmKit.Tests.Experiments;

public class ExperimentRunnerTests
{
    private static string WriteExperiment(TempDir tmp, string models = "\"model-a\", \"model-b\"", string extra = "")
    {
        FakeAssays.Write(tmp.Sub("data"), "ALPHA", 30, 1);
        FakeAssays.Write(tmp.Sub("data"), "BETA", 25, 2);
        var path = tmp.Sub("exp.json");
        File.WriteAllText(path, $$"""
            {
              // two datasets × models × 2 layers × 2 pools × 1 regressor × 2 protocols
              "name": "grid",
              "datasets": [ { "path": "data/ALPHA.csv", "format": "swat" }, { "path": "data/BETA.csv" } ],
              "models": [ {{models}} ],
              "layers": [ 0, -1 ],
              "pools": [ "mean", "bos" ],
              "regressors": [ "lasso" ],
              "protocols": [ "paper", "default" ],
              "folds": 3,
              "store": "store",
              "out": "out"{{extra}}
            }
            """);
        return path;
    }

    [Fact]
    public void A_grid_runs_every_cell_once_writes_a_tidy_table_and_manifest_and_a_rerun_computes_nothing()
    {
        using var tmp = new TempDir();
        var config = ExperimentConfig.Load(WriteExperiment(tmp));
        var models = new FakeModels();
        var evaluator = new FakeEvaluator();
        var progress = new List<RunProgress>();
        var report = new ExperimentRunner(config, models, evaluator) { Parallelism = 2, Progress = new SyncProgress(progress) }.Run();

        Assert.Equal(32, report.Cells.Count);
        Assert.Equal((32, 0), (report.Computed, report.Cached));
        Assert.Equal(32, evaluator.Evaluated);
        Assert.Equal(2 * (30 + 25), models.Embedded); // each model embeds each sequence once
        Assert.Equal([0, 2], report.Cells.Select(c => c.Layer).Distinct().Order()); // −1 = last layer (2)
        var lines = File.ReadAllLines(report.ResultsPath!);
        Assert.Equal(string.Join(',', PlmKit.Regression.ResultRow.Columns), lines[0]);
        Assert.Equal(1 + 32 * 3, lines.Length);
        Assert.StartsWith("ALPHA,model-a,mean,0,", lines[1]);
        Assert.Contains(",4,,0.25,", lines[1]); // NaN (rho_score_train) is an empty cell, as evaluate writes it
        Assert.Contains(",lasso,paper,", lines[1]); // then the appended MSE and Feature_set columns
        Assert.EndsWith(",plain", lines[1]);
        Assert.Equal(32, progress.Last().Done);

        var manifest = JsonNode.Parse(File.ReadAllText(report.ManifestPath!))!;
        Assert.Equal(FileHash.Sha256(tmp.Sub("data/ALPHA.csv")), (string?)manifest["datasets"]![0]!["sha256"]);
        Assert.Equal(models.Opened["model-a"].ModelId, (string?)manifest["models"]![0]!["weights"]);
        Assert.Equal(Manifest.Schema, (string?)manifest["schema"]);
        Assert.Equal(42, (int)manifest["seeds"]!["folds"]!);
        Assert.Equal(32, (int)manifest["cells"]!["computed"]!);
        Assert.Equal("grid", (string?)manifest["config"]!["name"]);

        var first = File.ReadAllBytes(report.ResultsPath!);
        var models2 = new FakeModels();
        var evaluator2 = new FakeEvaluator();
        var again = new ExperimentRunner(config, models2, evaluator2).Run();
        Assert.Equal((0, 32), (again.Computed, again.Cached));
        Assert.Equal((0, 0), (evaluator2.Evaluated, models2.Embedded));
        Assert.Equal(first, File.ReadAllBytes(again.ResultsPath!));
    }

    [Fact]
    public void A_run_that_dies_mid_grid_keeps_its_finished_cells_and_the_rerun_computes_only_the_rest()
    {
        using var tmp = new TempDir();
        var config = ExperimentConfig.Load(WriteExperiment(tmp));
        var dying = new DyingEvaluator(after: 11);
        Assert.Throws<PlmKitException>(() => new ExperimentRunner(config, new FakeModels(), dying) { Parallelism = 1 }.Run());
        long committed;
        using (var cells = CellCache.Open(config.Store))
            committed = cells.Count();
        Assert.Equal(11, committed);

        var evaluator = new FakeEvaluator();
        var report = new ExperimentRunner(config, new FakeModels(), evaluator).Run();
        Assert.Equal((21, 11), (report.Computed, report.Cached));
        Assert.Equal(21, evaluator.Evaluated);
        var fresh = new ExperimentRunner(config with { Store = tmp.Sub("fresh-store"), Out = tmp.Sub("fresh-out") }, new FakeModels(), new FakeEvaluator()).Run();
        Assert.Equal(File.ReadAllBytes(fresh.ResultsPath!), File.ReadAllBytes(report.ResultsPath!));
    }

    /// <summary>Evaluates like <see cref="FakeEvaluator"/>, then fails from the (after+1)-th cell on, as a crash would.</summary>
    private sealed class DyingEvaluator(int after) : ICellEvaluator
    {
        private readonly FakeEvaluator _inner = new();

        public IReadOnlyList<PlmKit.Regression.ResultRow> Evaluate(ExperimentCell cell, PlmKit.Data.Assay assay, double[][] features) =>
            _inner.Evaluated < after ? _inner.Evaluate(cell, assay, features) : throw new PlmKitException("simulated crash");
    }

    [Fact]
    public void A_dataset_marked_dropInvalid_leaves_out_its_bad_row_and_the_manifest_lists_it()
    {
        using var tmp = new TempDir();
        var path = WriteExperiment(tmp, "\"model-a\"");
        var beta = tmp.Sub("data/BETA.csv");
        var lines = File.ReadAllLines(beta);
        var cells = lines[4].Split(',');
        cells[3] = "abc"; // line 5 of the file: a target that is not a number
        lines[4] = string.Join(',', cells);
        File.WriteAllLines(beta, lines);
        Assert.Throws<InputException>(() => new ExperimentRunner(ExperimentConfig.Load(path), new FakeModels(), new FakeEvaluator()).Run());

        File.WriteAllText(path, File.ReadAllText(path).Replace("{ \"path\": \"data/BETA.csv\" }", "{ \"path\": \"data/BETA.csv\", \"dropInvalid\": true }"));
        var models = new FakeModels();
        var report = new ExperimentRunner(ExperimentConfig.Load(path), models, new FakeEvaluator()).Run();
        var dropped = Assert.Single(report.Dropped);
        Assert.Equal((5, cells[1]), (dropped.Line, dropped.Id));
        Assert.StartsWith($"{beta}:5: ", dropped.ToString());
        Assert.Equal(30 + 24, models.Embedded);
        var manifest = JsonNode.Parse(File.ReadAllText(report.ManifestPath!))!;
        Assert.Empty(manifest["datasets"]![0]!["dropped_rows"]!.AsArray());
        Assert.Equal(24, (int)manifest["datasets"]![1]!["rows"]!);
        Assert.Equal(5, (int)manifest["datasets"]![1]!["dropped_rows"]![0]!["line"]!);
    }

    [Fact]
    public void Adding_a_model_computes_only_its_cells_and_embeddings()
    {
        using var tmp = new TempDir();
        new ExperimentRunner(ExperimentConfig.Load(WriteExperiment(tmp, "\"model-a\"")), new FakeModels(), new FakeEvaluator()).Run();
        var models = new FakeModels();
        var evaluator = new FakeEvaluator();
        var report = new ExperimentRunner(ExperimentConfig.Load(WriteExperiment(tmp)), models, evaluator).Run();
        Assert.Equal((16, 16), (report.Computed, report.Cached));
        Assert.Equal(16, evaluator.Evaluated);
        Assert.Equal(0, models.Opened["model-a"].Embedded);
        Assert.Equal(55, models.Opened["model-b"].Embedded);
    }

    [Fact]
    public void Three_shards_merged_give_the_single_process_table()
    {
        using var tmp = new TempDir();
        var config = ExperimentConfig.Load(WriteExperiment(tmp, "\"model-a\", \"model-b\", \"model-c\""));
        var single = new ExperimentRunner(config with { Store = tmp.Sub("single-store"), Out = tmp.Sub("single-out") }, new FakeModels(), new FakeEvaluator()).Run();

        int computed = 0;
        for (int i = 0; i < 3; i++)
        {
            var shard = new ExperimentRunner(config with { Store = tmp.Sub($"shards/{i}") }, new FakeModels(), new FakeEvaluator()) { Shard = new Shard(i, 3) }.Run();
            Assert.Null(shard.ResultsPath); // a shard only fills its store
            Assert.Equal(0, shard.Cells.Count % 8); // whole (dataset, model) units of 2 layers × 2 pools × 2 protocols
            computed += shard.Computed;
        }
        Assert.Equal(single.Cells.Count, computed);

        using (var store = EmbeddingStore.Open(config.Store))
        using (var cells = CellCache.Open(config.Store))
            for (int i = 0; i < 3; i++)
            {
                store.Merge(tmp.Sub($"shards/{i}"));
                cells.Merge(tmp.Sub($"shards/{i}"));
            }
        var evaluator = new FakeEvaluator();
        var merged = new ExperimentRunner(config, new FakeModels(), evaluator).Run();
        Assert.Equal(0, evaluator.Evaluated);
        Assert.Equal(File.ReadAllBytes(single.ResultsPath!), File.ReadAllBytes(merged.ResultsPath!));
    }

    [Fact]
    public void Learning_curve_sizes_multiply_the_cells_and_toml_reads_like_json()
    {
        using var tmp = new TempDir();
        var json = ExperimentConfig.Load(WriteExperiment(tmp, "\"model-a\"", ",\n  \"trainSizes\": [ 10, 20 ]"));
        File.WriteAllText(tmp.Sub("exp.toml"), """
            name = "grid"
            models = ["model-a"]
            layers = [0, -1]
            pools = ["mean", "bos"]
            regressors = ["lasso"]
            protocols = ["paper", "default"]
            trainSizes = [10, 20]
            folds = 3
            store = "store"
            out = "out"

            [[datasets]]
            path = "data/ALPHA.csv"
            format = "swat"

            [[datasets]]
            path = "data/BETA.csv"
            """);
        var toml = ExperimentConfig.Load(tmp.Sub("exp.toml"));
        Assert.Equal(json.ToJson(), toml.ToJson());
        var report = new ExperimentRunner(toml, new FakeModels(), new FakeEvaluator()).Run();
        Assert.Equal(2 * 2 * 2 * 2 * 2, report.Cells.Count);
        Assert.Equal([10, 20], report.Cells.Select(c => c.TrainSize!.Value).Distinct());
    }

    [Theory]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"nope.csv\" } ] }", "nope.csv not found")]
    [InlineData("{ \"models\": [], \"datasets\": [ { \"path\": \"d.csv\" } ] }", "'models' is empty")]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"d.csv\" } ], \"protocols\": [\"cheat\"] }", "unknown protocol 'cheat'")]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"d.csv\" } ], \"regressor\": [\"lasso\"] }", "not a valid experiment")]
    [InlineData("{ \"models\": [\"m\", \"m\"], \"datasets\": [ { \"path\": \"d.csv\" } ] }", "'models' lists an entry twice")]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"d.csv\" } ], \"folds\": 1 }", "'folds' must be at least 2")]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"d.csv\", \"format\": \"fasta-csv\" } ] }", "needs 'targets'")]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"d.csv\" } ], \"trainSizes\": [1] }", "'trainSizes'")]
    [InlineData("{ \"models\": [\"m\"],\n \"datasets\": [ { \"path\": \"d.csv\" } ], \"layers\": [\"x\"] }", ":2: not a valid experiment")]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"d.csv\" } ], \"regressors\": [\"svm\"] }", "unknown regressor 'svm' (lasso, ridge)")]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"d.csv\", \"format\": \"xlsx\" } ] }", "unknown format 'xlsx' (auto, swat, proteingym, fasta-csv, csv)")]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"d.csv\", \"format\": \"swat\", \"targets\": \"d.csv\" } ] }", "'targets' applies to FASTA input only")]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"d.csv\" } ], \"regressors\": [\"ridge\"], \"lasso\": { \"tol\": 0.001 } }", "'lasso' settings apply to the lasso regressor")]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"d.csv\" } ], \"lasso\": { \"tol\": 0 } }", "lasso tol must be a positive number")]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"d.csv\" } ], \"lasso\": { \"cv\": 1 } }", "lasso cv must be at least 2")]
    [InlineData("{ \"models\": [\"m\"], \"datasets\": [ { \"path\": \"d.csv\" } ], \"lasso\": { \"alpha\": 1 } }", "not a valid experiment")]
    public void Bad_experiment_files_fail_with_the_file_and_problem(string json, string expected)
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.Sub("d.csv"), "x");
        File.WriteAllText(tmp.Sub("bad.json"), json);
        var e = Assert.Throws<InputException>(() => ExperimentConfig.Load(tmp.Sub("bad.json")));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(tmp.Sub("bad.json"), e.Message);
    }

    [Fact]
    public void A_layer_the_model_lacks_is_a_configuration_error()
    {
        using var tmp = new TempDir();
        var config = ExperimentConfig.Load(WriteExperiment(tmp, "\"model-a\"")) with { Layers = [5] };
        var e = Assert.Throws<ConfigurationException>(() => new ExperimentRunner(config, new FakeModels(), new FakeEvaluator()).Run());
        Assert.Contains("layer 5 does not exist in model-a (layers 0…2)", e.Message);
    }

    /// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them later).</summary>
    private sealed class SyncProgress(List<RunProgress> sink) : IProgress<RunProgress>
    {
        public void Report(RunProgress value)
        {
            lock (sink)
                sink.Add(value);
        }
    }
}
