using System.Text.Json.Nodes;
using PlmKit.Data;
using PlmKit.Experiments;
using PlmKit.Figures;
using PlmKit.Tests.Embeddings.Store;

namespace PlmKit.Tests.Experiments;

/// <summary>Experiment files and runs with the tiny golden model, shared by the figure tests of <c>plmkit run</c>.</summary>
internal static class RunGrid
{
    public static string Tiny => Path.Combine(SharedData.Golden, "tiny");

    /// <summary>60 variants of IF1_ECOLI, the tiny model, mean and bos pooling, 5 folds; <paramref name="extra"/> is appended to the JSON object.</summary>
    public static string Write(TempDir tmp, string extra, string models = "")
    {
        File.WriteAllLines(tmp.Sub("IF1_small.csv"), File.ReadLines(Path.Combine(SharedData.Swat, "dms", "IF1_ECOLI.csv")).Take(61));
        string path = tmp.Sub("exp.json");
        File.WriteAllText(path, $$"""
            { "datasets": [ { "path": "IF1_small.csv", "format": "swat" } ], "models": [ {{(models.Length > 0 ? models : $"\"{Tiny}\"")}} ],
              "layers": [ -1 ], "pools": [ "mean", "bos" ], "protocols": [ "default" ], "folds": 5, "long": "error", "device": "cpu",
              "store": "store", "out": "out"{{extra}} }
            """);
        return path;
    }

    public const string Statistics = ",\n \"statistics\": { \"effect\": \"Compression_method\", \"random\": [ \"Fold\" ] }";
}

public class RunFiguresTests
{
    [Fact]
    public void The_statistics_reference_level_is_the_baseline_of_the_contrasts_and_the_figure()
    {
        using var tmp = new TempDir();
        var exp = RunGrid.Write(tmp, ",\n \"statistics\": { \"effect\": \"Compression_method\", \"random\": [ \"Fold\" ], \"reference\": \"mean\" }" +
            ",\n \"figures\": { \"kinds\": [ \"compression\" ], \"png\": false }");
        var (code, _, err) = CliRunner.Run("run", exp, "--jobs", "2");
        Assert.True(code == 0, err);
        Assert.Equal("mean", JsonNode.Parse(File.ReadAllText(tmp.Sub("out/stats.manifest.json")))!["reference"]!.GetValue<string>());
        Assert.Equal(["bos"], TidyTable.Read(tmp.Sub("out/stats_contrasts.csv")).Strings("contrast"));
        Assert.Contains("against mean pooling", File.ReadAllText(tmp.Sub("out/figures/compression.html")));

        // The run's statistics are exactly plmkit stats on the same table: same files, same bytes.
        (code, _, err) = CliRunner.Run("stats", "--input", tmp.Sub("out/results.csv"), "--effect", "Compression_method", "--random", "Fold",
            "--reference", "mean", "--out", tmp.Sub("stats"));
        Assert.True(code == 0, err);
        foreach (var table in new[] { "stats_fixed.csv", "stats_varcomp.csv", "stats_contrasts.csv" })
            Assert.Equal(File.ReadAllText(tmp.Sub("stats/" + table)), File.ReadAllText(tmp.Sub("out/" + table)));
        // Both manifests list the same tables with the same hashes.
        static IEnumerable<string?> Outputs(string path) => JsonNode.Parse(File.ReadAllText(path))!["outputs"]!.AsArray()
            .Select(o => o!["path"]!.GetValue<string>() + " " + o["sha256"]!.GetValue<string>());
        Assert.Equal(Outputs(tmp.Sub("stats/stats.manifest.json")), Outputs(tmp.Sub("out/stats.manifest.json")));
        // Atomic writes (figures, their stamp, the statistics) leave no temporary files behind.
        Assert.Empty(Directory.GetFiles(tmp.Sub("out"), "*.tmp*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Two_poolings_with_statistics_draw_the_compression_figure_with_the_contrasts_numbers_and_a_cached_rerun_keeps_it()
    {
        using var tmp = new TempDir();
        var exp = RunGrid.Write(tmp, RunGrid.Statistics + ",\n \"figures\": { \"kinds\": [ \"compression\" ], \"png\": false }");
        var (code, stdout, err) = CliRunner.Run("run", exp, "--jobs", "2");
        Assert.True(code == 0, err);
        Assert.Contains("wrote 2 figure files into", stdout);

        string figures = tmp.Sub("out/figures");
        Assert.True(File.Exists(Path.Combine(figures, "compression.html")));
        Assert.False(File.Exists(Path.Combine(figures, "compression.png")));
        // The figure's numbers are the statistics' contrasts, row for row (order: best first).
        var drawn = TidyTable.Read(Path.Combine(figures, "compression_contrasts.csv"));
        var stats = TidyTable.Read(tmp.Sub("out/stats_contrasts.csv"));
        var expected = Enumerable.Range(0, stats.RowCount)
            .Select(i => (stats.Strings("contrast")[i], stats.Numbers("estimate")[i], stats.Numbers("conf_low")[i], stats.Numbers("conf_high")[i]))
            .OrderByDescending(r => r.Item2).ToList();
        var actual = Enumerable.Range(0, drawn.RowCount)
            .Select(i => (drawn.Strings("contrast")[i], drawn.Numbers("estimate")[i], drawn.Numbers("conf_low")[i], drawn.Numbers("conf_high")[i])).ToList();
        Assert.Single(expected);
        Assert.Equal(expected, actual);
        // The baseline named in the figure is the statistics' reference level.
        string reference = JsonNode.Parse(File.ReadAllText(tmp.Sub("out/stats.manifest.json")))!["reference"]!.GetValue<string>();
        Assert.Contains($"against {reference} pooling", File.ReadAllText(Path.Combine(figures, "compression.html")));

        // The manifest lists every figure file with its SHA-256.
        var listed = JsonNode.Parse(File.ReadAllText(tmp.Sub("out/manifest.json")))!["figures"]!.AsArray()
            .Select(f => (f!["file"]!.GetValue<string>(), f["sha256"]!.GetValue<string>())).ToList();
        Assert.Equal(["figures/compression_contrasts.csv", "figures/compression.html"], listed.Select(f => f.Item1));
        foreach (var (file, sha) in listed)
            Assert.Equal(FileHash.Sha256(tmp.Sub("out/" + file)), sha);

        // A cached re-run: nothing computed, the figures kept as they are (same results, same statistics).
        var written = File.GetLastWriteTimeUtc(Path.Combine(figures, "compression.html"));
        (code, stdout, err) = CliRunner.Run("run", exp);
        Assert.True(code == 0, err);
        Assert.Contains("0 computed now, 2 from the cache", stdout);
        Assert.Contains("figures unchanged", stdout);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(figures, "compression.html")));
        Assert.Equal(listed, JsonNode.Parse(File.ReadAllText(tmp.Sub("out/manifest.json")))!["figures"]!.AsArray()
            .Select(f => (f!["file"]!.GetValue<string>(), f["sha256"]!.GetValue<string>())));

        // A damaged figure is redrawn, not trusted.
        File.WriteAllText(Path.Combine(figures, "compression.html"), "damaged");
        (code, stdout, err) = CliRunner.Run("run", exp);
        Assert.True(code == 0, err);
        Assert.Contains("wrote 2 figure files into", stdout);
        Assert.Equal(listed[1].Item2, FileHash.Sha256(Path.Combine(figures, "compression.html")));
    }

    [Theory]
    [InlineData(",\n \"figures\": { \"kinds\": [ \"violin\" ] }", "unknown figure kind 'violin'")]
    [InlineData(",\n \"figures\": { \"kinds\": [ \"model-size\" ] }", "cannot draw model-size: it needs at least 2 models")]
    [InlineData(",\n \"figures\": { \"kinds\": [ \"compression\" ] }", "cannot draw compression: it needs a 'statistics' block")]
    [InlineData(",\n \"figures\": { \"kinds\": [ \"learning-curve\" ] }", "cannot draw learning-curve: it needs 'trainSizes'")]
    [InlineData(",\n \"figures\": { \"kinds\": [ \"dataset-size\" ] }", "cannot draw dataset-size: results.csv has no dataset_size")]
    [InlineData(RunGrid.Statistics + ",\n \"figures\": { \"kinds\": [ \"compression\", \"compression\" ] }", "'figures' lists compression twice")]
    [InlineData(",\n \"figures\": { \"kind\": [ \"compression\" ] }", "not a valid experiment")]
    public void A_bad_figures_block_is_one_clear_line_and_exit_2_before_any_work(string block, string message)
    {
        using var tmp = new TempDir();
        var exp = RunGrid.Write(tmp, block, "\"esm2_t6_8M_UR50D\"");
        var (code, stdout, err) = CliRunner.Run("run", exp);
        Assert.Equal(2, code);
        Assert.StartsWith("plmkit: error: " + exp, err);
        Assert.Contains(message, err);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", stdout);
        // Nothing started: no store, no outputs (and the zoo model was never looked for).
        Assert.False(Directory.Exists(tmp.Sub("store")));
        Assert.False(Directory.Exists(tmp.Sub("out")));
    }

    [Fact]
    public void Without_a_figures_block_the_run_draws_what_the_grid_supports()
    {
        using var tmp = new TempDir();
        string[] Default(string extra, string models)
        {
            var config = ExperimentConfig.Load(RunGrid.Write(tmp, extra, models));
            return [.. RunFigures.Plan(config, "exp.json").Select(StudyFigure.KindName)];
        }
        const string two = "\"esm2_t6_8M_UR50D\", \"esm2_t12_35M_UR50D\"";
        Assert.Empty(Default("", "\"tiny\""));
        Assert.Equal(["compression"], Default(RunGrid.Statistics, "\"tiny\""));
        // An effect other than Compression_method: its contrasts are not Figure 2.
        Assert.Empty(Default(",\n \"statistics\": { \"effect\": \"Protocol\" }", "\"tiny\""));
        Assert.Equal(["model-size"], Default("", two));
        Assert.Empty(Default("", "\"esm2_t6_8M_UR50D\", \"tiny\""));
        Assert.Equal(["compression", "model-size", "learning-curve"], Default(RunGrid.Statistics + ",\n \"trainSizes\": [ 20, 40 ]", two));
        // Learning curves are drawn per model family and size, so every model must name its size.
        Assert.Empty(Default(",\n \"trainSizes\": [ 20, 40 ]", "\"tiny\""));
        Assert.Equal(["learning-curve"], Default(",\n \"trainSizes\": [ 20, 40 ]", "\"esm2_t6_8M_UR50D\""));
    }

    [Fact]
    public void Model_size_and_learning_curve_are_drawn_from_the_results_table_of_a_sized_grid()
    {
        using var tmp = new TempDir();
        FakeAssays.Write(tmp.Sub("data"), "ALPHA", 40, 1);
        FakeAssays.Write(tmp.Sub("data"), "BETA", 40, 2);
        File.WriteAllText(tmp.Sub("exp.json"), """
            { "datasets": [ { "path": "data/ALPHA.csv" }, { "path": "data/BETA.csv" } ],
              "models": [ "esm2_t6_8M_UR50D", "esm2_t12_35M_UR50D" ], "trainSizes": [ 10, 20 ], "folds": 3,
              "figures": { "png": false }, "store": "store", "out": "out" }
            """);
        var config = ExperimentConfig.Load(tmp.Sub("exp.json"));
        var kinds = RunFigures.Plan(config, "exp.json");
        Assert.Equal([FigureKind.ModelSize, FigureKind.LearningCurve], kinds);
        var report = new ExperimentRunner(config, new FakeModels(), new FakeEvaluator()).Run();
        var figures = RunFigures.Draw(kinds, config.Out, report.ResultsPath!, null, null, config.Figures!.Png);
        Assert.False(figures.Reused);
        Assert.Null(figures.Note);
        Assert.Equal(["figures/model-size_medians.csv", "figures/model-size_scores.csv", "figures/model-size.html",
            "figures/learning-curve_points.csv", "figures/learning-curve.html"], figures.Files.Select(f => f.File));

        // The medians drawn are those of results.csv: per model, the median over datasets of the mean test R².
        var results = TidyTable.Read(report.ResultsPath!);
        var r2 = results.Numbers("R2_score_test");
        var rows = Enumerable.Range(0, results.RowCount).Select(i => (Dataset: results.Strings("Dataset")[i], Model: results.Strings("Model")[i], R2: r2[i])).ToList();
        var medians = TidyTable.Read(tmp.Sub("out/figures/model-size_medians.csv"));
        Assert.Equal(["8M", "35M"], medians.Strings("ModelSize"));
        for (int m = 0; m < 2; m++)
        {
            string model = new[] { "esm2_t6_8M_UR50D", "esm2_t12_35M_UR50D" }[m];
            var means = rows.Where(r => r.Model == model).GroupBy(r => r.Dataset).Select(g => g.Average(r => r.R2)).Order().ToList();
            Assert.Equal((means[0] + means[1]) / 2, medians.Numbers("median_R2_score_test")[m], 12);
        }
        var curve = TidyTable.Read(tmp.Sub("out/figures/learning-curve_points.csv"));
        Assert.Equal(2 * 2 * 2, curve.RowCount);
        Assert.Equal([10.0, 20.0], curve.Numbers("Sample_size").Distinct().Order());

        // Unchanged results: the previous files are kept.
        Assert.True(RunFigures.Draw(kinds, config.Out, report.ResultsPath!, null, null, false).Reused);
    }

    [Fact]
    public void Toml_figures_block_reads_like_json()
    {
        using var tmp = new TempDir();
        var json = ExperimentConfig.Load(RunGrid.Write(tmp, RunGrid.Statistics + ",\n \"figures\": { \"kinds\": [ \"compression\" ], \"png\": false }"));
        File.WriteAllText(tmp.Sub("exp.toml"), $"""
            models = ["{RunGrid.Tiny}"]
            layers = [-1]
            pools = ["mean", "bos"]
            protocols = ["default"]
            folds = 5
            long = "error"
            device = "cpu"
            store = "store"
            out = "out"

            [[datasets]]
            path = "IF1_small.csv"
            format = "swat"

            [statistics]
            effect = "Compression_method"
            random = ["Fold"]

            [figures]
            kinds = ["compression"]
            png = false
            """);
        Assert.Equal(json.ToJson(), ExperimentConfig.Load(tmp.Sub("exp.toml")).ToJson());
    }
}

/// <summary>
/// Runs with PNGs asked for but no Chromium. It shares the collection of the other tests that
/// touch <c>PLMKIT_CHROMIUM</c>, so pointing it elsewhere for a moment disturbs no PNG rendering.
/// </summary>
[Collection(ChromiumEnvironment.Collection)]
public class RunFiguresWithoutChromiumTests
{
    [Fact]
    public void Without_chromium_the_run_writes_html_only_with_one_note_line()
    {
        using var tmp = new TempDir();
        // No figures block: the default draws the compression figure, with PNGs when Chromium is found.
        var exp = RunGrid.Write(tmp, RunGrid.Statistics);
        Environment.SetEnvironmentVariable(FigureExport.ChromiumVariable, "/nonexistent/chromium");
        try
        {
            var (code, _, err) = CliRunner.Run("run", exp, "--jobs", "2");
            Assert.True(code == 0, err);
            var notes = err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("note:")).ToList();
            Assert.Single(notes);
            Assert.Contains("figures written as HTML only", notes[0]);
            Assert.DoesNotContain("error", err);
            Assert.True(File.Exists(tmp.Sub("out/figures/compression.html")));
            Assert.False(File.Exists(tmp.Sub("out/figures/compression.png")));
            var manifest = JsonNode.Parse(File.ReadAllText(tmp.Sub("out/manifest.json")))!;
            Assert.Contains("HTML only", manifest["figures_note"]!.GetValue<string>());
            Assert.Equal(2, manifest["figures"]!.AsArray().Count);
        }
        finally
        {
            Environment.SetEnvironmentVariable(FigureExport.ChromiumVariable, null);
        }
    }
}

/// <summary>The xunit collection of tests that set <c>PLMKIT_CHROMIUM</c> or render PNGs.</summary>
internal static class ChromiumEnvironment
{
    public const string Collection = "PLMKIT_CHROMIUM";
}
