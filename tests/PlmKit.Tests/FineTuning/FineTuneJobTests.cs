using PlmKit.FineTuning;
using PlmKit.Regression;
using PlmKit.Tests.Models;

namespace PlmKit.Tests.FineTuning;

/// <summary>The fine-tuning job on a study assay with the tiny model: the same folds as evaluate, the study's columns, nothing half-written.</summary>
[Collection(nameof(TorchGlobalRandom))]
public sealed class FineTuneJobTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string SmallAssay()
    {
        var lines = File.ReadLines(Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv")).Take(31);
        return _tmp.Write("IF1_ECOLI.csv", string.Join('\n', lines) + "\n");
    }

    private static LoraTrainingSettings Quick => new(Epochs: 2, BatchSize: 4, LearningRate: 1e-3, TokensPerMicroBatch: 400, Seed: 1);

    [Fact]
    public void FoldsAreEvaluatesAndTablesHaveTheStudysColumns()
    {
        var input = SmallAssay();
        var outDir = _tmp.Sub("ft");
        var folds = new FoldScheme.Shuffled(3, 42);
        var report = FineTuneJob.Run(new FineTuneSettings(Golden.TinyPt, input, outDir, folds, new LoraSettings(), Quick));
        Assert.Equal(3, report.Rows.Length);
        var assay = PlmKit.Data.AssayReader.Read(input);
        var assignment = folds.Assign(assay);
        for (int f = 0; f < 3; f++) Assert.Equal(assignment.TestRows(f).Length, report.Rows[f].n_test);
        var metrics = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        Assert.StartsWith("Epoch,step,train_loss,train_r2,val_loss,val_r2,Model,Dataset_Name,ModelSize,Fold", metrics[0]);
        Assert.Equal(1 + 3 * 2, metrics.Length);
        Assert.Equal(string.Join(',', ResultRow.Columns), File.ReadLines(Path.Combine(outDir, "results.csv")).First());
        Assert.Equal(1 + 30, File.ReadAllLines(Path.Combine(outDir, "predictions.csv")).Length);
        Assert.True(File.Exists(Path.Combine(outDir, "finetune.manifest.json")));
        Assert.All(Enumerable.Range(1, 3), f => Assert.True(File.Exists(Path.Combine(outDir, $"fold{f}.safetensors"))));
    }

    [Fact]
    public void TheStudysSplitIsScikitLearnsTrainTestSplit()
    {
        // train_test_split(range(10), test_size=0.2, random_state=42) → test [8, 1], train [5, 0, 7, 2, 9, 4, 3, 6].
        var (train, test) = FineTuneJob.TrainTestSplit(10, 0.2, 42);
        Assert.Equal([8, 1], test);
        Assert.Equal([5, 0, 7, 2, 9, 4, 3, 6], train);
    }

    [Fact]
    public void ANonEsm2ModelIsRefusedBeforeAnythingIsWritten()
    {
        var outDir = _tmp.Sub("none");
        var e = Assert.Throws<ConfigurationException>(() =>
            FineTuneJob.Run(new FineTuneSettings(Path.Combine(SharedData.Golden, "esmc_tiny"), SmallAssay(), outDir, null, new LoraSettings(), Quick)));
        Assert.Contains("ESM-2", e.Message);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void TheCommandTrainsAndBadInputIsOneLine()
    {
        var input = SmallAssay();
        var outDir = _tmp.Sub("cli");
        var (code, stdout, err) = CliRunner.Run("finetune", "--model", Golden.TinyPt, "--input", input, "--epochs", "1", "--batch-size", "4",
            "--max-tokens", "400", "--out", outDir, "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("fold 1: val R2", stdout);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(outDir, "metrics.csv")).Length);

        var bad = _tmp.Sub("bad");
        (code, _, err) = CliRunner.Run("finetune", "--model", Golden.TinyPt, "--input", input, "--epochs", "0", "--out", bad);
        Assert.Equal(2, code);
        Assert.Equal("plmkit: error: --epochs must be at least 1 (got 0)", err.Trim());
        Assert.False(Directory.Exists(bad));
    }

    [Fact]
    public void AShortRunOnARealAssayBeatsTheMeanPredictor()
    {
        // Every 6th variant of IF1_ECOLI (240 of 1,439, spread over all 72 sites), the study's 80/20 split.
        var lines = File.ReadLines(Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv")).ToArray();
        var input = _tmp.Write("IF1_subset.csv", string.Join('\n', lines.Take(1).Concat(lines.Skip(1).Where((_, i) => i % 6 == 0))) + "\n");
        var outDir = _tmp.Sub("real");
        var report = FineTuneJob.Run(new FineTuneSettings(Golden.TinyPt, input, outDir, null, new LoraSettings(),
            new LoraTrainingSettings(Epochs: 6, BatchSize: 8, LearningRate: 2e-3, TokensPerMicroBatch: 1200, Seed: 42)));
        var assay = PlmKit.Data.AssayReader.Read(input);
        var (train, validation) = FineTuneJob.TrainTestSplit(assay.Count, 0.2, 42);
        var y = assay.Targets();
        double trainMean = train.Average(i => y[i]);
        double meanPredictorMse = validation.Average(i => (y[i] - trainMean) * (y[i] - trainMean));
        var best = report.Epochs[0].Min(e => e.ValLoss);
        Assert.True(best < meanPredictorMse, $"best validation MSE {best:F5} is not below the mean predictor's {meanPredictorMse:F5}");
    }

    [Fact]
    public void FineTuningAndTheLassoOnTheSameFoldsGoThroughStats()
    {
        // Two assays, three shuffled folds each: evaluate (Lasso on mean-pooled embeddings) and finetune on the same rows.
        var evaluated = new List<string>();
        var tuned = new List<string>();
        foreach (var name in new[] { "IF1_ECOLI", "SUMO1_HUMAN_Roth2017" })
        {
            var lines = File.ReadLines(Path.Combine(SharedData.Swat, "dms", name + ".csv")).Take(31);
            var input = _tmp.Write(name + ".csv", string.Join('\n', lines) + "\n");
            var embedDir = _tmp.Sub("embed-" + name);
            var (code, _, err) = CliRunner.Run("embed", "--model", Golden.TinyPt, "--input", input, "--out", embedDir, "--device", "cpu");
            Assert.True(code == 0, err);
            var evalDir = _tmp.Sub("evaluate-" + name);
            (code, _, err) = CliRunner.Run("evaluate", "--input", input, "--features", embedDir, "--protocol", "default", "--folds", "3", "--out", evalDir);
            Assert.True(code == 0, err);
            var ftDir = _tmp.Sub("finetune-" + name);
            (code, _, err) = CliRunner.Run("finetune", "--model", Golden.TinyPt, "--input", input, "--folds", "3", "--epochs", "1", "--batch-size", "4",
                "--max-tokens", "400", "--out", ftDir, "--device", "cpu");
            Assert.True(code == 0, err);
            evaluated.Add(Path.Combine(evalDir, "results.csv"));
            tuned.Add(Path.Combine(ftDir, "results.csv"));
        }
        // Identical test rows per (dataset, fold): the same fold sizes on both sides.
        var lasso = PlmKit.Data.TidyTable.Concat([.. evaluated.Select(PlmKit.Data.TidyTable.Read)]);
        var lora = PlmKit.Data.TidyTable.Concat([.. tuned.Select(PlmKit.Data.TidyTable.Read)]);
        Assert.Equal(Enumerable.Range(0, 6).Select(r => (lasso.Strings("Dataset")[r], lasso.Strings("Fold")[r], lasso.Strings("n_test")[r])),
            Enumerable.Range(0, 6).Select(r => (lora.Strings("Dataset")[r], lora.Strings("Fold")[r], lora.Strings("n_test")[r])));

        var statsDir = _tmp.Sub("stats");
        var args = new List<string> { "stats" };
        foreach (var f in evaluated.Concat(tuned)) args.AddRange(["--input", f]);
        args.AddRange(["--effect", "Compression_method", "--reference", "mean", "--random", "Dataset", "--random", "Fold", "--out", statsDir]);
        var (c, stdout, e) = CliRunner.Run([.. args]);
        Assert.True(c == 0, e);
        Assert.Contains("n = 12", stdout);
        var contrasts = File.ReadAllLines(Path.Combine(statsDir, "stats_contrasts.csv"));
        Assert.Equal(2, contrasts.Length);
        Assert.True(contrasts[1].StartsWith("lora_finetune,", StringComparison.Ordinal), contrasts[1]);
        var manifest = File.ReadAllText(Path.Combine(statsDir, "stats.manifest.json"));
        Assert.All(evaluated.Concat(tuned), f => Assert.Contains(Path.GetFileName(Path.GetDirectoryName(f)!), manifest));

        // Tables with different columns are not joined.
        var other = _tmp.Write("other.csv", "Dataset,R2_score_test\nx,0.5\n");
        (c, _, e) = CliRunner.Run("stats", "--input", evaluated[0], "--input", other, "--effect", "Compression_method", "--random", "Dataset", "--out", _tmp.Sub("bad-stats"));
        Assert.Equal(2, c);
        Assert.Contains("other.csv", e);
        Assert.False(Directory.Exists(_tmp.Sub("bad-stats")));
    }
}
