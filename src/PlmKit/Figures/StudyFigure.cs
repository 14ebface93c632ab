using PlmKit.Data;
using PlmKit.Statistics;
using XPlot.Plotly;

namespace PlmKit.Figures;

/// <summary>The figures PlmKit draws from a tidy table.</summary>
public enum FigureKind
{
    /// <summary>Figure 2: contrasts of every compression against mean pooling.</summary>
    Compression,
    /// <summary>Figure 3: R² against parameter count per model family, with medians.</summary>
    ModelSize,
    /// <summary>R² against dataset size and protein length, with log-linear fits.</summary>
    DatasetSize,
    /// <summary>Learning curves from a sampling table.</summary>
    LearningCurve,
    /// <summary>Supplementary Figure 5: LoRA fine-tuning against a Lasso on embeddings, one panel per ESM-2 size (needs two tables: see <see cref="PlmKit.Statistics.FineTuneComparison"/>).</summary>
    FineTune,
    /// <summary>Supplementary Figures 1 and 2: per dataset, every compression method's R² against mean pooling's, one panel per method.</summary>
    MethodScatter,
    /// <summary>Supplementary Figure 3: R² of the four long-protein assays against model size.</summary>
    LongAssays,
    /// <summary>Figure 5 and Supplementary Figures 6–9: per model, R² against dataset size and protein length with log-linear fits.</summary>
    ModelFits,
    /// <summary>Figure 4B: non-zero Lasso coefficients against subsample size.</summary>
    Features,
    /// <summary>The histogram of DMS dataset sizes (SWAT's "Supp 5" histogram).</summary>
    SizeHistogram,
}

/// <summary>A table of numbers behind a figure.</summary>
/// <param name="Name">File name without extension, e.g. <c>model-size_medians</c>.</param>
/// <param name="Csv">Tidy CSV text (header first, invariant culture, round-trip numbers).</param>
public sealed record FigureTable(string Name, string Csv);

/// <summary>A drawn figure with the numbers behind it.</summary>
/// <param name="Kind">Which figure.</param>
/// <param name="Chart">The chart (its Width and Height are the PNG size).</param>
/// <param name="Tables">The numbers drawn, as tidy tables.</param>
public sealed record StudyFigure(FigureKind Kind, PlotlyChart Chart, IReadOnlyList<FigureTable> Tables)
{
    /// <summary>The kind's command-line name: compression, model-size, dataset-size, learning-curve, fine-tune, method-scatter, long-assays, model-fits, features, size-histogram.</summary>
    public string Name => KindName(Kind);

    /// <summary>Command-line name of <paramref name="kind"/>.</summary>
    public static string KindName(FigureKind kind) => kind switch
    {
        FigureKind.Compression => "compression",
        FigureKind.ModelSize => "model-size",
        FigureKind.DatasetSize => "dataset-size",
        FigureKind.LearningCurve => "learning-curve",
        FigureKind.FineTune => "fine-tune",
        FigureKind.MethodScatter => "method-scatter",
        FigureKind.LongAssays => "long-assays",
        FigureKind.ModelFits => "model-fits",
        FigureKind.Features => "features",
        FigureKind.SizeHistogram => "size-histogram",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Parses a command-line name (case-insensitive).</summary>
    /// <exception cref="ConfigurationException">Unknown name (the message lists the known ones).</exception>
    public static FigureKind ParseKind(string name)
    {
        foreach (var kind in Enum.GetValues<FigureKind>())
            if (string.Equals(KindName(kind), name.Trim(), StringComparison.OrdinalIgnoreCase)) return kind;
        throw new ConfigurationException(
            $"unknown figure kind '{name}': use one of {string.Join(", ", Enum.GetValues<FigureKind>().Select(KindName))}");
    }

    /// <summary>
    /// Draws <paramref name="kind"/> from a tidy table: for compression a contrasts table
    /// (<c>contrast, estimate, conf_low, conf_high</c>) or a results table with
    /// <c>Compression_method</c> (the mixed model and contrasts are then fitted), a results table with <c>dataset_size</c> and
    /// <c>prot_length</c> for dataset-size, a results table for model-size, a sampling table
    /// (<c>Sample_size</c>) for learning-curve, and with <c>nun_zero_coefs</c> for features; a
    /// compression results table for method-scatter; a multi-model results table for long-assays
    /// (its long-protein assays) and model-fits (every model, with <c>dataset_size</c> and <c>prot_length</c>),
    /// a table with <c>Dataset</c> and <c>dataset_size</c>, <c>prot_length</c> for size-histogram.
    /// </summary>
    /// <exception cref="InputException">The table lacks what the figure needs, or has bad values.</exception>
    public static StudyFigure FromTable(FigureKind kind, TidyTable table)
    {
        try
        {
            return kind switch
            {
                FigureKind.Compression => Of(table.HasColumn("contrast")
                    ? CompressionData.FromContrastTable(table)
                    : CompressionData.FromResults(table).Data),
                FigureKind.ModelSize => Of(ModelSizeData.Compute(StudyTables.FoldScores(table))),
                FigureKind.DatasetSize => Of(DatasetSizeData.Compute(StudyTables.FoldScores(table), StudyTables.Datasets(table))),
                FigureKind.LearningCurve => Of(LearningCurveData.Compute(StudyTables.SamplingScores(table))),
                FigureKind.MethodScatter => Of(MethodScatterData.Compute(table), "Every compression method against mean pooling, per dataset"),
                FigureKind.LongAssays => Of(LongAssayData.Compute(StudyTables.FoldScores(PaperBasis.MeanPooled(table)))),
                FigureKind.ModelFits => Of(ModelFitData.Compute(StudyTables.FoldScores(PaperBasis.MeanPooled(table)), StudyTables.Datasets(table)),
                    "R² against dataset size and protein length, per model"),
                FigureKind.Features => OfFeatures(LearningCurveData.Compute(StudyTables.SamplingScores(table))),
                FigureKind.SizeHistogram => Of(DatasetSizeHistogram.Compute(StudyTables.Datasets(table)), "DMS datasets by number of variants"),
                FigureKind.FineTune => throw new InputException(table.Source, null,
                    "fine-tune needs two tables, the fine-tuning results and the Lasso results: draw it with plmkit reproduce or FineTuneComparison.Read"),
                _ => throw new ArgumentOutOfRangeException(nameof(kind)),
            };
        }
        catch (ArgumentException e) when (e is not ArgumentOutOfRangeException)
        {
            throw new InputException(table.Source, null, $"cannot draw {KindName(kind)}: {e.Message}");
        }
    }

    /// <summary>Figure 2 and its numbers.</summary>
    public static StudyFigure Of(CompressionData data) => new(FigureKind.Compression, StudyFigures.Compression(data),
    [
        new("compression_contrasts", Csv(["contrast", "estimate", "conf_low", "conf_high"],
            data.Contrasts.Select(c => new object[] { c.Contrast, c.Estimate, c.ConfLow, c.ConfHigh }))),
    ]);

    /// <summary>Figure 3 and its numbers: per-model medians and the dataset-level scores.</summary>
    public static StudyFigure Of(ModelSizeData data) => new(FigureKind.ModelSize, StudyFigures.ModelSize(data),
    [
        new("model-size_medians", Csv(["Model", "ModelSize", "parameters", "median_R2_score_test", "n_datasets"],
            data.Medians.Select(m => new object[] { m.Model.Family, m.Model.Size, m.Model.Parameters, m.MedianR2, m.Datasets }))),
        new("model-size_scores", Csv(["Dataset", "Model", "ModelSize", "parameters", "mean_R2_score_test", "n_folds"],
            data.Scores.Select(s => new object[] { s.Dataset, s.Model.Family, s.Model.Size, s.Model.Parameters, s.MeanR2, s.Folds }))),
    ]);

    /// <summary>The dataset-size figure and its numbers: per-dataset points and the two fits.</summary>
    public static StudyFigure Of(DatasetSizeData data) => new(FigureKind.DatasetSize, StudyFigures.DatasetSize(data),
    [
        new("dataset-size_points", Csv(["Dataset", "group", "dataset_size", "prot_length", "mean_R2_score_test", "n_models"],
            data.Points.Select(p => new object[] { p.Info.Dataset, p.Info.Group, p.Info.Size, p.Info.ProteinLength, p.MeanR2, p.Models }))),
        new("dataset-size_fits", Csv(["predictor", "intercept", "slope_per_log10", "r_squared", "slope_p_value", "n_datasets"],
            new[] { ("log10(dataset_size)", data.SizeFit), ("log10(prot_length)", data.LengthFit) }
                .Select(f => new object[] { f.Item1, f.Item2.Intercept, f.Item2.Slope, f.Item2.RSquared, f.Item2.SlopePValue, f.Item2.N }))),
    ]);

    /// <summary>The learning-curve figure (Figure 4A) and its numbers.</summary>
    /// <param name="data">Curve points.</param>
    /// <param name="title">Figure title; null for the default.</param>
    public static StudyFigure Of(LearningCurveData data, string? title = null) =>
        new(FigureKind.LearningCurve, StudyFigures.LearningCurve(data, title), [CurveTable("learning-curve_points", data)]);

    /// <summary>Figure 4B, non-zero coefficients against subsample size, and its numbers.</summary>
    /// <param name="data">Curve points with feature counts.</param>
    /// <param name="title">Figure title; null for the default.</param>
    /// <exception cref="ArgumentException">The points have no feature counts.</exception>
    public static StudyFigure OfFeatures(LearningCurveData data, string? title = null) =>
        new(FigureKind.Features, StudyFigures.Features(data, title), [CurveTable("features_points", data)]);

    /// <summary>Supplementary Figure 1 or 2 and its numbers (per-dataset points, per-method summary).</summary>
    /// <param name="data">The per-dataset means.</param>
    /// <param name="title">Figure title.</param>
    public static StudyFigure Of(MethodScatterData data, string title) => new(FigureKind.MethodScatter, StudyFigures.MethodScatter(data, title),
    [
        new("method-scatter_points", Csv(["Dataset", "Compression_method", "mean_R2_score_test", "reference", "reference_mean_R2_score_test", "difference"],
            data.Points.Select(p => new object[] { p.Dataset, p.Method, p.MethodR2, data.Reference, p.ReferenceR2, p.Difference }))),
        new("method-scatter_summary", Csv(["Compression_method", "n_datasets", "n_below_reference", "median_difference"],
            data.Summaries.Select(m => new object[] { m.Method, m.Datasets, m.Below, m.MedianDifference }))),
    ]);

    /// <summary>Supplementary Figure 3 and its numbers.</summary>
    /// <param name="data">Per (assay, model) summaries.</param>
    /// <param name="title">Figure title; null for the default.</param>
    public static StudyFigure Of(LongAssayData data, string? title = null) => new(FigureKind.LongAssays, StudyFigures.LongAssays(data, title),
    [
        new("long-assays_scores", Csv(["Dataset", "Model", "ModelSize", "parameters", "mean_R2_score_test", "sd_R2_score_test", "n_folds"],
            data.Scores.Select(s => new object[] { s.Dataset, s.Model.Family, s.Model.Size, s.Model.Parameters, s.MeanR2, s.StdR2, s.Folds }))),
    ]);

    /// <summary>Figure 5 or one of Supplementary Figures 6–9, and its numbers (points and per-model fits).</summary>
    /// <param name="data">Per-model points and fits.</param>
    /// <param name="title">Figure title.</param>
    public static StudyFigure Of(ModelFitData data, string title) => new(FigureKind.ModelFits, StudyFigures.ModelFits(data, title),
    [
        new("model-fits_points", Csv(["Dataset", "Model", "ModelSize", "group", "dataset_size", "prot_length", "mean_R2_score_test", "sd_R2_score_test", "n_folds"],
            data.Points.Select(p => new object[] { p.Info.Dataset, p.Score.Model.Family, p.Score.Model.Size, p.Info.Group, p.Info.Size, p.Info.ProteinLength,
                p.Score.MeanR2, p.Score.StdR2, p.Score.Folds }))),
        new("model-fits_fits", Csv(["Model", "ModelSize", "predictor", "intercept", "slope_per_log10", "r_squared", "slope_p_value", "n_datasets"],
            data.Fits.SelectMany(f => new[] { ("log10(dataset_size)", f.Size), ("log10(prot_length)", f.Length) }.Select(l => new object[]
                { f.Model.Family, f.Model.Size, l.Item1, l.Item2.Intercept, l.Item2.Slope, l.Item2.RSquared, l.Item2.SlopePValue, l.Item2.N })))),
    ]);

    /// <summary>The dataset-size histogram and its numbers (one row per dataset with its bin).</summary>
    /// <param name="data">The bins.</param>
    /// <param name="title">Figure title.</param>
    public static StudyFigure Of(DatasetSizeHistogram data, string title) => new(FigureKind.SizeHistogram, StudyFigures.SizeHistogram(data, title),
    [
        new("size-histogram_bins", Csv(["bin", "low", "high", "n_datasets"],
            data.Bins.Select(b => new object[] { b.Label, b.Low, b.High == int.MaxValue ? "" : b.High, b.Datasets.Count }))),
        new("size-histogram_datasets", Csv(["Dataset", "bin"], data.Bins.SelectMany(b => b.Datasets.Select(d => new object[] { d, b.Label })))),
    ]);

    private static FigureTable CurveTable(string name, LearningCurveData data) =>
        data.HasFeatureCounts
            ? new(name, Csv(["Dataset", "Model", "ModelSize", "Sample_size", "mean_R2_score_test", "sd_R2_score_test", "mean_nun_zero_coefs", "sd_nun_zero_coefs", "n_folds"],
                data.Points.Select(p => new object[] { p.Dataset, p.Model.Family, p.Model.Size, p.SampleSize, p.MeanR2, p.StdR2, p.MeanNonZero, p.StdNonZero, p.Folds })))
            : new(name, Csv(["Dataset", "Model", "ModelSize", "Sample_size", "mean_R2_score_test", "sd_R2_score_test", "n_folds"],
                data.Points.Select(p => new object[] { p.Dataset, p.Model.Family, p.Model.Size, p.SampleSize, p.MeanR2, p.StdR2, p.Folds })));

    /// <summary>
    /// Supplementary Figure 5 and its numbers: every (model, dataset) pair, and per model the paired
    /// statistics (<c>fine-tune_pairs</c>, <c>fine-tune_summary</c>).
    /// </summary>
    public static StudyFigure Of(FineTuneComparison data) => new(FigureKind.FineTune, StudyFigures.FineTune(data),
    [
        new("fine-tune_pairs", Csv(["ModelSize", "parameters", "Dataset_Name", "fine_tune_val_r2", "lasso_mean_R2_score_test", "lasso_folds", "difference"],
            data.Pairs.Select(p => new object[] { p.ModelSize, p.Parameters, p.Dataset, p.FineTuneR2, p.LassoR2, p.LassoFolds, p.Difference }))),
        new("fine-tune_summary", Csv(["ModelSize", "parameters", "n_datasets", "median_fine_tune", "median_lasso", "mean_fine_tune", "mean_lasso",
                "mean_difference", "std_error", "conf_low", "conf_high", "conf_level", "t_p_value", "wilcoxon_statistic", "wilcoxon_p_value", "wilcoxon_exact",
                "fine_tune_wins", "win_share"],
            data.Models.Select(m => new object[] { m.ModelSize, m.Parameters, m.Datasets, m.MedianFineTune, m.MedianLasso, m.MeanFineTune, m.MeanLasso,
                m.MeanDifference, m.StdError, m.ConfLow, m.ConfHigh, data.ConfidenceLevel, m.TPValue, m.Wilcoxon.Statistic, m.Wilcoxon.PValue,
                m.Wilcoxon.Exact, m.Wins, m.WinShare }))),
    ]);

    private static string Csv(string[] header, IEnumerable<object[]> rows) => CsvFile.Format(header, rows);
}
