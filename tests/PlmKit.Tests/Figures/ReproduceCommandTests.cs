using System.Globalization;
using System.Text.Json;
using PlmKit.Data;
using PlmKit.Figures;
using PlmKit.Statistics;

namespace PlmKit.Tests.Figures;

/// <summary><c>plmkit reproduce</c>: the study's statistics and figures from the shared tables.</summary>
[Collection(ReproductionCollection.Name)]
public class ReproduceCommandTests(ReproductionFixture run)
{
    [Fact]
    public void Reproduces_the_lme4_tables_and_writes_figures_and_a_manifest()
    {
        string dir = run.Dir;
        var (code, stdout, stderr) = (run.Code, run.Out, run.Err);
        Assert.True(code == 0, stderr);
        Assert.Contains("best compression mean", stdout);
        Assert.Contains($"wrote {StudyReproduction.FigureIds.Count} figures", stdout);

        // The compression fit and contrasts match R's lme4 + multcomp (issue 4's tolerances).
        // Our tables are named as plmkit stats names them (_contrasts); the lme4 reference files say _glht.
        foreach (var (file, theirs, key, columns, tol) in new[]
        {
            ("dms_compression_fixed.csv", "dms_compression_fixed.csv", "term", new[] { "estimate", "std_error" }, 1e-4),
            ("dms_compression_contrasts.csv", "dms_compression_glht.csv", "contrast", new[] { "estimate", "conf_low", "conf_high" }, 1e-3),
            ("dms_compression_varcomp.csv", "dms_compression_varcomp.csv", "grp", new[] { "vcov" }, 1e-4),
        })
        {
            var ours = TidyTable.Read(Path.Combine(dir, "tables", file));
            var reference = TidyTable.Read(Path.Combine(SharedData.Swat, "reference", theirs));
            Assert.Equal(reference.RowCount, ours.RowCount);
            foreach (var column in columns)
            {
                var expected = reference.Strings(key).Zip(reference.Numbers(column)).ToDictionary(p => p.First, p => p.Second);
                foreach (var (name, value) in ours.Strings(key).Zip(ours.Numbers(column)))
                    Assert.True(Math.Abs(expected[name] - value) <= tol, $"{file} {name} {column}: {value} vs lme4 {expected[name]}");
            }
        }

        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")));
        // The one manifest schema: outputs are paths relative to the folder with their SHA-256.
        Assert.Equal(Manifest.Schema, manifest.RootElement.GetProperty("schema").GetString());
        var outputs = manifest.RootElement.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("path").GetString()!).ToList();
        // Every figure of the docs' list, as HTML with its numbers beside it, and the gallery.
        foreach (var id in StudyReproduction.FigureIds)
        {
            Assert.Contains($"figures/{id}.html", outputs);
            Assert.Contains(outputs, o => o.StartsWith($"figures/{id}_", StringComparison.Ordinal) && o.EndsWith(".csv", StringComparison.Ordinal));
        }
        foreach (var f in new[] { "index.html", StudyReproduction.NumbersFile, "notebooks/03-which-compression.html",
                     "tables/dms_models_contrasts.csv", "tables/dms_models_equivalence.csv", "tables/pisces_compression_contrasts.csv",
                     "figures/supp5-fine-tune_pairs.csv", "figures/supp5-fine-tune_summary.csv", "figures/fig3a-dms-model-size_medians.csv" })
            Assert.Contains(f, outputs);
        Assert.DoesNotContain(outputs, o => o.EndsWith(".png", StringComparison.Ordinal) || o.EndsWith(".txt", StringComparison.Ordinal));
        Assert.All(outputs, f => Assert.True(File.Exists(Path.Combine(dir, f)), f));
        Assert.All(manifest.RootElement.GetProperty("outputs").EnumerateArray(),
            o => Assert.Equal(FileHash.Sha256(Path.Combine(dir, o.GetProperty("path").GetString()!)), o.GetProperty("sha256").GetString()));
        // Every table of an analysis carries StudyAnalysis's names, exactly as plmkit stats writes them; nothing else is in tables/.
        Assert.Equal(new[] { "dms_compression", "dms_models", "pisces_compression" }
                .SelectMany(a => StudyAnalysisResult.TableSuffixes.Where(s => a == "dms_models" || s != "_equivalence.csv").Select(s => a + s))
                .Order(StringComparer.Ordinal),
            Directory.GetFiles(Path.Combine(dir, "tables")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("mean", manifest.RootElement.GetProperty("dms_compression").GetProperty("reference").GetString());
        var inputs = manifest.RootElement.GetProperty("inputs").EnumerateArray().ToList();
        Assert.Equal(6, inputs.Count);   // the five tables and the optional fine-tuning table (Supplementary Figure 5)
        Assert.Contains("Supplementary Figure 5: fine-tuning minus Lasso", stdout);
        Assert.All(inputs, i => Assert.Equal(FileHash.Sha256(i.GetProperty("path").GetString()!), i.GetProperty("sha256").GetString()));

        // Equivalence rows (PlmKit's addition, on Figure 3A's assays): every model against the best, smallest first.
        var equivalence = TidyTable.Read(Path.Combine(dir, "tables", "dms_models_equivalence.csv"));
        Assert.Equal(12, equivalence.RowCount);
        Assert.StartsWith("esm2:8M - ", equivalence.Strings("contrast")[0]);
        Assert.Equal(0.02, equivalence.Numbers("margin").Distinct().Single());
    }

    [Fact]
    public void A_missing_data_folder_is_one_clear_line_and_nothing_written()
    {
        using var tmp = new TempDir();
        string parent = tmp.Path;
        string empty = Directory.CreateDirectory(Path.Combine(parent, "empty")).FullName;
        string output = Path.Combine(parent, "out");
        var (code, _, stderr) = CliRunner.Run("reproduce", "--out", output, "--data-dir", empty, "--offline", "--no-png");
        Assert.Equal(2, code);
        Assert.StartsWith("plmkit: error: ", stderr);
        Assert.Contains("not available offline", stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(output));

        (code, _, stderr) = CliRunner.Run("reproduce", "--out", output, "--data-dir", Path.Combine(parent, "nope"), "--no-png");
        Assert.Equal(2, code);
        Assert.Contains("does not exist", stderr);
        (code, _, stderr) = CliRunner.Run("reproduce", "--out", output, "--data-dir", SharedData.Swat, "--margin", "-1", "--no-png");
        Assert.Equal(2, code);
        Assert.Contains("margin", stderr);
        Assert.False(Directory.Exists(output));
    }
    [Fact]
    public void Without_the_fine_tuning_table_supplementary_figure_5_is_skipped_and_said_so()
    {
        using var tmp = new TempDir();
        string data = Directory.CreateDirectory(tmp.Sub("data")).FullName;
        foreach (var name in StudyReproduction.Inputs)
            File.Copy(Path.Combine(SharedData.Swat, "results", name + ".csv"), Path.Combine(data, name + ".csv"));
        var catalog = DataCatalog.Load(new DataCatalogOptions { OverrideDirectory = data, CacheDirectory = tmp.Sub("cache"), AllowDownload = false });
        string output = tmp.Sub("out");
        var result = StudyReproduction.Run(new ReproductionOptions(output, catalog, Png: false));
        Assert.DoesNotContain(result.Files, f => f.Contains("fine-tune", StringComparison.Ordinal));
        Assert.Contains(result.Findings, f => f.StartsWith("Supplementary Figure 5 skipped: dataset 'LitESM2ne_res_DMS_all' is not available offline", StringComparison.Ordinal));
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "manifest.json")));
        var step = manifest.RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == "supp5-fine-tune");
        Assert.Contains("not available offline", step.GetProperty("skipped").GetString());
        Assert.Equal(5, manifest.RootElement.GetProperty("inputs").GetArrayLength());
    }
}
