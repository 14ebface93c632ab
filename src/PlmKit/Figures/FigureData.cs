using MathNet.Numerics.Statistics;
using PlmKit.Data;
using PlmKit.Statistics;

namespace PlmKit.Figures;

/// <summary>One contrast of a compression method against the reference, with its simultaneous interval.</summary>
/// <param name="Contrast">Method compared with the reference (e.g. <c>bos</c>).</param>
/// <param name="Estimate">Difference in test R² (method − reference).</param>
/// <param name="ConfLow">Lower bound of the simultaneous 95% interval.</param>
/// <param name="ConfHigh">Upper bound of the simultaneous 95% interval.</param>
public sealed record ContrastInterval(string Contrast, double Estimate, double ConfLow, double ConfHigh);

/// <summary>The numbers behind Figure 2: every compression against the reference, best first.</summary>
/// <param name="Contrasts">Contrasts ordered by estimate, highest first.</param>
/// <param name="Reference">The reference method (the study's is <c>mean</c>).</param>
public sealed record CompressionData(IReadOnlyList<ContrastInterval> Contrasts, string Reference)
{
    /// <summary>Orders <paramref name="contrasts"/> for drawing.</summary>
    public static CompressionData From(IEnumerable<ContrastInterval> contrasts, string reference) =>
        new([.. contrasts.OrderByDescending(c => c.Estimate).ThenBy(c => c.Contrast, StringComparer.Ordinal)], reference);

    /// <summary>
    /// The study's analysis behind Figure 2, through <see cref="LinearMixedModel"/> and
    /// <see cref="MultipleComparisons"/>: <c>R2_score_test ~ Compression_method + (1|Dataset) + (1|Fold)</c>
    /// (REML), then every method against <paramref name="reference"/> with single-step adjusted
    /// simultaneous 95% intervals (multcomp's <c>glht</c>).
    /// </summary>
    /// <param name="results">A results table with <c>R2_score_test</c>, <c>Compression_method</c>, <c>Dataset</c>, <c>Fold</c>.</param>
    /// <param name="reference">Reference method.</param>
    /// <returns>The figure's numbers, the model fit and the full contrast table (p-values, standard errors).</returns>
    /// <exception cref="InputException">Missing columns or bad values.</exception>
    public static (CompressionData Data, MixedModelFit Fit, ContrastTable Contrasts) FromResults(TidyTable results, string reference = "mean")
    {
        var analysis = StudyAnalysis.Run(results, StudySettings(reference));
        return (Of(analysis), analysis.Fit, analysis.Contrasts);
    }

    /// <summary>
    /// The study's Figure 2 analysis as <see cref="StudyAnalysis"/> settings:
    /// <c>R2_score_test ~ Compression_method + (1|Dataset) + (1|Fold)</c>, REML, Dunnett, single-step.
    /// </summary>
    public static StudyAnalysisSettings StudySettings(string reference = "mean") =>
        StudyAnalysisSettings.Of("R2_score_test", "Compression_method", ["Dataset", "Fold"], reference);

    /// <summary>The figure's numbers from an analysis of the compression methods (its contrasts against its reference).</summary>
    public static CompressionData Of(StudyAnalysisResult analysis) =>
        From(analysis.Contrasts.Contrasts.Select(c => new ContrastInterval(c.Name, c.Estimate, c.ConfLow, c.ConfHigh)), analysis.Reference);

    /// <summary>
    /// Reads a contrasts table with columns <c>contrast</c>, <c>estimate</c>, <c>conf_low</c>,
    /// <c>conf_high</c> (the layout of <c>plmkit stats</c> and of the lme4 reference files).
    /// </summary>
    /// <exception cref="InputException">Missing columns, non-finite numbers, or an interval that does not hold its estimate.</exception>
    public static CompressionData FromContrastTable(TidyTable table, string reference = "mean")
    {
        var names = table.Strings("contrast");
        var est = table.Numbers("estimate");
        var low = table.Numbers("conf_low");
        var high = table.Numbers("conf_high");
        var rows = new List<ContrastInterval>();
        for (int i = 0; i < table.RowCount; i++)
        {
            if (!double.IsFinite(est[i]) || !double.IsFinite(low[i]) || !double.IsFinite(high[i]))
                throw new InputException(table.SourceOf(i), table.LineOf(i), "estimate, conf_low and conf_high must be finite numbers");
            if (!(low[i] <= est[i] && est[i] <= high[i]))
                throw new InputException(table.SourceOf(i), table.LineOf(i),
                    $"interval [{low[i]}, {high[i]}] of '{names[i]}' does not contain its estimate {est[i]}");
            rows.Add(new ContrastInterval(names[i], est[i], low[i], high[i]));
        }
        if (rows.Count == 0) throw new InputException(table.Source, null, "the table has no contrasts");
        return From(rows, reference);
    }
}

/// <summary>Mean test R² of one model on one dataset over its outer folds.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Model">The model.</param>
/// <param name="MeanR2">Mean of the folds' test R².</param>
/// <param name="Folds">Number of folds averaged.</param>
public sealed record DatasetModelScore(string Dataset, ModelId Model, double MeanR2, int Folds);

/// <summary>Median over datasets of one model's dataset-level scores.</summary>
/// <param name="Model">The model.</param>
/// <param name="MedianR2">Median over datasets of <see cref="DatasetModelScore.MeanR2"/>.</param>
/// <param name="Datasets">Number of datasets.</param>
public sealed record ModelMedian(ModelId Model, double MedianR2, int Datasets);

/// <summary>The numbers behind Figure 3: R² of every model on every dataset, and each model's median.</summary>
/// <param name="Scores">Dataset-level scores (mean over folds), ordered by model then dataset.</param>
/// <param name="Medians">One median per model, ordered by family then size.</param>
public sealed record ModelSizeData(IReadOnlyList<DatasetModelScore> Scores, IReadOnlyList<ModelMedian> Medians)
{
    /// <summary>Averages folds per (dataset, model), then takes each model's median over datasets.</summary>
    /// <exception cref="ArgumentException">No scores.</exception>
    public static ModelSizeData Compute(IEnumerable<FoldScore> folds)
    {
        var scores = MeanOverFolds(folds);
        if (scores.Count == 0) throw new ArgumentException("no scores to summarise", nameof(folds));
        var medians = scores.GroupBy(s => s.Model)
            .Select(g => new ModelMedian(g.Key, g.Select(s => s.MeanR2).Median(), g.Count()))
            .OrderBy(m => m.Model)
            .ToList();
        return new ModelSizeData(scores, medians);
    }

    /// <summary>Mean test R² over folds for every (dataset, model) pair.</summary>
    public static IReadOnlyList<DatasetModelScore> MeanOverFolds(IEnumerable<FoldScore> folds) =>
        [.. folds.GroupBy(f => (f.Dataset, f.Model))
            .Select(g => new DatasetModelScore(g.Key.Dataset, g.Key.Model, g.Average(f => f.R2Test), g.Count()))
            .OrderBy(s => s.Model).ThenBy(s => s.Dataset, StringComparer.Ordinal)];
}

/// <summary>One dataset's score against its size and protein length.</summary>
/// <param name="Info">Size, length and group of the dataset.</param>
/// <param name="MeanR2">Mean over models of each model's mean test R² over folds.</param>
/// <param name="Models">Number of models averaged.</param>
public sealed record DatasetPoint(DatasetInfo Info, double MeanR2, int Models);

/// <summary>The numbers behind the dataset-size figure: per-dataset R² and the log-linear fits.</summary>
/// <param name="Points">One point per dataset, ordered by name.</param>
/// <param name="SizeFit">R² against log10(number of variants).</param>
/// <param name="LengthFit">R² against log10(protein length).</param>
public sealed record DatasetSizeData(IReadOnlyList<DatasetPoint> Points, LogLinearFit SizeFit, LogLinearFit LengthFit)
{
    /// <summary>
    /// Averages each model's folds, then the models of each dataset (so a model with more folds
    /// does not weigh more), and fits both log-linear lines.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 3 datasets, or a dataset with scores but no size.</exception>
    public static DatasetSizeData Compute(IEnumerable<FoldScore> folds, IEnumerable<DatasetInfo> datasets)
    {
        var info = datasets.ToDictionary(d => d.Dataset, StringComparer.Ordinal);
        var points = new List<DatasetPoint>();
        foreach (var g in ModelSizeData.MeanOverFolds(folds).GroupBy(s => s.Dataset).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (!info.TryGetValue(g.Key, out var d))
                throw new ArgumentException($"dataset '{g.Key}' has scores but no size and length", nameof(datasets));
            points.Add(new DatasetPoint(d, g.Average(s => s.MeanR2), g.Count()));
        }
        var r2 = points.Select(p => p.MeanR2).ToArray();
        return new DatasetSizeData(points,
            LogLinearFit.Fit([.. points.Select(p => (double)p.Info.Size)], r2),
            LogLinearFit.Fit([.. points.Select(p => (double)p.Info.ProteinLength)], r2));
    }
}

/// <summary>One point of a learning curve: a model's test R² (and Lasso feature count) at one subsample size.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Model">The model.</param>
/// <param name="SampleSize">Subsample size (<c>Sample_size</c>), test fold included: about four fifths of it trained each fold.</param>
/// <param name="MeanR2">Mean test R² over folds.</param>
/// <param name="StdR2">Sample standard deviation over folds (0 with one fold).</param>
/// <param name="Folds">Number of folds.</param>
/// <param name="MeanNonZero">Mean number of non-zero Lasso coefficients over folds; NaN when the table has no <c>nun_zero_coefs</c>.</param>
/// <param name="StdNonZero">Their sample standard deviation (0 with one fold; NaN without the column).</param>
public sealed record CurvePoint(string Dataset, ModelId Model, int SampleSize, double MeanR2, double StdR2, int Folds,
    double MeanNonZero = double.NaN, double StdNonZero = double.NaN);

/// <summary>The numbers behind the learning-curve figures (Figure 4A: R², 4B: non-zero coefficients).</summary>
/// <param name="Points">Ordered by dataset, model, then sample size.</param>
public sealed record LearningCurveData(IReadOnlyList<CurvePoint> Points)
{
    /// <summary>Datasets in the order they are drawn.</summary>
    public IReadOnlyList<string> Datasets => [.. Points.Select(p => p.Dataset).Distinct()];

    /// <summary>Whether every point has a feature count (the table had <c>nun_zero_coefs</c>).</summary>
    public bool HasFeatureCounts => Points.All(p => !double.IsNaN(p.MeanNonZero));

    /// <summary>Mean and standard deviation over folds at every (dataset, model, sample size).</summary>
    /// <exception cref="ArgumentException">No rows.</exception>
    public static LearningCurveData Compute(IEnumerable<SamplingScore> rows)
    {
        var points = rows.GroupBy(r => (r.Dataset, r.Model, r.SampleSize))
            .Select(g =>
            {
                var r2 = g.Select(r => r.R2Test).ToArray();
                var (meanF, sdF) = g.All(r => r.NonZeroCoefficients is not null)
                    ? MeanSd([.. g.Select(r => (double)r.NonZeroCoefficients!.Value)])
                    : (double.NaN, double.NaN);
                var (mean, sd) = MeanSd(r2);
                return new CurvePoint(g.Key.Dataset, g.Key.Model, g.Key.SampleSize, mean, sd, r2.Length, meanF, sdF);
            })
            .OrderBy(p => p.Dataset, StringComparer.Ordinal).ThenBy(p => p.Model).ThenBy(p => p.SampleSize)
            .ToList();
        if (points.Count == 0) throw new ArgumentException("no learning-curve rows", nameof(rows));
        return new LearningCurveData(points);
    }

    private static (double Mean, double Sd) MeanSd(double[] v) => (v.Average(), v.Length > 1 ? v.StandardDeviation() : 0);

    /// <summary>
    /// Where the curves of <paramref name="challenger"/> and <paramref name="baseline"/> cross on
    /// <paramref name="dataset"/>: the smallest subsample size from which the challenger's mean
    /// R² is above the baseline's at that size and every larger size both were run at.
    /// </summary>
    /// <returns>That size, or null when the challenger is not ahead at the largest common size.</returns>
    /// <exception cref="ArgumentException">The two models share no size on that dataset.</exception>
    public int? FirstSizeAlwaysAhead(string dataset, ModelId challenger, ModelId baseline)
    {
        var a = Points.Where(p => p.Dataset == dataset && p.Model == challenger).ToDictionary(p => p.SampleSize, p => p.MeanR2);
        var b = Points.Where(p => p.Dataset == dataset && p.Model == baseline).ToDictionary(p => p.SampleSize, p => p.MeanR2);
        var common = a.Keys.Intersect(b.Keys).OrderDescending().ToList();
        if (common.Count == 0)
            throw new ArgumentException($"{challenger.Label} and {baseline.Label} share no subsample size on '{dataset}'");
        int? first = null;
        foreach (int size in common)
        {
            if (a[size] <= b[size]) break;
            first = size;
        }
        return first;
    }
}
