using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PlmKit.Data;
using PlmKit.Statistics;

namespace PlmKit.Figures;

/// <summary>Options of <see cref="StudyReproduction.Run"/>.</summary>
/// <param name="OutputDirectory">Folder for <c>tables/</c>, <c>figures/</c> and <c>manifest.json</c>.</param>
/// <param name="Catalog">Where the study's tables come from (override folder, cache or download).</param>
/// <param name="Png">Render PNGs with Chromium (false: HTML figures only).</param>
/// <param name="Margin">Equivalence margin in R² for "the smallest model within m of the best".</param>
public sealed record ReproductionOptions(string OutputDirectory, DataCatalog Catalog, bool Png = true, double Margin = 0.02);

/// <summary>What <see cref="StudyReproduction.Run"/> wrote and found.</summary>
/// <param name="Files">Every file written, relative to the output folder, in order (manifest last).</param>
/// <param name="Findings">One line per answer, e.g. "best compression: mean".</param>
public sealed record ReproductionResult(IReadOnlyList<string> Files, IReadOnlyList<string> Findings);

/// <summary>
/// Reproduces the study's statistics and figures from its published result tables, through the
/// library: Figure 2 (mixed model + glht contrasts of every compression against mean), Figure 3
/// (R² against model size, plus contrasts against the largest model and equivalence tests),
/// R² against dataset size and protein length with log-linear fits, the learning curves, and
/// Figures 2 and 3 again on the PISCES property targets.
/// Writes tidy CSVs (the lme4 reference files' columns where there is one), HTML + PNG figures and
/// a manifest with the SHA-256 of every input and output.
/// </summary>
public static class StudyReproduction
{
    /// <summary>Catalogue names of the tables the reproduction reads.</summary>
    public static IReadOnlyList<string> Inputs { get; } =
        ["summary_DMS_esm2_150M_all_methods", "DMS_all_multi_model_metadata", "lassoCV_sampling_all_models_and_datasets",
         "summary_PISCES_esm2_150M_all_methods", "PISCES_all_multi_model"];

    /// <summary>Runs every step and writes the output folder.</summary>
    /// <param name="options">Output folder, catalogue, PNG switch and margin.</param>
    /// <param name="log">Progress lines (one per step), or null.</param>
    /// <exception cref="PlmKitException">A table cannot be resolved or read, or a tool (plotly.js, Chromium) is missing.</exception>
    public static ReproductionResult Run(ReproductionOptions options, TextWriter? log = null)
    {
        if (!(options.Margin > 0)) throw new ConfigurationException("the equivalence margin must be a positive number");
        // Check tools and inputs before writing anything.
        string plotlyJs = PlotlyJs.Read();
        if (options.Png) FigureExport.LocateChromium();
        var paths = Inputs.ToDictionary(n => n, options.Catalog.Resolve);

        string root = Path.GetFullPath(options.OutputDirectory);
        string tables = Path.Combine(root, "tables"), figures = Path.Combine(root, "figures");
        Directory.CreateDirectory(tables);
        Directory.CreateDirectory(figures);
        var files = new List<string>();
        var findings = new List<string>();
        var steps = new List<object>();
        void Table(string name, string[] header, IEnumerable<object[]> rows)
        {
            File.WriteAllText(Path.Combine(tables, name), TidyCsv.Format(header, rows), new UTF8Encoding(false));
            files.Add(Path.Combine("tables", name));
        }
        void Figure(StudyFigure figure, string prefix = "")
        {
            foreach (var f in FigureExport.WriteAll(figure, figures, options.Png, plotlyJs, prefix))
                files.Add(Path.GetRelativePath(root, f));
        }
        var clock = Stopwatch.StartNew();

        // Figure 2: compression methods against mean (ESM-2 150M, DMS assays).
        var summary = TidyTable.Read(paths["summary_DMS_esm2_150M_all_methods"]);
        var (compression, compressionFit, compressionContrasts) = CompressionData.FromResults(summary);
        WriteFit(Table, "dms_compression", compressionFit, compressionContrasts);
        Figure(StudyFigure.Of(compression));
        var bestMethod = compression.Contrasts.All(c => c.ConfHigh < 0) ? compression.Reference : compression.Contrasts[0].Contrast;
        findings.Add($"Figure 2: best compression {bestMethod}; every other method's simultaneous 95% interval lies below 0: {compression.Contrasts.All(c => c.ConfHigh < 0)}");
        steps.Add(new { step = "compression", input = "summary_DMS_esm2_150M_all_methods", formula = compressionFit.Formula.ToString(), singular = compressionFit.IsSingular, seconds = Lap(clock) });
        log?.WriteLine(findings[^1]);

        // Figure 3: R² against model size; contrasts against the largest model; equivalence.
        var multi = TidyTable.Read(paths["DMS_all_multi_model_metadata"]);
        var folds = StudyTables.FoldScores(multi);
        var sizeData = ModelSizeData.Compute(folds);
        Figure(StudyFigure.Of(sizeData));
        var largest = sizeData.Medians.MaxBy(m => m.Model.Parameters)!.Model;
        string factor = "Model:ModelSize";
        var modelFormula = new MixedModelFormula("R2_score_test", [new FactorEffect(["Model", "ModelSize"], Level(largest))], [],
            [new RandomIntercept("Dataset"), new RandomIntercept("Fold")]);
        var modelFit = LinearMixedModel.Fit(multi, modelFormula);
        var modelContrasts = MultipleComparisons.Dunnett(modelFit, factor);
        WriteFit(Table, "dms_models", modelFit, modelContrasts);
        var smallestFirst = sizeData.Medians.OrderBy(m => m.Model.Parameters).ThenBy(m => m.Model).Select(m => Level(m.Model)).ToList();
        var equivalence = Equivalence.SmallestWithinMargin(modelFit, factor, smallestFirst, options.Margin);
        Table("dms_models_equivalence.csv", ["contrast", "estimate", "std_error", "margin", "p_tost", "conf_low_90", "conf_high_90", "equivalent"],
            equivalence.Tests.Select(t => new object[] { t.Name, t.Estimate, t.StdError, t.Margin, t.PValue, t.ConfLow, t.ConfHigh, t.Equivalent }));
        var bestMedian = sizeData.Medians.MaxBy(m => m.MedianR2)!;
        findings.Add($"Figure 3: highest median R² {bestMedian.Model.Label} ({bestMedian.MedianR2:0.000}); mixed model best {equivalence.Best}; " +
                     $"smallest model within {options.Margin.ToString(CultureInfo.InvariantCulture)} R² of it (TOST): {equivalence.Smallest}");
        steps.Add(new { step = "model-size", input = "DMS_all_multi_model_metadata", formula = modelFit.Formula.ToString(), reference = Level(largest),
            best = equivalence.Best, margin = options.Margin, smallest_within_margin = equivalence.Smallest, seconds = Lap(clock) });
        log?.WriteLine(findings[^1]);

        // R² against dataset size and protein length.
        var bySize = DatasetSizeData.Compute(folds, StudyTables.Datasets(multi));
        Figure(StudyFigure.Of(bySize));
        findings.Add(string.Create(CultureInfo.InvariantCulture,
            $"Dataset size: R² = {bySize.SizeFit.Intercept:0.000} + {bySize.SizeFit.Slope:0.000}·log10(n), fit R² {bySize.SizeFit.RSquared:0.000}; " +
            $"protein length: slope {bySize.LengthFit.Slope:0.000} per tenfold, fit R² {bySize.LengthFit.RSquared:0.000}"));
        steps.Add(new { step = "dataset-size", input = "DMS_all_multi_model_metadata", seconds = Lap(clock) });
        log?.WriteLine(findings[^1]);

        // Learning curves.
        var curves = LearningCurveData.Compute(StudyTables.SamplingScores(TidyTable.Read(paths["lassoCV_sampling_all_models_and_datasets"])));
        Figure(StudyFigure.Of(curves));
        findings.Add($"Learning curves: {curves.Datasets.Count} datasets, {curves.Points.Select(p => p.Model).Distinct().Count()} models");
        steps.Add(new { step = "learning-curve", input = "lassoCV_sampling_all_models_and_datasets", seconds = Lap(clock) });
        log?.WriteLine(findings[^1]);

        // The same two analyses on the PISCES property targets (12 targets computed from sequence and
        // structure; each target plays the part of a dataset).
        var piscesSummary = TidyTable.Read(paths["summary_PISCES_esm2_150M_all_methods"]);
        var (piscesCompression, piscesFit, piscesContrasts) = CompressionData.FromResults(piscesSummary);
        WriteFit(Table, "pisces_compression", piscesFit, piscesContrasts);
        Figure(new StudyFigure(FigureKind.Compression,
            StudyFigures.Compression(piscesCompression, "PISCES property targets: compression methods against mean pooling"),
            StudyFigure.Of(piscesCompression).Tables), "pisces_");
        var piscesSizes = ModelSizeData.Compute(StudyTables.FoldScores(TidyTable.Read(paths["PISCES_all_multi_model"])));
        Figure(new StudyFigure(FigureKind.ModelSize,
            StudyFigures.ModelSize(piscesSizes, "PISCES property targets: R² against model size"),
            StudyFigure.Of(piscesSizes).Tables), "pisces_");
        var piscesBest = piscesSizes.Medians.MaxBy(m => m.MedianR2)!;
        findings.Add($"PISCES: best compression {(piscesCompression.Contrasts.All(c => c.ConfHigh < 0) ? piscesCompression.Reference : piscesCompression.Contrasts[0].Contrast)}; " +
                     $"highest median R² {piscesBest.Model.Label} ({piscesBest.MedianR2:0.000})");
        steps.Add(new { step = "pisces", inputs = new[] { "summary_PISCES_esm2_150M_all_methods", "PISCES_all_multi_model" },
            formula = piscesFit.Formula.ToString(), singular = piscesFit.IsSingular, seconds = Lap(clock) });
        log?.WriteLine(findings[^1]);

        string manifest = Path.Combine(root, "manifest.json");
        File.WriteAllText(manifest, JsonSerializer.Serialize(new
        {
            tool = "plmkit reproduce",
            version = PlmKitVersion.Current,
            created_utc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            study = "Vieira, Handojo, Wilke: Medium-sized protein language models perform well at transfer learning on realistic datasets",
            inputs = paths.Select(p => new { name = p.Key, path = p.Value, sha256 = FileHash.Sha256(p.Value), url = options.Catalog.Get(p.Key).Url }),
            steps,
            findings,
            outputs = files.Select(f => new { file = f, sha256 = FileHash.Sha256(Path.Combine(root, f)), bytes = new FileInfo(Path.Combine(root, f)).Length }),
        }, new JsonSerializerOptions { WriteIndented = true }));
        files.Add("manifest.json");
        return new ReproductionResult(files, findings);
    }

    /// <summary>The mixed model's level name of a model: <c>family:size</c> as the tables write them.</summary>
    private static string Level(ModelId model) => $"{model.Family}:{model.Size}";

    private static double Lap(Stopwatch clock)
    {
        double s = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return Math.Round(s, 3);
    }

    /// <summary>Fixed effects, variance components and contrasts with the columns of the lme4 reference files.</summary>
    private static void WriteFit(Action<string, string[], IEnumerable<object[]>> table, string prefix, MixedModelFit fit, ContrastTable contrasts)
    {
        table(prefix + "_fixed.csv", ["term", "estimate", "std_error", "statistic"],
            fit.FixedEffects.Select(e => new object[] { e.Label, e.Estimate, e.StdError, e.TValue }));
        table(prefix + "_varcomp.csv", ["grp", "vcov", "sdcor"],
            fit.VarianceComponents.Select(c => new object[] { c.Group, c.Variance, c.StdDev }));
        table(prefix + "_glht.csv", ["contrast", "estimate", "std_error", "z", "p_adj_single_step", "conf_low", "conf_high"],
            contrasts.Contrasts.Select(c => new object[] { c.Name, c.Estimate, c.StdError, c.Z, c.PValue, c.ConfLow, c.ConfHigh }));
    }
}
