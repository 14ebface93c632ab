using MathNet.Numerics.Statistics;
using PlmKit.Data;

namespace PlmKit.Figures;

/// <summary>One dataset's mean test R² under one compression method and under the reference.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Method">The compression method (e.g. <c>bos</c>).</param>
/// <param name="MethodR2">Mean test R² over the method's folds.</param>
/// <param name="ReferenceR2">Mean test R² over the reference method's folds on the same dataset.</param>
public sealed record MethodPoint(string Dataset, string Method, double MethodR2, double ReferenceR2)
{
    /// <summary>Method minus reference.</summary>
    public double Difference => MethodR2 - ReferenceR2;
}

/// <summary>Per method: on how many datasets it scored below the reference.</summary>
/// <param name="Method">The compression method.</param>
/// <param name="Datasets">Datasets with both methods.</param>
/// <param name="Below">Datasets where the method's mean R² is below the reference's.</param>
/// <param name="MedianDifference">Median over datasets of method minus reference.</param>
public sealed record MethodSummary(string Method, int Datasets, int Below, double MedianDifference);

/// <summary>
/// The numbers behind Supplementary Figures 1 (DMS) and 2 (PISCES): per dataset, the mean test R²
/// over folds of every compression method against that of the reference (mean pooling), one panel
/// per method (SWAT <c>stats_plots.Rmd</c>, "Supplementary Figure 1/2").
/// </summary>
/// <param name="Reference">The reference method.</param>
/// <param name="Points">Ordered by method (as <see cref="Summaries"/>), then dataset.</param>
/// <param name="Summaries">One per method, the method closest to the reference first.</param>
public sealed record MethodScatterData(string Reference, IReadOnlyList<MethodPoint> Points, IReadOnlyList<MethodSummary> Summaries)
{
    /// <summary>Averages folds per (dataset, method) and pairs each method with the reference.</summary>
    /// <param name="results">A results table with <c>Dataset</c>, <c>Compression_method</c>, <c>R2_score_test</c>.</param>
    /// <param name="reference">The reference method.</param>
    /// <exception cref="InputException">A missing column, a non-finite R², no reference rows, or a dataset without the reference.</exception>
    public static MethodScatterData Compute(TidyTable results, string reference = PaperBasis.Pooling)
    {
        var datasets = results.Strings("Dataset");
        var methods = results.Strings("Compression_method");
        var r2 = results.Numbers("R2_score_test");
        var folds = new Dictionary<(string Dataset, string Method), List<double>>();
        for (int i = 0; i < results.RowCount; i++)
        {
            if (!double.IsFinite(r2[i]))
                throw new InputException(results.SourceOf(i), results.LineOf(i), $"column 'R2_score_test' has {r2[i]}; a finite number is expected");
            var key = (datasets[i], methods[i]);
            if (!folds.TryGetValue(key, out var list)) folds[key] = list = [];
            list.Add(r2[i]);
        }
        var means = folds.ToDictionary(p => p.Key, p => p.Value.Average());
        if (!means.Keys.Any(k => k.Method == reference))
            throw new InputException(results.Source, null, $"no rows with Compression_method '{reference}', the reference");
        var points = new List<MethodPoint>();
        foreach (var ((dataset, method), value) in means)
        {
            if (method == reference) continue;
            if (!means.TryGetValue((dataset, reference), out double refValue))
                throw new InputException(results.Source, null, $"dataset '{dataset}' has '{method}' rows but none with the reference '{reference}'");
            points.Add(new MethodPoint(dataset, method, value, refValue));
        }
        if (points.Count == 0) throw new InputException(results.Source, null, $"no compression method other than the reference '{reference}'");
        var summaries = points.GroupBy(p => p.Method)
            .Select(g => new MethodSummary(g.Key, g.Count(), g.Count(p => p.MethodR2 < p.ReferenceR2), g.Select(p => p.Difference).Median()))
            .OrderByDescending(s => s.MedianDifference).ThenBy(s => s.Method, StringComparer.Ordinal)
            .ToList();
        var order = summaries.Select((s, i) => (s.Method, i)).ToDictionary(t => t.Method, t => t.i);
        return new MethodScatterData(reference, [.. points.OrderBy(p => order[p.Method]).ThenBy(p => p.Dataset, StringComparer.Ordinal)], summaries);
    }
}

/// <summary>Mean and standard deviation over folds of one model on one dataset.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Model">The model.</param>
/// <param name="MeanR2">Mean test R² over folds.</param>
/// <param name="StdR2">Sample standard deviation over folds (0 with one fold).</param>
/// <param name="Folds">Number of folds.</param>
public sealed record ScoreSummary(string Dataset, ModelId Model, double MeanR2, double StdR2, int Folds)
{
    /// <summary>Groups <paramref name="folds"/> by (dataset, model), ordered by model then dataset.</summary>
    public static IReadOnlyList<ScoreSummary> Of(IEnumerable<FoldScore> folds) =>
        [.. folds.GroupBy(f => (f.Dataset, f.Model))
            .Select(g =>
            {
                var v = g.Select(f => f.R2Test).ToArray();
                return new ScoreSummary(g.Key.Dataset, g.Key.Model, v.Average(), v.Length > 1 ? v.StandardDeviation() : 0, v.Length);
            })
            .OrderBy(s => s.Model).ThenBy(s => s.Dataset, StringComparer.Ordinal)];
}

/// <summary>
/// The numbers behind Supplementary Figure 3: R² (mean ± SD over folds) of every model on the
/// assays Figure 3A leaves out (<see cref="PaperBasis.LongProteinAssays"/>), against model size.
/// </summary>
/// <param name="Scores">One per (assay, model), ordered by model then assay.</param>
public sealed record LongAssayData(IReadOnlyList<ScoreSummary> Scores)
{
    /// <summary>Summarises the folds of <see cref="PaperBasis.LongProteinAssays"/> in <paramref name="folds"/>.</summary>
    /// <exception cref="ArgumentException">None of those assays is in <paramref name="folds"/>.</exception>
    public static LongAssayData Compute(IEnumerable<FoldScore> folds)
    {
        var scores = ScoreSummary.Of(PaperBasis.LongAssays(folds));
        if (scores.Count == 0)
            throw new ArgumentException($"none of the long-protein assays ({string.Join(", ", PaperBasis.LongProteinAssays)}) has scores", nameof(folds));
        return new LongAssayData(scores);
    }
}

/// <summary>One model's log-linear fits of its per-dataset R² on dataset size and on protein length.</summary>
/// <param name="Model">The model.</param>
/// <param name="Size">R² against log10(number of variants).</param>
/// <param name="Length">R² against log10(protein length).</param>
public sealed record ModelFit(ModelId Model, LogLinearFit Size, LogLinearFit Length);

/// <summary>One model's score on one dataset with the dataset's size, length and group.</summary>
/// <param name="Score">Mean and SD over folds.</param>
/// <param name="Info">Dataset size, protein length, group.</param>
public sealed record ModelDatasetPoint(ScoreSummary Score, DatasetInfo Info);

/// <summary>
/// The numbers behind Figure 5 (ESM C 600M) and Supplementary Figures 6–9 (the other models):
/// per model, each dataset's mean test R² over folds against its size and protein length, and
/// SWAT's <c>lm(mean_score ~ log(dataset_size))</c> and <c>lm(mean_score ~ log(prot_length))</c>
/// fitted per model. PlmKit writes the slope per tenfold (log10); the fit R² does not depend on the base.
/// </summary>
/// <param name="Points">Ordered by model, then dataset.</param>
/// <param name="Fits">One per model, in model order.</param>
public sealed record ModelFitData(IReadOnlyList<ModelDatasetPoint> Points, IReadOnlyList<ModelFit> Fits)
{
    /// <summary>Models drawn, in order.</summary>
    public IReadOnlyList<ModelId> Models => [.. Fits.Select(f => f.Model)];

    /// <summary>Fits every model in <paramref name="folds"/> (or only <paramref name="models"/>).</summary>
    /// <exception cref="ArgumentException">A dataset without size and length, a requested model without scores, or a model with fewer than 3 datasets.</exception>
    public static ModelFitData Compute(IEnumerable<FoldScore> folds, IEnumerable<DatasetInfo> datasets, IEnumerable<ModelId>? models = null)
    {
        var info = datasets.ToDictionary(d => d.Dataset, StringComparer.Ordinal);
        var scores = ScoreSummary.Of(folds);
        var wanted = models?.ToList() ?? [.. scores.Select(s => s.Model).Distinct().Order()];
        var points = new List<ModelDatasetPoint>();
        var fits = new List<ModelFit>();
        foreach (var model in wanted)
        {
            var mine = scores.Where(s => s.Model == model).ToList();
            if (mine.Count == 0) throw new ArgumentException($"no scores of {model.Label}", nameof(models));
            var part = mine.Select(s => new ModelDatasetPoint(s, info.TryGetValue(s.Dataset, out var d) ? d
                : throw new ArgumentException($"dataset '{s.Dataset}' has scores but no size and length", nameof(datasets)))).ToList();
            var r2 = part.Select(p => p.Score.MeanR2).ToArray();
            fits.Add(new ModelFit(model,
                LogLinearFit.Fit([.. part.Select(p => (double)p.Info.Size)], r2),
                LogLinearFit.Fit([.. part.Select(p => (double)p.Info.ProteinLength)], r2)));
            points.AddRange(part);
        }
        return new ModelFitData(points, fits);
    }
}

/// <summary>One bin of the dataset-size histogram: its label, bounds and the datasets in it.</summary>
/// <param name="Label">The study's label, e.g. <c>1000-3200</c>.</param>
/// <param name="Low">Inclusive lower bound (variants); 0 for the first bin.</param>
/// <param name="High">Exclusive upper bound; <see cref="int.MaxValue"/> for the last bin.</param>
/// <param name="Datasets">Datasets whose size falls in [Low, High), by name.</param>
public sealed record SizeBin(string Label, int Low, int High, IReadOnlyList<string> Datasets);

/// <summary>
/// The numbers behind SWAT's histogram of DMS dataset sizes (<c>stats_plots.Rmd</c>, "Supp 5",
/// saved as <c>sup5_DMS_sample_size_v02.png</c>): per dataset the median <c>dataset_size</c>, cut at
/// 1000, 3200, 10000 and 32000 with closed lower ends (R's <c>cut(right = FALSE)</c>).
/// </summary>
/// <param name="Bins">The five bins, smallest first.</param>
public sealed record DatasetSizeHistogram(IReadOnlyList<SizeBin> Bins)
{
    private static readonly (string Label, int Low, int High)[] Edges =
        [("<1000", 0, 1000), ("1000-3200", 1000, 3200), ("3200-10000", 3200, 10000), ("10000-32000", 10000, 32000), (">32000", 32000, int.MaxValue)];

    /// <summary>Bins <paramref name="datasets"/> by size.</summary>
    public static DatasetSizeHistogram Compute(IEnumerable<DatasetInfo> datasets)
    {
        var all = datasets.ToList();
        return new([.. Edges.Select(e => new SizeBin(e.Label, e.Low, e.High,
            [.. all.Where(d => d.Size >= e.Low && d.Size < e.High).Select(d => d.Dataset).Order(StringComparer.Ordinal)]))]);
    }
}
