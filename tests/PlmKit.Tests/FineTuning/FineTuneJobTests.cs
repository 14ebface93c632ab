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
        Assert.All(Enumerable.Range(0, 3), f => Assert.True(File.Exists(Path.Combine(outDir, $"fold{f}.safetensors"))));
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
        Assert.Contains("fold 0: val R2", stdout);
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
}
