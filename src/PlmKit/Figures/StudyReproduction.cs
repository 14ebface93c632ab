using System.Diagnostics;
using System.Globalization;
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
/// Figures 2 and 3 again on the PISCES property targets, and, when the fine-tuning table is
/// available, Supplementary Figure 5 (LoRA fine-tuning against a Lasso on embeddings, <see cref="FineTuneComparison"/>).
/// Writes tidy CSVs (the lme4 reference files' columns where there is one), HTML + PNG figures and
/// a manifest with the SHA-256 of every input and output.
/// </summary>
public static class StudyReproduction
{
    /// <summary>Catalogue names of the tables the reproduction reads.</summary>
    public static IReadOnlyList<string> Inputs { get; } =
        ["summary_DMS_esm2_150M_all_methods", "DMS_all_multi_model_metadata", "lassoCV_sampling_all_models_and_datasets",
         "summary_PISCES_esm2_150M_all_methods", "PISCES_all_multi_model"];

    /// <summary>
    /// Catalogue names of tables used when they can be had (locally, or by download when allowed);
    /// without them their step is skipped and the manifest says why. A local copy with the wrong
    /// checksum is still an error.
    /// </summary>
    public static IReadOnlyList<string> OptionalInputs { get; } = ["LitESM2ne_res_DMS_all"];

    /// <summary>Runs every step and writes the output folder.</summary>
    /// <param name="options">Output folder, catalogue, PNG switch and margin.</param>
    /// <param name="log">Progress lines (one per step), or null.</param>
    /// <exception cref="PlmKitException">A table cannot be resolved or read, or a tool (plotly.js, Chromium) is missing.</exception>
    public static ReproductionResult Run(ReproductionOptions options, TextWriter? log = null)
    {
        if (!(options.Margin > 0)) throw new ConfigurationException("the equivalence margin must be a positive number");
        // Check tools and inputs, and compute every analysis and figure, before writing anything:
        // a failure leaves no half-written folder.
        string plotlyJs = PlotlyJs.Read();
        if (options.Png) FigureExport.LocateChromium();
        var paths = Inputs.ToDictionary(n => n, options.Catalog.Resolve);
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in OptionalInputs)
        {
            try
            {
                paths[name] = options.Catalog.Resolve(name);
            }
            catch (PlmKitException e) when (e is not InputException and not ConfigurationException)
            {
                skipped[name] = e.Message;   // not available offline, or the download failed
            }
        }

        var analyses = new List<(string Prefix, StudyAnalysisResult Result)>();
        var figureList = new List<(StudyFigure Figure, string Prefix)>();
        var findings = new List<string>();
        var steps = new List<object>();
        var clock = Stopwatch.StartNew();

        // Figure 2: compression methods against mean (ESM-2 150M, DMS assays).
        var compressionAnalysis = StudyAnalysis.Run(TidyTable.Read(paths["summary_DMS_esm2_150M_all_methods"]), CompressionData.StudySettings());
        var compression = CompressionData.Of(compressionAnalysis);
        analyses.Add(("dms_compression", compressionAnalysis));
        figureList.Add((StudyFigure.Of(compression), ""));
        var bestMethod = compression.Contrasts.All(c => c.ConfHigh < 0) ? compression.Reference : compression.Contrasts[0].Contrast;
        findings.Add($"Figure 2: best compression {bestMethod}; every other method's simultaneous 95% interval lies below 0: {compression.Contrasts.All(c => c.ConfHigh < 0)}");
        steps.Add(new { step = "compression", input = "summary_DMS_esm2_150M_all_methods", formula = compressionAnalysis.Fit.Formula.ToString(),
            singular = compressionAnalysis.Fit.IsSingular, seconds = Lap(clock) });
        log?.WriteLine(findings[^1]);

        // Figure 3: R² against model size; contrasts against the largest model; equivalence.
        var multi = TidyTable.Read(paths["DMS_all_multi_model_metadata"]);
        var folds = StudyTables.FoldScores(multi);
        var sizeData = ModelSizeData.Compute(folds);
        figureList.Add((StudyFigure.Of(sizeData), ""));
        var largest = sizeData.Medians.MaxBy(m => m.Model.Parameters)!.Model;
        // The models ordered by size come from the model names (ModelId), not from a column, so
        // the order is given to the equivalence test directly rather than as an order-by column.
        var modelSettings = new StudyAnalysisSettings("R2_score_test", new FactorEffect(["Model", "ModelSize"], Level(largest)),
            [new RandomIntercept("Dataset"), new RandomIntercept("Fold")], Margin: options.Margin);
        var smallestFirst = sizeData.Medians.OrderBy(m => m.Model.Parameters).ThenBy(m => m.Model).Select(m => Level(m.Model)).ToList();
        var modelAnalysis = StudyAnalysis.Run(multi, modelSettings, smallestFirst);
        analyses.Add(("dms_models", modelAnalysis));
        var equivalence = modelAnalysis.Equivalence!;
        var bestMedian = sizeData.Medians.MaxBy(m => m.MedianR2)!;
        findings.Add($"Figure 3: highest median R² {bestMedian.Model.Label} ({bestMedian.MedianR2:0.000}); mixed model best {equivalence.Best}; " +
                     $"smallest model within {options.Margin.ToString(CultureInfo.InvariantCulture)} R² of it (TOST): {equivalence.Smallest}");
        steps.Add(new { step = "model-size", input = "DMS_all_multi_model_metadata", formula = modelAnalysis.Fit.Formula.ToString(), reference = Level(largest),
            best = equivalence.Best, margin = options.Margin, smallest_within_margin = equivalence.Smallest, seconds = Lap(clock) });
        log?.WriteLine(findings[^1]);

        // R² against dataset size and protein length.
        var bySize = DatasetSizeData.Compute(folds, StudyTables.Datasets(multi));
        figureList.Add((StudyFigure.Of(bySize), ""));
        findings.Add(string.Create(CultureInfo.InvariantCulture,
            $"Dataset size: R² = {bySize.SizeFit.Intercept:0.000} + {bySize.SizeFit.Slope:0.000}·log10(n), fit R² {bySize.SizeFit.RSquared:0.000}; " +
            $"protein length: slope {bySize.LengthFit.Slope:0.000} per tenfold, fit R² {bySize.LengthFit.RSquared:0.000}"));
        steps.Add(new { step = "dataset-size", input = "DMS_all_multi_model_metadata", seconds = Lap(clock) });
        log?.WriteLine(findings[^1]);

        // Learning curves.
        var curves = LearningCurveData.Compute(StudyTables.SamplingScores(TidyTable.Read(paths["lassoCV_sampling_all_models_and_datasets"])));
        figureList.Add((StudyFigure.Of(curves), ""));
        findings.Add($"Learning curves: {curves.Datasets.Count} datasets, {curves.Points.Select(p => p.Model).Distinct().Count()} models");
        steps.Add(new { step = "learning-curve", input = "lassoCV_sampling_all_models_and_datasets", seconds = Lap(clock) });
        log?.WriteLine(findings[^1]);

        // The same two analyses on the PISCES property targets (12 targets computed from sequence and
        // structure; each target plays the part of a dataset).
        var piscesAnalysis = StudyAnalysis.Run(TidyTable.Read(paths["summary_PISCES_esm2_150M_all_methods"]), CompressionData.StudySettings());
        var piscesCompression = CompressionData.Of(piscesAnalysis);
        analyses.Add(("pisces_compression", piscesAnalysis));
        figureList.Add((new StudyFigure(FigureKind.Compression,
            StudyFigures.Compression(piscesCompression, "PISCES property targets: compression methods against mean pooling"),
            StudyFigure.Of(piscesCompression).Tables), "pisces_"));
        var piscesSizes = ModelSizeData.Compute(StudyTables.FoldScores(TidyTable.Read(paths["PISCES_all_multi_model"])));
        figureList.Add((new StudyFigure(FigureKind.ModelSize,
            StudyFigures.ModelSize(piscesSizes, "PISCES property targets: R² against model size"),
            StudyFigure.Of(piscesSizes).Tables), "pisces_"));
        var piscesBest = piscesSizes.Medians.MaxBy(m => m.MedianR2)!;
        findings.Add($"PISCES: best compression {(piscesCompression.Contrasts.All(c => c.ConfHigh < 0) ? piscesCompression.Reference : piscesCompression.Contrasts[0].Contrast)}; " +
                     $"highest median R² {piscesBest.Model.Label} ({piscesBest.MedianR2:0.000})");
        steps.Add(new { step = "pisces", inputs = new[] { "summary_PISCES_esm2_150M_all_methods", "PISCES_all_multi_model" },
            formula = piscesAnalysis.Fit.Formula.ToString(), singular = piscesAnalysis.Fit.IsSingular, seconds = Lap(clock) });
        log?.WriteLine(findings[^1]);

        // Supplementary Figure 5: LoRA fine-tuning against a Lasso on the same model's embeddings.
        if (paths.TryGetValue("LitESM2ne_res_DMS_all", out var fineTunePath))
        {
            var comparison = FineTuneComparison.Compute(TidyTable.Read(fineTunePath), multi);
            figureList.Add((StudyFigure.Of(comparison), ""));
            findings.Add("Supplementary Figure 5: fine-tuning minus Lasso R² (mean, 95% t interval, wins): " + string.Join("; ", comparison.Models.Select(m =>
                string.Create(CultureInfo.InvariantCulture, $"ESM-2 {m.ModelSize} {m.MeanDifference:+0.000;-0.000} [{m.ConfLow:0.000}, {m.ConfHigh:0.000}] {m.Wins}/{m.Datasets}"))));
            steps.Add(new { step = "fine-tune", inputs = new[] { "LitESM2ne_res_DMS_all", "DMS_all_multi_model_metadata" },
                pairs = comparison.Pairs.Count, unmatched = comparison.Unmatched, seconds = Lap(clock) });
        }
        else
        {
            findings.Add($"Supplementary Figure 5 skipped: {skipped["LitESM2ne_res_DMS_all"]}");
            steps.Add(new { step = "fine-tune", skipped = skipped["LitESM2ne_res_DMS_all"] });
        }
        log?.WriteLine(findings[^1]);

        // Everything is checked and computed: write the tables, the figures, and the manifest last.
        string root = Path.GetFullPath(options.OutputDirectory);
        string tables = Path.Combine(root, "tables"), figures = Path.Combine(root, "figures");
        var manifest = new Manifest("reproduce")
            .Config("margin", options.Margin)
            .Config("png", options.Png)
            .Set("study", "Vieira, Handojo, Wilke: Medium-sized protein language models perform well at transfer learning on realistic datasets")
            .Set("input_urls", paths.ToDictionary(p => p.Key, p => options.Catalog.Get(p.Key).Url));
        foreach (var path in paths.Values) manifest.Input(path);
        var files = new List<string>();
        foreach (var (prefix, analysis) in analyses)
        {
            files.AddRange(analysis.WriteTables(tables, prefix));
            analysis.Describe(manifest, prefix);
        }
        foreach (var (figure, prefix) in figureList)
            files.AddRange(FigureExport.WriteAll(figure, figures, options.Png, plotlyJs, prefix));
        foreach (var f in files) manifest.Output(f);
        manifest.Set("steps", steps).Set("findings", findings);
        string manifestPath = Path.Combine(root, "manifest.json");
        manifest.Write(manifestPath);
        files.Add(manifestPath);
        return new ReproductionResult([.. files.Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))], findings);
    }

    /// <summary>The mixed model's level name of a model: <c>family:size</c> as the tables write them.</summary>
    private static string Level(ModelId model) => $"{model.Family}:{model.Size}";

    private static double Lap(Stopwatch clock)
    {
        double s = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return Math.Round(s, 3);
    }
}
