using System.Collections.Concurrent;
using System.Globalization;
using PlmKit.Data;
using PlmKit.Experiments;
using PlmKit.Regression;

namespace PlmKit.Tests.Experiments;

/// <summary>
/// Zero-shot scores as features in <c>plmkit run</c>: the <c>featureSets</c> of an experiment
/// (<c>plain</c>, <c>augmented</c>, <c>zero-shot</c>) in the same folds, the baseline's rows the same
/// as <c>plmkit evaluate --features zero-shot</c>'s, and scores that do not cover a dataset.
/// </summary>
public sealed class ZeroShotRunTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>Records the width of the features each cell was evaluated on, then evaluates it for real.</summary>
    private sealed class RecordingEvaluator : ICellEvaluator
    {
        private readonly CrossValidationEvaluator _inner = new();

        public ConcurrentBag<(FeatureSet Set, int Width)> Seen { get; } = [];

        public IReadOnlyList<ResultRow> Evaluate(ExperimentCell cell, Assay assay, double[][] features)
        {
            Seen.Add((cell.Set, features[0].Length));
            return _inner.Evaluate(cell, assay, features);
        }
    }

    private (string Experiment, string Data, string Scores) Write(string featureSets, Func<int, bool>? skip = null, bool withScores = true)
    {
        var data = FakeAssays.Write(_tmp.Sub("data"), "ALPHA", 30, 1);
        var assay = AssayReader.Read(data);
        var dir = Directory.CreateDirectory(_tmp.Sub("scores")).FullName;
        File.WriteAllText(Path.Combine(dir, "scores.csv"), "id,mutant,score\n" + string.Join('\n', Enumerable.Range(0, assay.Count)
            .Where(i => skip is null || !skip(i))
            .Select(i => string.Create(CultureInfo.InvariantCulture, $"{assay.Records[i].Id},{assay.Records[i].Mutant},{assay.Records[i].Target * 3 + Math.Cos(i):R}"))) + "\n");
        var experiment = _tmp.Write("exp.json", $$"""
            {
              "datasets": [ { "path": "data/ALPHA.csv"{{(withScores ? ", \"zeroShot\": \"scores/scores.csv\"" : "")}} } ],
              "models": [ "model-a" ], "layers": [ -1 ], "pools": [ "mean" ], "protocols": [ "default" ],
              "featureSets": [ {{featureSets}} ], "folds": 3, "store": "store", "out": "out"
            }
            """);
        return (experiment, data, Path.Combine(dir, "scores.csv"));
    }

    private static string[] WithoutFitSeconds(IEnumerable<string> lines) =>
        lines.Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"^((?:""[^""]*""|[^,]*)(?:,(?:""[^""]*""|[^,]*)){16}),[^,]*", "$1,T")).ToArray();

    [Fact]
    public void PlainAugmentedAndZeroShotCellsRunInTheSameFolds()
    {
        var (experiment, data, scores) = Write("\"plain\", \"augmented\", \"zero-shot\"");
        var evaluator = new RecordingEvaluator();
        var report = new ExperimentRunner(ExperimentConfig.Load(experiment), new FakeModels(), evaluator) { Parallelism = 1 }.Run();
        Assert.Equal(3, report.Cells.Count);
        var widths = evaluator.Seen.ToDictionary(s => s.Set, s => s.Width);
        Assert.Equal(widths[FeatureSet.Plain] + 1, widths[FeatureSet.Augmented]);
        Assert.Equal(1, widths[FeatureSet.ZeroShot]);

        var lines = File.ReadAllLines(report.ResultsPath!);
        Assert.Equal(1 + 3 * 3, lines.Length);
        var set = ResultRow.Columns.ToList().IndexOf("Feature_set");
        Assert.Equal(["plain", "plain", "plain", "augmented", "augmented", "augmented", "zero-shot", "zero-shot", "zero-shot"],
            lines.Skip(1).Select(l => l.Split(',')[set]));

        // The baseline's rows are evaluate's, in the same folds.
        var outDir = _tmp.Sub("evaluate");
        var (code, _, err) = CliRunner.Run("evaluate", "--input", data, "--features", "zero-shot", "--zero-shot", scores,
            "--protocol", "default", "--folds", "3", "--out", outDir);
        Assert.True(code == 0, err);
        Assert.Equal(WithoutFitSeconds(File.ReadAllLines(Path.Combine(outDir, "results.csv")).Skip(1)), WithoutFitSeconds(lines.Skip(7)));

        // A rerun finds every cell, the baseline's included, in the cache.
        var again = new ExperimentRunner(ExperimentConfig.Load(experiment), new FakeModels(), new RecordingEvaluator()) { Parallelism = 1 }.Run();
        Assert.Equal((0, 3), (again.Computed, again.Cached));
    }

    [Fact]
    public void ScoresMissingAnIdStopTheRunBeforeAnythingIsWritten()
    {
        var (experiment, _, _) = Write("\"augmented\"", skip: i => i == 4);
        var e = Assert.Throws<InputException>(() => new ExperimentRunner(ExperimentConfig.Load(experiment), new FakeModels(), new RecordingEvaluator()).Run());
        Assert.Contains("1 of 30 ids of ALPHA have no zero-shot score", e.Message);
        Assert.False(Directory.Exists(_tmp.Sub("out")));
        Assert.False(Directory.Exists(_tmp.Sub("store")));
    }

    [Theory]
    [InlineData("\"augmented\"", false, "needs the dataset's 'zeroShot'")]
    [InlineData("\"plain\"", true, "'zeroShot' is used only by the feature sets")]
    [InlineData("\"embedding\"", true, "unknown feature set 'embedding' (plain, zero-shot, augmented)")]
    public void FeatureSetsAreChecked(string sets, bool withScores, string message)
    {
        var (experiment, _, _) = Write(sets, withScores: withScores);
        var e = Assert.Throws<InputException>(() => ExperimentConfig.Load(experiment));
        Assert.Contains(message, e.Message);
    }
}
