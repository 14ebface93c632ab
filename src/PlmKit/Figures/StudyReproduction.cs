using System.Diagnostics;
using System.Globalization;
using PlmKit.Data;
using PlmKit.Statistics;

namespace PlmKit.Figures;

/// <summary>Options of <see cref="StudyReproduction.Run"/>.</summary>
/// <param name="OutputDirectory">Folder for <c>index.html</c>, <c>tables/</c>, <c>figures/</c>, <c>headline-numbers.csv</c> and <c>manifest.json</c>.</param>
/// <param name="Catalog">Where the study's tables come from (override folder, cache or download).</param>
/// <param name="Png">Render PNGs with Chromium (false: HTML figures only).</param>
/// <param name="Margin">Equivalence margin in R² for "the smallest model within m of the best".</param>
/// <param name="NotebookPages">A folder of notebooks rendered to HTML, copied into <c>notebooks/</c> and listed by the gallery; null for none.</param>
/// <param name="RenderNotebooks">A notebooks folder (<see cref="NotebookRendering.FindNotebooks"/>) whose notebooks are executed and rendered to HTML into <c>notebooks/</c> (instead of <paramref name="NotebookPages"/>); null for none.</param>
/// <param name="Only">Ids of the figures to write (see <see cref="StudyReproduction.FigureIds"/>); null for all. Tables and numbers are always written.</param>
public sealed record ReproductionOptions(string OutputDirectory, DataCatalog Catalog, bool Png = true, double Margin = 0.02,
    string? NotebookPages = null, IReadOnlyList<string>? Only = null, string? RenderNotebooks = null);

/// <summary>What <see cref="StudyReproduction.Run"/> wrote and found.</summary>
/// <param name="Files">Every file written, relative to the output folder, in order (manifest last).</param>
/// <param name="Findings">One line per figure or answer, e.g. "Figure 2A: best compression mean; …".</param>
/// <param name="Figures">The figures written, in gallery order.</param>
/// <param name="Numbers">The headline numbers (also in <c>headline-numbers.csv</c>), for checking prose against.</param>
public sealed record ReproductionResult(IReadOnlyList<string> Files, IReadOnlyList<string> Findings,
    IReadOnlyList<GalleryFigure> Figures, IReadOnlyList<HeadlineNumber> Numbers);

/// <summary>
/// Reproduces the study's figures and statistics from its published result tables, with the
/// study's own data selections (<see cref="PaperBasis"/>, from SWAT's <c>stats_plots.Rmd</c> and
/// <c>plot_results_fineTune_lora.ipynb</c>): Figures 2A/B, 3A/B, 4A/B and 5, Supplementary Figures
/// 1, 2, 3, 5 and 6–9; then PlmKit's additions, each labelled as such (all 40 assays, a pooled
/// size fit, every learning-curve size with crossovers, the mixed model of models with TOST).
/// Writes tidy CSVs, HTML + PNG figures with the numbers drawn, an <c>index.html</c> gallery, the
/// headline numbers, and a manifest with the SHA-256 of every input and output.
/// </summary>
public static class StudyReproduction
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

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

    /// <summary>Ids of every figure the reproduction draws, in gallery order (the fine-tuning one only when its table is available).</summary>
    public static IReadOnlyList<string> FigureIds { get; } =
    [
        "fig2a-dms-compression", "fig2b-pisces-compression", "fig3a-dms-model-size", "fig3b-pisces-model-size",
        "fig4a-learning-curves", "fig4b-features", "fig5-esmc-600m-size-length",
        "supp1-dms-methods", "supp2-pisces-methods", "supp3-long-assays", "supp-dms-dataset-sizes", "supp5-fine-tune",
        "supp6-9-esm1v-size-length", "supp6-9-esm2-size-length", "supp6-9-esmc-300m-size-length", "supp6-9-amplify-size-length",
        "plmkit-model-size-all-assays", "plmkit-models-vs-largest", "plmkit-dataset-size-pooled", "plmkit-learning-curves-all",
    ];

    /// <summary>Name of the headline-numbers table in the output folder.</summary>
    public const string NumbersFile = "headline-numbers.csv";

    /// <summary>Runs every step and writes the output folder.</summary>
    /// <param name="options">Output folder, catalogue, PNG switch, margin, notebook pages, figure selection.</param>
    /// <param name="log">Progress lines (one per figure), or null.</param>
    /// <exception cref="PlmKitException">A table cannot be resolved or read, a tool (plotly.js, Chromium) is missing, or an option is bad.</exception>
    public static ReproductionResult Run(ReproductionOptions options, TextWriter? log = null)
    {
        if (!(options.Margin > 0)) throw new ConfigurationException("the equivalence margin must be a positive number");
        OutputFolder.Check(options.OutputDirectory, "--out", ".html", ".csv");
        if (options.Only?.FirstOrDefault(id => !FigureIds.Contains(id, StringComparer.Ordinal)) is { } unknown)
            throw new ConfigurationException($"unknown figure '{unknown}': use one of {string.Join(", ", FigureIds)}");
        if (options.NotebookPages is { } pagesDir && !Directory.Exists(pagesDir))
            throw new ConfigurationException($"the notebook pages folder '{pagesDir}' does not exist");
        if (options.RenderNotebooks is { } notebooksDir)
        {
            if (options.NotebookPages is not null) throw new ConfigurationException("--notebooks and --render-notebooks exclude each other: give rendered pages or render them, not both");
            NotebookRendering.Check(notebooksDir);
        }
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

        var run = new Builder(options.Margin, log);
        run.All(paths);

        // The notebooks run last among the checks: a failing notebook stops the reproduction before anything is written.
        string? rendered = null;
        if (options.RenderNotebooks is { } toRender)
        {
            rendered = Path.Combine(Path.GetTempPath(), $"plmkit-notebooks-{Guid.NewGuid():N}");
            try
            {
                NotebookRendering.Render(toRender, rendered, log);
            }
            catch
            {
                if (Directory.Exists(rendered)) Directory.Delete(rendered, recursive: true);
                throw;
            }
        }
        try
        {
            return Write(options, paths, skipped, run, plotlyJs, rendered ?? options.NotebookPages, log);
        }
        finally
        {
            if (rendered is not null && Directory.Exists(rendered)) Directory.Delete(rendered, recursive: true);
        }
    }

    private static ReproductionResult Write(ReproductionOptions options, Dictionary<string, string> paths, Dictionary<string, string> skipped, Builder run, string plotlyJs, string? notebookSource, TextWriter? log)
    {

        // Everything is checked and computed. The figures are drawn first, into a sibling folder: drawing a PNG starts
        // Chromium, the one step that can still fail, and a crash on figure N must not leave figures 1..N−1 without an
        // index or manifest. Then the tables, the figures moved in, the gallery, the numbers, and the manifest last.
        string root = Path.GetFullPath(options.OutputDirectory);
        string tables = Path.Combine(root, "tables"), figures = Path.Combine(root, "figures");
        string staging = Path.Combine(Path.GetDirectoryName(root) ?? Path.GetTempPath(), $".{Path.GetFileName(root)}.partial-{Guid.NewGuid():N}");
        var chosen = run.Figures.Where(f => options.Only is null || options.Only.Contains(f.Id, StringComparer.Ordinal)).ToList();
        var staged = new List<(GalleryFigure Figure, IReadOnlyList<string> Files)>();
        try
        {
            foreach (var figure in chosen)
                staged.Add((figure, FigureExport.WriteAll(figure.Figure, staging, options.Png, plotlyJs, stem: figure.Id)));
            return WriteDrawn(options, paths, skipped, run, notebookSource, log, root, tables, figures, staging, chosen, staged);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static ReproductionResult WriteDrawn(ReproductionOptions options, Dictionary<string, string> paths, Dictionary<string, string> skipped, Builder run,
        string? notebookSource, TextWriter? log, string root, string tables, string figures, string staging,
        List<GalleryFigure> chosen, List<(GalleryFigure Figure, IReadOnlyList<string> Files)> staged)
    {
        var manifest = new Manifest("reproduce")
            .Config("margin", options.Margin)
            .Config("png", options.Png)
            .Set("study", "Vieira, Handojo, Wilke: Medium-sized protein language models perform well at transfer learning on realistic datasets")
            .Set("input_urls", paths.ToDictionary(p => p.Key, p => options.Catalog.Get(p.Key).Url));
        if (options.Only is not null) manifest.Config("only", options.Only);
        foreach (var path in paths.Values) manifest.Input(path);
        var files = new List<string>();
        var tableFiles = new List<string>();
        foreach (var (prefix, analysis) in run.Analyses)
        {
            tableFiles.AddRange(analysis.WriteTables(tables, prefix));
            analysis.Describe(manifest, prefix);
        }
        files.AddRange(tableFiles);
        var drawn = new List<(GalleryFigure, IReadOnlyList<string>)>();
        Directory.CreateDirectory(figures);
        foreach (var (figure, stagedFiles) in staged)
        {
            var written = new List<string>();
            foreach (var file in stagedFiles)
            {
                string final = Path.Combine(figures, Path.GetRelativePath(staging, file));
                File.Move(file, final, overwrite: true);   // a rename: the folders are siblings
                written.Add(final);
            }
            files.AddRange(written);
            drawn.Add((figure, [.. written.Select(f => Relative(root, f))]));
        }
        string numbersPath = Path.Combine(root, NumbersFile);
        AtomicFile.WriteAllText(numbersPath, CsvFile.Format(["key", "value", "description"],
            run.Numbers.Select(n => new object[] { n.Key, n.Value, n.Description })));
        files.Add(numbersPath);
        var notebookPages = new List<string>();
        if (notebookSource is { } source)
        {
            string target = Path.Combine(root, Gallery.NotebooksFolder);
            Directory.CreateDirectory(target);
            foreach (var page in Directory.GetFiles(source, "*.html").Order(StringComparer.Ordinal))
            {
                string copy = Path.Combine(target, Path.GetFileName(page));
                AtomicFile.Write(copy, tmp => File.Copy(page, tmp, overwrite: true));
                files.Add(copy);
                notebookPages.Add(Relative(root, copy));
            }
            // The pages load ./plotly.min.js (render.py puts a copy beside them), so their charts draw offline.
            string plotlyCopy = Path.Combine(source, "plotly.min.js");
            if (notebookPages.Count > 0 && File.Exists(plotlyCopy))
            {
                string copy = Path.Combine(target, "plotly.min.js");
                AtomicFile.Write(copy, tmp => File.Copy(plotlyCopy, tmp, overwrite: true));
                files.Add(copy);
            }
        }
        var notes = skipped.Select(s => $"Not drawn: {s.Key} ({s.Value}).").ToList();
        string index = Path.Combine(root, "index.html");
        AtomicFile.WriteAllText(index, Gallery.Html(drawn, [.. tableFiles.Select(f => Relative(root, f)).Append(NumbersFile)], notebookPages, notes));
        files.Add(index);
        foreach (var f in files) manifest.Output(f);
        foreach (var reason in skipped.Values)
        {
            run.Steps.Add(new { step = "supp5-fine-tune", skipped = reason });
            run.Findings.Add($"Supplementary Figure 5 skipped: {reason}");
            log?.WriteLine(run.Findings[^1]);
        }
        manifest.Set("steps", run.Steps).Set("findings", run.Findings)
            .Set("figures", chosen.Select(f => new { id = f.Id, number = f.Number, title = f.Title, from_paper = f.FromPaper }));
        string manifestPath = Path.Combine(root, "manifest.json");
        manifest.Write(manifestPath);
        files.Add(manifestPath);
        return new ReproductionResult([.. files.Select(f => Relative(root, f))], run.Findings, chosen, run.Numbers);
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    private static string F(double x) => x.ToString("0.000", Inv);

    private static string S(double x) => x.ToString("+0.000;−0.000", Inv);

    /// <summary>Computes every figure, analysis and headline number, in memory.</summary>
    private sealed class Builder(double margin, TextWriter? log)
    {
        public List<(string Prefix, StudyAnalysisResult Result)> Analyses { get; } = [];
        public List<GalleryFigure> Figures { get; } = [];
        public List<HeadlineNumber> Numbers { get; } = [];
        public List<string> Findings { get; } = [];
        public List<object> Steps { get; } = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public void All(IReadOnlyDictionary<string, string> paths)
        {
            var dmsCompression = TidyTable.Read(paths["summary_DMS_esm2_150M_all_methods"]);
            var piscesCompression = TidyTable.Read(paths["summary_PISCES_esm2_150M_all_methods"]);
            var multi = PaperBasis.MeanPooled(TidyTable.Read(paths["DMS_all_multi_model_metadata"]));
            var folds = StudyTables.FoldScores(multi);
            var datasets = StudyTables.Datasets(multi);
            var piscesFolds = StudyTables.FoldScores(PaperBasis.MeanPooled(TidyTable.Read(paths["PISCES_all_multi_model"])));
            var sampling = StudyTables.SamplingScores(TidyTable.Read(paths["lassoCV_sampling_all_models_and_datasets"]));
            Numbers.Add(new("margin", margin, "equivalence margin in R² (an option of plmkit reproduce)"));

            Compression("fig2a-dms-compression", "Figure 2A", "dms_compression", "DMS", dmsCompression, "ESM-2 150M embeddings");
            Compression("fig2b-pisces-compression", "Figure 2B", "pisces_compression", "PISCES", piscesCompression, "ESM-2 150M embeddings");
            var fig3a = ModelSize("fig3a-dms-model-size", "Figure 3A", "DMS", PaperBasis.Figure3A(folds),
                $"the paper drops the four assays whose proteins are longer than ESM-1v's 1,022-residue window ({string.Join(", ", PaperBasis.LongProteinAssays)}; Supplementary Figure 3)");
            ModelSize("fig3b-pisces-model-size", "Figure 3B", "PISCES", piscesFolds, "every PISCES property target");
            Curves(sampling);
            var models = folds.Select(f => f.Model).Distinct().Order().ToList();
            SizeFits("fig5-esmc-600m-size-length", "Figure 5", [Find(models, "esmc", "600M", multi.Source)], folds, datasets);
            MethodScatter("supp1-dms-methods", "Supplementary Figure 1", "DMS", dmsCompression);
            MethodScatter("supp2-pisces-methods", "Supplementary Figure 2", "PISCES", piscesCompression);
            LongAssays(folds);
            SizeHistogram(datasets);
            if (paths.TryGetValue("LitESM2ne_res_DMS_all", out var fineTunePath))
                FineTune(TidyTable.Read(fineTunePath), multi);
            foreach (var (id, family, size) in new[] { ("supp6-9-esm1v-size-length", "esm1v", (string?)null), ("supp6-9-esm2-size-length", "esm2", null),
                         ("supp6-9-esmc-300m-size-length", "esmc", "300M"), ("supp6-9-amplify-size-length", "amplify", null) })
            {
                var chosen = models.Where(m => m.Family == family && (size is null || m.Size == size)).ToList();
                if (chosen.Count == 0) throw new InputException(multi.Source, null, $"no {ModelId.FamilyDisplayName(family)} {size} rows: Supplementary Figures 6–9 need them");
                SizeFits(id, "Supplementary Figures 6–9", chosen, folds, datasets);
            }
            AllAssays(folds, fig3a);
            ModelsVsLargest(multi, fig3a);
            Pooled(folds, datasets);
            AllCurves(sampling);
        }

        private void Add(GalleryFigure figure, string finding, object step)
        {
            Figures.Add(figure);
            Findings.Add(finding);
            Steps.Add(step);
            log?.WriteLine(finding);
        }

        private double Lap()
        {
            double s = _clock.Elapsed.TotalSeconds;
            _clock.Restart();
            return Math.Round(s, 3);
        }

        private static ModelId Find(IEnumerable<ModelId> models, string family, string size, string source) =>
            models.FirstOrDefault(m => m.Family == family && m.Size == size)
            ?? throw new InputException(source, null, $"no {ModelId.FamilyDisplayName(family)} {size} rows, which the paper's figures need");

        private void Compression(string id, string number, string prefix, string assays, TidyTable table, string embeddings)
        {
            var analysis = StudyAnalysis.Run(table, CompressionData.StudySettings());
            var data = CompressionData.Of(analysis);
            Analyses.Add((prefix, analysis));
            int n = table.Strings("Dataset").Distinct().Count();
            var closest = data.Contrasts[0];
            var farthest = data.Contrasts[^1];
            int below = data.Contrasts.Count(c => c.ConfHigh < 0);
            string best = below == data.Contrasts.Count ? data.Reference : closest.Contrast;
            string key = id[..5];
            Numbers.Add(new($"{key}.closest.estimate", closest.Estimate, $"{number}: {closest.Contrast} minus mean pooling, test R²"));
            Numbers.Add(new($"{key}.closest.conf_low", closest.ConfLow, $"{number}: lower end of its simultaneous 95% interval"));
            Numbers.Add(new($"{key}.closest.conf_high", closest.ConfHigh, $"{number}: upper end of its simultaneous 95% interval"));
            Numbers.Add(new($"{key}.farthest.estimate", farthest.Estimate, $"{number}: {farthest.Contrast} minus mean pooling, test R²"));
            string caption = $"Difference in test R² of each compression method from mean pooling ({embeddings}, LassoCV, 5 folds, {n} {assays} " +
                $"{(assays == "DMS" ? "assays" : "property targets")}), from lmer(R2_score_test ~ Compression_method + (1|Dataset) + (1|Fold)) and every method " +
                $"against mean (multcomp glht, single-step simultaneous 95% intervals), as SWAT's stats_plots.Rmd fits it. " +
                $"{below} of {data.Contrasts.Count} methods have their whole interval below 0. Closest to mean pooling: {closest.Contrast} " +
                $"{S(closest.Estimate)} R² [{F(closest.ConfLow)}, {F(closest.ConfHigh)}]; farthest: {farthest.Contrast} {S(farthest.Estimate)}.";
            var figure = new StudyFigure(FigureKind.Compression,
                StudyFigures.Compression(data, $"{number}: compression methods against mean pooling ({assays})"), StudyFigure.Of(data).Tables);
            Add(new GalleryFigure(id, number, $"Compression methods against mean pooling ({assays})", caption, true, figure),
                $"{number}: best compression {best}; every other method's simultaneous 95% interval lies below 0: {below == data.Contrasts.Count}; " +
                $"closest {closest.Contrast} {S(closest.Estimate)}",
                new { step = id, formula = analysis.Fit.Formula.ToString(), singular = analysis.Fit.IsSingular, seconds = Lap() });
        }

        private ModelSizeData ModelSize(string id, string number, string assays, IReadOnlyList<FoldScore> folds, string basis)
        {
            var data = ModelSizeData.Compute(folds);
            int n = data.Scores.Select(s => s.Dataset).Distinct().Count();
            string key = id[..5];
            foreach (var m in data.Medians)
                Numbers.Add(new($"{key}.median.{m.Model.Family}:{m.Model.Size}", m.MedianR2, $"{number}: median over {m.Datasets} {assays} sets of {m.Model.Label}'s mean test R²"));
            Numbers.Add(new($"{key}.assays", n, $"{number}: {assays} sets drawn"));
            var best = data.Medians.MaxBy(m => m.MedianR2)!;
            string caption = $"Test R² (mean over the 5 folds) of every model on every {assays} set against its parameter count, mean pooling, {n} sets: {basis}. " +
                $"The large markers are the medians over sets: {Medians(data)}. Highest median: {best.Model.Label} ({F(best.MedianR2)}).";
            var figure = new StudyFigure(FigureKind.ModelSize, StudyFigures.ModelSize(data, $"{number}: transfer-learning R² against model size ({assays}, {n} sets)"),
                StudyFigure.Of(data).Tables);
            Add(new GalleryFigure(id, number, $"R² against model size ({assays})", caption, true, figure),
                $"{number}: highest median R² {best.Model.Label} ({F(best.MedianR2)}) over {n} {assays} sets",
                new { step = id, sets = n, seconds = Lap() });
            return data;
        }

        private static string Medians(ModelSizeData data) =>
            string.Join("; ", data.Medians.GroupBy(m => m.Model.Family).Select(g =>
                $"{ModelId.FamilyDisplayName(g.Key)} " + string.Join(", ", g.Select(m => $"{m.Model.Size} {F(m.MedianR2)}"))));

        private void Curves(IReadOnlyList<SamplingScore> sampling)
        {
            var data = LearningCurveData.Compute(PaperBasis.Figure4(sampling));
            string sets = string.Join(", ", data.Datasets);
            var atLargest = data.Datasets.Select(d =>
            {
                var pts = data.Points.Where(p => p.Dataset == d).ToList();
                int largest = pts.Max(p => p.SampleSize);
                var top = pts.Where(p => p.SampleSize == largest).ToList();
                return (Dataset: d, Largest: largest, Best: top.MaxBy(p => p.MeanR2)!, Fewest: top.MinBy(p => p.MeanNonZero)!, Most: top.MaxBy(p => p.MeanNonZero)!);
            }).ToList();
            foreach (var a in atLargest)
            {
                Numbers.Add(new($"fig4a.{a.Dataset}.best_at_largest", a.Best.MeanR2, $"Figure 4A: {a.Best.Model.Label}'s mean test R² on {a.Dataset} at subsample {a.Largest}"));
                Numbers.Add(new($"fig4b.{a.Dataset}.most_features_at_largest", a.Most.MeanNonZero, $"Figure 4B: {a.Most.Model.Label}'s mean non-zero coefficients on {a.Dataset} at subsample {a.Largest}"));
            }
            string common = $"LassoCV on random subsamples of {sets} (5 folds at each size), as Figure 4 draws them: subsample size {PaperBasis.DroppedSampleSize} and " +
                $"ESM-1v left out ({data.Points.Select(p => p.SampleSize).Distinct().Count()} sizes, {data.Points.Select(p => p.Model).Distinct().Count()} models). " +
                "The x axis is the size of the subsample, test fold included: each fold trained on about four fifths of it.";
            var r2 = new StudyFigure(FigureKind.LearningCurve,
                StudyFigures.LearningCurve(data, "Figure 4A: test R² against subsample size (size 32 and ESM-1v left out, as in the paper)", id: "fig4a"),
                StudyFigure.Of(data).Tables);
            Add(new GalleryFigure("fig4a-learning-curves", "Figure 4A", "Learning curves: R² against subsample size",
                    common + " Best at the largest subsample: " + string.Join("; ", atLargest.Select(a => $"{a.Dataset} ({a.Largest}): {a.Best.Model.Label} {F(a.Best.MeanR2)}")) + ".",
                    true, r2),
                "Figure 4A: best at the largest subsample " + string.Join("; ", atLargest.Select(a => $"{a.Dataset} {a.Best.Model.Label} {F(a.Best.MeanR2)}")),
                new { step = "fig4a-learning-curves", rows = data.Points.Sum(p => p.Folds), seconds = Lap() });
            var features = StudyFigure.OfFeatures(data, "Figure 4B: non-zero Lasso coefficients against subsample size");
            Add(new GalleryFigure("fig4b-features", "Figure 4B", "Features the Lasso keeps against subsample size",
                    common + " Mean number of non-zero coefficients (± SD over folds) at the largest subsample: " +
                    string.Join("; ", atLargest.Select(a => $"{a.Dataset}: from {a.Fewest.MeanNonZero:0} ({a.Fewest.Model.Label}) to {a.Most.MeanNonZero:0} ({a.Most.Model.Label})")) + ".",
                    true, features),
                "Figure 4B: " + string.Join("; ", atLargest.Select(a => $"{a.Dataset} {a.Fewest.MeanNonZero:0}–{a.Most.MeanNonZero:0} features")),
                new { step = "fig4b-features", seconds = Lap() });
        }

        private void SizeFits(string id, string number, IReadOnlyList<ModelId> models, IReadOnlyList<FoldScore> folds, IReadOnlyList<DatasetInfo> datasets)
        {
            var data = ModelFitData.Compute(folds, datasets, models);
            string who = models.Count == 1 ? models[0].Label : $"{models[0].FamilyLabel} ({string.Join(", ", models.Select(m => m.Size))})";
            foreach (var f in data.Fits)
            {
                string key = $"{(number == "Figure 5" ? "fig5" : "supp6-9")}.{f.Model.Family}:{f.Model.Size}";
                Numbers.Add(new($"{key}.size_r2", f.Size.RSquared, $"{number}: fit R² of {f.Model.Label}'s mean test R² on log dataset size"));
                Numbers.Add(new($"{key}.size_slope", f.Size.Slope, $"{number}: its slope per tenfold dataset size"));
                Numbers.Add(new($"{key}.length_r2", f.Length.RSquared, $"{number}: fit R² on log protein length"));
                Numbers.Add(new($"{key}.length_slope", f.Length.Slope, $"{number}: its slope per tenfold protein length"));
            }
            string fits = string.Join("; ", data.Fits.Select(f =>
                $"{f.Model.Label}: dataset size fit R² {F(f.Size.RSquared)} (slope {S(f.Size.Slope)} per tenfold), protein length fit R² {F(f.Length.RSquared)} (slope {S(f.Length.Slope)})"));
            string caption = $"{who}: each DMS assay's test R² (mean ± SD over the 5 folds, mean pooling, every assay the model was run on) against " +
                $"the assay's number of variants (top) and its protein length (bottom), coloured by measurement group, with SWAT's per-model " +
                $"lm(mean R² ~ log(x)) dashed (PlmKit states the slope per tenfold; the fit R² is the same in any base). {fits}.";
            var figure = StudyFigure.Of(data, $"{number}: {who}, R² against dataset size and protein length");
            Add(new GalleryFigure(id, number, $"{who}: R² against dataset size and protein length", caption, true, figure),
                $"{number}: {fits}", new { step = id, seconds = Lap() });
        }

        private void MethodScatter(string id, string number, string assays, TidyTable table)
        {
            var data = MethodScatterData.Compute(table);
            string caption = $"Per {assays} set, the mean test R² over folds of each compression method (y) against mean pooling's (x), ESM-2 150M " +
                $"embeddings, one panel per method, the diagonal dashed: a point below it is a set where the method does worse. Sets below the " +
                $"diagonal: {string.Join(", ", data.Summaries.Select(s => $"{s.Method} {s.Below}/{s.Datasets}"))}.";
            foreach (var s in data.Summaries)
                Numbers.Add(new($"{id[..5]}.{s.Method}.median_difference", s.MedianDifference, $"{number}: median over sets of {s.Method} minus mean pooling"));
            Add(new GalleryFigure(id, number, $"Every compression method against mean pooling, per {assays} set", caption, true,
                    StudyFigure.Of(data, $"{number}: each compression method against mean pooling, per {assays} set")),
                $"{number}: sets below mean pooling " + string.Join(", ", data.Summaries.Select(s => $"{s.Method} {s.Below}/{s.Datasets}")),
                new { step = id, seconds = Lap() });
        }

        private void LongAssays(IReadOnlyList<FoldScore> folds)
        {
            var data = LongAssayData.Compute(folds);
            var best = data.Scores.GroupBy(s => s.Dataset).Select(g => g.MaxBy(s => s.MeanR2)!).OrderBy(s => s.Dataset, StringComparer.Ordinal).ToList();
            string caption = "The four DMS assays Figure 3A leaves out because their proteins are longer than ESM-1v's 1,022-residue window " +
                $"(ESM-1v has no scores there): test R² (mean ± SD over the 5 folds, mean pooling) against model size, one panel per family. " +
                $"Best model per assay: {string.Join("; ", best.Select(s => $"{s.Dataset}: {s.Model.Label} {F(s.MeanR2)}"))}.";
            Add(new GalleryFigure("supp3-long-assays", "Supplementary Figure 3", "The four long-protein assays", caption, true,
                    StudyFigure.Of(data, "Supplementary Figure 3: the four long-protein assays, R² against model size")),
                "Supplementary Figure 3: best " + string.Join("; ", best.Select(s => $"{s.Dataset} {s.Model.Label} {F(s.MeanR2)}")),
                new { step = "supp3-long-assays", seconds = Lap() });
        }

        private void SizeHistogram(IReadOnlyList<DatasetInfo> datasets)
        {
            var data = DatasetSizeHistogram.Compute(datasets);
            string counts = string.Join(", ", data.Bins.Select(b => $"{b.Label}: {b.Datasets.Count}"));
            string caption = $"The {datasets.Count} DMS datasets by number of variants, binned as SWAT's stats_plots.Rmd bins them (its \"Supp 5\" chunk, " +
                $"saved as sup5_DMS_sample_size_v02.png; the published paper's number for this histogram cannot be read off SWAT's code, which also " +
                $"names the fine-tuning figure Supplementary 5). Datasets per bin: {counts}.";
            Add(new GalleryFigure("supp-dms-dataset-sizes", "Supplementary (dataset sizes)", "DMS datasets by number of variants", caption, true,
                    StudyFigure.Of(data, "DMS datasets by number of variants (SWAT's dataset-size histogram)")),
                $"Dataset sizes: {counts}", new { step = "supp-dms-dataset-sizes", seconds = Lap() });
        }

        private void FineTune(TidyTable fineTune, TidyTable multi)
        {
            var comparison = FineTuneComparison.Compute(fineTune, multi);
            foreach (var m in comparison.Models)
            {
                Numbers.Add(new($"supp5.{m.ModelSize}.mean_difference", m.MeanDifference, $"Supplementary Figure 5: ESM-2 {m.ModelSize}, fine-tuning minus Lasso, mean over assays"));
                Numbers.Add(new($"supp5.{m.ModelSize}.conf_low", m.ConfLow, "Supplementary Figure 5: lower end of its 95% t interval"));
                Numbers.Add(new($"supp5.{m.ModelSize}.conf_high", m.ConfHigh, "Supplementary Figure 5: upper end of its 95% t interval"));
            }
            string per = string.Join("; ", comparison.Models.Select(m =>
                $"ESM-2 {m.ModelSize} {S(m.MeanDifference)} [{F(m.ConfLow)}, {F(m.ConfHigh)}], wins {m.Wins}/{m.Datasets}"));
            string caption = "LoRA fine-tuning (validation R² at the epoch the study picked) against a Lasso on the same ESM-2's mean-pooled " +
                "embeddings (test R², mean over 5 folds), one panel per size, the diagonal dashed, as SWAT's plot_results_fineTune_lora.ipynb pairs them " +
                $"(inner join on model size and assay). Mean difference with a 95% t interval, and assays where fine-tuning wins: {per}. " +
                "The study picked each run's epoch on its validation rows, which favours fine-tuning.";
            var figure = new StudyFigure(FigureKind.FineTune,
                StudyFigures.FineTune(comparison, "Supplementary Figure 5: LoRA fine-tuning against a Lasso on ESM-2 embeddings"), StudyFigure.Of(comparison).Tables);
            Add(new GalleryFigure("supp5-fine-tune", "Supplementary Figure 5", "Fine-tune or extract?", caption, true, figure),
                "Supplementary Figure 5: fine-tuning minus Lasso R² (mean, 95% t interval, wins): " + string.Join("; ", comparison.Models.Select(m =>
                    $"ESM-2 {m.ModelSize} {m.MeanDifference.ToString("+0.000;-0.000", Inv)} [{F(m.ConfLow)}, {F(m.ConfHigh)}] {m.Wins}/{m.Datasets}")),
                new { step = "supp5-fine-tune", pairs = comparison.Pairs.Count, unmatched = comparison.Unmatched, seconds = Lap() });
        }

        private void AllAssays(IReadOnlyList<FoldScore> folds, ModelSizeData paper)
        {
            var data = ModelSizeData.Compute(folds);
            int n = data.Scores.Select(s => s.Dataset).Distinct().Count();
            foreach (var m in data.Medians)
                Numbers.Add(new($"plmkit.all-assays.median.{m.Model.Family}:{m.Model.Size}", m.MedianR2, $"PlmKit: median over all {m.Datasets} assays of {m.Model.Label}"));
            var paperMedian = paper.Medians.ToDictionary(m => m.Model);
            string compare = string.Join("; ", data.Medians.Where(m => paperMedian.ContainsKey(m.Model))
                .Select(m => $"{m.Model.Label} {F(m.MedianR2)} ({F(paperMedian[m.Model].MedianR2)})"));
            string caption = $"Not a figure of the paper: Figure 3A with all {n} DMS assays, the four long-protein assays kept (each model's median over the assays it " +
                $"has). Medians, with Figure 3A's in brackets: {compare}.";
            var figure = new StudyFigure(FigureKind.ModelSize, StudyFigures.ModelSize(data, $"PlmKit: R² against model size, all {n} DMS assays"), StudyFigure.Of(data).Tables);
            Add(new GalleryFigure("plmkit-model-size-all-assays", "PlmKit", $"R² against model size on all {n} DMS assays", caption, false, figure),
                $"PlmKit, all {n} assays: highest median {data.Medians.MaxBy(m => m.MedianR2)!.Model.Label}",
                new { step = "plmkit-model-size-all-assays", seconds = Lap() });
        }

        private void ModelsVsLargest(TidyTable multi, ModelSizeData paper)
        {
            // The paper compares models by their medians only; PlmKit adds the mixed model of the
            // same selection (Figure 3A's assays), contrasts against the largest model and TOST.
            var comparison = ModelComparison.Run(multi, margin);
            var analysis = comparison.Analysis;
            var largest = comparison.Largest;
            Analyses.Add(("dms_models", analysis));
            var equivalence = comparison.Equivalence;
            var data = CompressionData.Of(analysis);
            string caption = $"Not a figure of the paper: lmer(R2_score_test ~ Model + (1|Dataset) + (1|Fold)) on Figure 3A's {paper.Scores.Select(s => s.Dataset).Distinct().Count()} " +
                $"assays, every model against the largest ({largest.Label}; glht single-step 95% intervals), then TOST of every model against the best " +
                $"at a margin of {margin.ToString(Inv)} R². Best by the mixed model: {equivalence.Best}; smallest model shown within the margin of it: {equivalence.Smallest}. " +
                "Tables: dms_models_contrasts.csv, dms_models_equivalence.csv.";
            var figure = new StudyFigure(FigureKind.Compression, StudyFigures.Contrasts(data,
                $"PlmKit: every model against {largest.Label} (mixed model, Figure 3A's assays)", $"Difference in test R² from {largest.Label} (estimate, 95% simultaneous interval)",
                "models-vs-largest"), StudyFigure.Of(data).Tables);
            Add(new GalleryFigure("plmkit-models-vs-largest", "PlmKit", $"Every model against {largest.Label}, with equivalence tests", caption, false, figure),
                $"PlmKit mixed model on Figure 3A's assays: best {equivalence.Best}; smallest model within {margin.ToString(Inv)} R² of it (TOST): {equivalence.Smallest}",
                new { step = "plmkit-models-vs-largest", formula = analysis.Fit.Formula.ToString(), reference = ModelComparison.Level(largest), best = equivalence.Best, margin,
                    smallest_within_margin = equivalence.Smallest, seconds = Lap() });
        }

        private void Pooled(IReadOnlyList<FoldScore> folds, IReadOnlyList<DatasetInfo> datasets)
        {
            var data = DatasetSizeData.Compute(folds, datasets);
            Numbers.Add(new("plmkit.pooled.size_r2", data.SizeFit.RSquared, "PlmKit: fit R² of the all-model mean on log dataset size"));
            Numbers.Add(new("plmkit.pooled.length_r2", data.LengthFit.RSquared, "PlmKit: fit R² of the all-model mean on log protein length"));
            string caption = $"Not a figure of the paper (which fits each model apart: Figure 5, Supplementary Figures 6–9): per assay the mean over all models of their " +
                $"fold means, one fit for all. Dataset size: fit R² {F(data.SizeFit.RSquared)}, slope {S(data.SizeFit.Slope)} per tenfold; protein length: fit R² " +
                $"{F(data.LengthFit.RSquared)}, slope {S(data.LengthFit.Slope)} per tenfold; {data.Points.Count} assays.";
            Add(new GalleryFigure("plmkit-dataset-size-pooled", "PlmKit", "R² against dataset size and protein length, all models pooled", caption, false,
                    new StudyFigure(FigureKind.DatasetSize, StudyFigures.DatasetSize(data, "PlmKit: R² against dataset size and protein length, all models pooled"), StudyFigure.Of(data).Tables)),
                $"PlmKit pooled: dataset size fit R² {F(data.SizeFit.RSquared)}, protein length fit R² {F(data.LengthFit.RSquared)}",
                new { step = "plmkit-dataset-size-pooled", seconds = Lap() });
        }

        private void AllCurves(IReadOnlyList<SamplingScore> sampling)
        {
            var data = LearningCurveData.Compute(sampling);
            var models = data.Points.Select(p => p.Model).Distinct().Order().ToList();
            var challenger = models.FirstOrDefault(m => m.Family == "esm2" && m.Size == "15B") ?? models.MaxBy(m => m.Parameters)!;
            var rows = new List<object[]>();
            foreach (var d in data.Datasets)
                foreach (var baseline in models.Where(m => m != challenger))
                {
                    if (!data.Points.Any(p => p.Dataset == d && p.Model == baseline)) continue;
                    int? from = data.FirstSizeAlwaysAhead(d, challenger, baseline);
                    rows.Add([d, challenger.Family, challenger.Size, baseline.Family, baseline.Size, from.HasValue ? from.Value : ""]);
                }
            var table = new FigureTable("learning-curve_crossovers", CsvFile.Format(
                ["Dataset", "challenger_Model", "challenger_ModelSize", "baseline_Model", "baseline_ModelSize", "first_subsample_always_ahead"], rows));
            string Cross(string d, string family, string size)
            {
                var baseline = models.FirstOrDefault(m => m.Family == family && m.Size == size);
                if (baseline is null || !data.Points.Any(p => p.Dataset == d && p.Model == baseline)) return "n/a";
                return data.FirstSizeAlwaysAhead(d, challenger, baseline)?.ToString(Inv) ?? "never";
            }
            string crossings = string.Join("; ", data.Datasets.Select(d =>
                $"{d}: ahead of ESM-2 8M from {Cross(d, "esm2", "8M")}, of ESM-2 650M from {Cross(d, "esm2", "650M")}, of ESM C 600M from {Cross(d, "esmc", "600M")}"));
            string caption = $"Not a figure of the paper: the learning curves with every subsample size ({PaperBasis.DroppedSampleSize} included) and ESM-1v, and where they " +
                $"cross: the smallest subsample from which {challenger.Label} stays ahead of another model at every larger size (crossovers table). {crossings}.";
            var figure = new StudyFigure(FigureKind.LearningCurve,
                StudyFigures.LearningCurve(data, "PlmKit: learning curves with every subsample size and ESM-1v", id: "learning-curves-all"),
                [.. StudyFigure.Of(data).Tables, table]);
            Add(new GalleryFigure("plmkit-learning-curves-all", "PlmKit", "Learning curves with every size and model, and where they cross", caption, false, figure),
                $"PlmKit crossovers of {challenger.Label}: {crossings}", new { step = "plmkit-learning-curves-all", seconds = Lap() });
        }
    }
}
