using System.Globalization;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;
using PlmKit.Data;

namespace PlmKit.Statistics;

/// <summary>One dataset scored both ways by one ESM-2 size: LoRA fine-tuning against a Lasso on its mean-pooled embeddings.</summary>
/// <param name="ModelSize">ESM-2 size label as the tables write it (<c>8M</c> … <c>3B</c>).</param>
/// <param name="Parameters">Parameter count read off the size label (8M → 8e6).</param>
/// <param name="Dataset">The short dataset name both tables share (<c>Dataset_Name</c>, e.g. <c>SUMO1 HUMAN</c>).</param>
/// <param name="FineTuneR2">Validation R² of the fine-tuned model (<c>val_r2</c> of the fine-tuning table: one 80/20 split).</param>
/// <param name="LassoR2">Test R² of the Lasso on embeddings, mean over its outer folds (<c>R2_score_test</c>).</param>
/// <param name="LassoFolds">Number of folds averaged into <paramref name="LassoR2"/>.</param>
public sealed record FineTunePair(string ModelSize, double Parameters, string Dataset, double FineTuneR2, double LassoR2, int LassoFolds)
{
    /// <summary>Fine-tuning minus feature extraction (the study's <c>R2</c> column of the comparison).</summary>
    public double Difference => FineTuneR2 - LassoR2;
}

/// <summary>The paired comparison of one ESM-2 size over the datasets scored both ways.</summary>
/// <param name="ModelSize">ESM-2 size label.</param>
/// <param name="Parameters">Parameter count.</param>
/// <param name="Datasets">Number of paired datasets.</param>
/// <param name="MedianFineTune">Median over datasets of the fine-tuning R².</param>
/// <param name="MedianLasso">Median over datasets of the Lasso R².</param>
/// <param name="MeanFineTune">Mean over datasets of the fine-tuning R².</param>
/// <param name="MeanLasso">Mean over datasets of the Lasso R².</param>
/// <param name="MeanDifference">Mean paired difference (fine-tuning − Lasso).</param>
/// <param name="StdError">Standard error of the mean difference (SD / √n).</param>
/// <param name="ConfLow">Lower end of the t-based confidence interval of the mean difference.</param>
/// <param name="ConfHigh">Upper end of that interval.</param>
/// <param name="TPValue">Two-sided p-value of the paired t test (mean difference = 0).</param>
/// <param name="Wilcoxon">Wilcoxon signed-rank test of the differences (scipy's defaults).</param>
/// <param name="Wins">Datasets on which fine-tuning scores higher than the Lasso.</param>
public sealed record FineTuneModelSummary(string ModelSize, double Parameters, int Datasets,
    double MedianFineTune, double MedianLasso, double MeanFineTune, double MeanLasso,
    double MeanDifference, double StdError, double ConfLow, double ConfHigh, double TPValue,
    SignedRankResult Wilcoxon, int Wins)
{
    /// <summary>Share of datasets on which fine-tuning wins (<see cref="Wins"/> / <see cref="Datasets"/>).</summary>
    public double WinShare => Datasets == 0 ? double.NaN : (double)Wins / Datasets;
}

/// <summary>
/// The study's Supplementary Figure 5 comparison (SWAT <c>notebooks/plot_results_fineTune_lora.ipynb</c>,
/// "Comparing transfer learning strategies"): LoRA fine-tuning of ESM-2 against a LassoCV on the same
/// model's mean-pooled embeddings, on the same datasets. Its data selection, as the study's:
/// the fine-tuning table's <c>ModelSize</c>, <c>Dataset_Name</c>, <c>val_r2</c>; the Lasso table's rows
/// with <c>Model == "esm2"</c>, a <c>ModelSize</c> and a <c>Dataset_Name</c> present in the fine-tuning
/// table (and <c>Compression_method == "mean"</c> when the column exists: every row of the study's
/// table is mean pooling, so this keeps the study's selection), averaged over folds per
/// (<c>ModelSize</c>, <c>Dataset_Name</c>); then an inner join on those two columns.
/// On top of the study's scatter, per model: the mean paired difference with a t-based interval,
/// the paired t and Wilcoxon signed-rank tests, and the share of datasets fine-tuning wins.
/// </summary>
/// <param name="Pairs">Every paired dataset, ordered by model size, then dataset name.</param>
/// <param name="Models">One summary per ESM-2 size present in both tables, smallest first.</param>
/// <param name="Unmatched">Fine-tuning rows without Lasso scores, as <c>size/dataset</c> (dropped by the inner join).</param>
/// <param name="ConfidenceLevel">Level of the intervals (0.95).</param>
public sealed record FineTuneComparison(IReadOnlyList<FineTunePair> Pairs, IReadOnlyList<FineTuneModelSummary> Models,
    IReadOnlyList<string> Unmatched, double ConfidenceLevel)
{
    /// <summary>The columns read from the fine-tuning table (<c>LitESM2ne_res_DMS_all.csv</c>).</summary>
    public static IReadOnlyList<string> FineTuneColumns { get; } = ["ModelSize", "Dataset_Name", "val_r2"];

    /// <summary>The columns read from the Lasso table (<c>DMS_all_multi_model_metadata.csv</c>).</summary>
    public static IReadOnlyList<string> LassoColumns { get; } = ["Model", "ModelSize", "Dataset_Name", "R2_score_test"];

    /// <summary>Reads both tables from files and compares them (<see cref="Compute"/>).</summary>
    /// <param name="fineTunePath">The study's fine-tuning table (or one with its columns).</param>
    /// <param name="lassoPath">The study's multi-model Lasso table.</param>
    /// <param name="confidenceLevel">Level of the intervals.</param>
    /// <exception cref="InputException">A missing file or column, a bad value, or no dataset in common; the message names the file.</exception>
    public static FineTuneComparison Read(string fineTunePath, string lassoPath, double confidenceLevel = 0.95) =>
        Compute(TidyTable.Read(fineTunePath), TidyTable.Read(lassoPath), confidenceLevel);

    /// <summary>Pairs the two tables as the study does and summarises each model size.</summary>
    /// <param name="fineTune">Fine-tuning results: one row per (<c>ModelSize</c>, <c>Dataset_Name</c>) with <c>val_r2</c>.</param>
    /// <param name="lasso">Lasso results: one row per fold with <c>Model</c>, <c>ModelSize</c>, <c>Dataset_Name</c>, <c>R2_score_test</c>.</param>
    /// <param name="confidenceLevel">Level of the intervals, in (0, 1).</param>
    /// <exception cref="InputException">A missing column, a non-finite R², a (size, dataset) twice in the fine-tuning
    /// table, or no pair at all; the message names the file (and line where there is one).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A confidence level outside (0, 1).</exception>
    public static FineTuneComparison Compute(TidyTable fineTune, TidyTable lasso, double confidenceLevel = 0.95)
    {
        if (!(confidenceLevel > 0 && confidenceLevel < 1)) throw new ArgumentOutOfRangeException(nameof(confidenceLevel), "a level in (0, 1) is expected");
        // Check every column first, so a table missing one fails on it whatever its rows hold.
        foreach (var c in FineTuneColumns) fineTune.Strings(c);
        foreach (var c in LassoColumns) lasso.Strings(c);

        var ftSizes = fineTune.Strings("ModelSize");
        var ftNames = fineTune.Strings("Dataset_Name");
        var ftR2 = Finite(fineTune, "val_r2");
        var fineTuned = new Dictionary<(string Size, string Dataset), (double R2, int Row)>();
        for (int i = 0; i < fineTune.RowCount; i++)
        {
            var key = (ftSizes[i].Trim(), ftNames[i]);
            if (fineTuned.TryGetValue(key, out var seen))
                throw new InputException(fineTune.Source, fineTune.LineOf(i),
                    $"model size '{key.Item1}' on dataset '{key.Item2}' appears twice (first on line {fineTune.LineOf(seen.Row)}); one fine-tuning result per pair is expected");
            fineTuned[key] = (ftR2[i], i);
        }
        var sizes = fineTuned.Keys.Select(k => k.Size).ToHashSet(StringComparer.Ordinal);
        var names = fineTuned.Keys.Select(k => k.Dataset).ToHashSet(StringComparer.Ordinal);

        var models = lasso.Strings("Model");
        var lassoSizes = lasso.Strings("ModelSize");
        var lassoNames = lasso.Strings("Dataset_Name");
        var methods = lasso.HasColumn("Compression_method") ? lasso.Strings("Compression_method") : null;
        var lassoR2 = lasso.Numbers("R2_score_test");
        var folds = new Dictionary<(string Size, string Dataset), List<double>>();
        for (int i = 0; i < lasso.RowCount; i++)
        {
            if (models[i].Trim() != "esm2" || !sizes.Contains(lassoSizes[i].Trim()) || !names.Contains(lassoNames[i])) continue;
            if (methods is not null && methods[i].Trim() != "mean") continue;
            if (!double.IsFinite(lassoR2[i]))
                throw new InputException(lasso.Source, lasso.LineOf(i), $"column 'R2_score_test' has {lassoR2[i]}; a finite number is expected");
            var key = (lassoSizes[i].Trim(), lassoNames[i]);
            if (!folds.TryGetValue(key, out var list)) folds[key] = list = [];
            list.Add(lassoR2[i]);
        }

        var pairs = new List<FineTunePair>();
        var unmatched = new List<string>();
        foreach (var (key, ft) in fineTuned)
        {
            if (folds.TryGetValue(key, out var scores))
                pairs.Add(new FineTunePair(key.Size, ParseParameters(key.Size, fineTune, ft.Row), key.Dataset, ft.R2, scores.Average(), scores.Count));
            else
                unmatched.Add($"{key.Size}/{key.Dataset}");
        }
        if (pairs.Count == 0)
            throw new InputException(lasso.Source, null,
                $"no ESM-2 (Model 'esm2') mean-pooling row matches a (ModelSize, Dataset_Name) of {fineTune.Source}; nothing to compare");
        pairs = [.. pairs.OrderBy(p => p.Parameters).ThenBy(p => p.ModelSize, StringComparer.Ordinal).ThenBy(p => p.Dataset, StringComparer.Ordinal)];
        var summaries = pairs.GroupBy(p => p.ModelSize).Select(g => Summarise([.. g], confidenceLevel)).ToList();
        unmatched.Sort(StringComparer.Ordinal);
        return new FineTuneComparison(pairs, summaries, unmatched, confidenceLevel);
    }

    /// <summary>
    /// Mean of paired differences with its t-based interval: mean ± t(1 − α/2, n − 1) · SD/√n, and the
    /// two-sided paired t test's p-value. With fewer than 2 differences the interval and p-value are NaN.
    /// </summary>
    /// <param name="differences">Paired differences.</param>
    /// <param name="confidenceLevel">Level of the interval.</param>
    public static (double Mean, double StdError, double ConfLow, double ConfHigh, double PValue) MeanInterval(IReadOnlyList<double> differences, double confidenceLevel = 0.95)
    {
        int n = differences.Count;
        if (n == 0) return (double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        double mean = differences.Average();
        if (n < 2) return (mean, double.NaN, double.NaN, double.NaN, double.NaN);
        double se = differences.StandardDeviation() / Math.Sqrt(n);
        double t = StudentT.InvCDF(0, 1, n - 1, 1 - (1 - confidenceLevel) / 2);
        double p = se > 0 ? 2 * StudentT.CDF(0, 1, n - 1, -Math.Abs(mean / se)) : (mean == 0 ? 1 : 0);
        return (mean, se, mean - t * se, mean + t * se, p);
    }

    private static FineTuneModelSummary Summarise(IReadOnlyList<FineTunePair> pairs, double level)
    {
        var d = pairs.Select(p => p.Difference).ToArray();
        var (mean, se, low, high, p) = MeanInterval(d, level);
        return new FineTuneModelSummary(pairs[0].ModelSize, pairs[0].Parameters, pairs.Count,
            pairs.Select(x => x.FineTuneR2).Median(), pairs.Select(x => x.LassoR2).Median(),
            pairs.Average(x => x.FineTuneR2), pairs.Average(x => x.LassoR2),
            mean, se, low, high, p, SignedRankTest.TwoSided(d), d.Count(x => x > 0));
    }

    private static double[] Finite(TidyTable table, string column)
    {
        var values = table.Numbers(column);
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i]))
                throw new InputException(table.Source, table.LineOf(i), $"column '{column}' has {values[i]}; a finite number is expected");
        return values;
    }

    private static double ParseParameters(string size, TidyTable table, int row)
    {
        string s = size.Trim();
        if (s.Length >= 2 && char.ToUpperInvariant(s[^1]) is 'M' or 'B'
            && double.TryParse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double count) && count > 0)
            return count * (char.ToUpperInvariant(s[^1]) == 'B' ? 1e9 : 1e6);
        throw new InputException(table.Source, table.LineOf(row), $"model size '{size}' is not a size such as 8M or 3B");
    }
}
