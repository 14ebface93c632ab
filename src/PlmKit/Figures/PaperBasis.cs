using PlmKit.Data;

namespace PlmKit.Figures;

/// <summary>
/// The study's own data selections, as SWAT's plotting code (<c>notebooks/stats_plots.Rmd</c>)
/// applies them before drawing: PlmKit's figures of the paper use these, and anything that goes
/// beyond them is drawn as a separate, labelled figure.
/// </summary>
public static class PaperBasis
{
    /// <summary>
    /// The four DMS assays whose proteins are longer than ESM-1v's 1,022-residue window (the
    /// <c>Dataset</c> ids of "BRCA1 RING", "UBE4B singles", "BRCA1 BRCT", "POLG Sun2014"): dropped
    /// from Figure 3A and drawn apart in Supplementary Figure 3. Figure 5 and its supplements keep them.
    /// </summary>
    public static IReadOnlyList<string> LongProteinAssays { get; } =
        ["BRCA1_HUMAN_RING", "UBE4B_MOUSE_Klevit2013_singles", "BRCA1_HUMAN_BRCT", "POLG_HCVJF_Sun2014"];

    /// <summary>The pooling every multi-model figure uses (<c>Compression_method == "mean"</c>).</summary>
    public const string Pooling = "mean";

    /// <summary>The learning-curve subsample size Figure 4 leaves out (too few rows for 5-fold CV to mean much).</summary>
    public const int DroppedSampleSize = 32;

    /// <summary>The model family Figure 4 leaves out.</summary>
    public const string DroppedCurveFamily = "esm1v";

    /// <summary>
    /// The rows of a results table with mean pooling; a table without <c>Compression_method</c>
    /// is taken as mean-pooled (PlmKit's own multi-model tables).
    /// </summary>
    public static TidyTable MeanPooled(TidyTable results) =>
        results.HasColumn("Compression_method") ? results.WhereEquals("Compression_method", Pooling) : results;

    /// <summary>Figure 3A's assays: every assay but <see cref="LongProteinAssays"/>.</summary>
    public static IReadOnlyList<FoldScore> Figure3A(IEnumerable<FoldScore> folds) =>
        [.. folds.Where(f => !LongProteinAssays.Contains(f.Dataset, StringComparer.Ordinal))];

    /// <summary>
    /// Figure 3A's rows of a multi-model results table: mean pooling (<see cref="MeanPooled"/>) on
    /// every assay but <see cref="LongProteinAssays"/>, for analyses that read the table itself (the mixed model of models).
    /// </summary>
    /// <exception cref="InputException">The table has no <c>Dataset</c> column.</exception>
    public static TidyTable Figure3A(TidyTable results) =>
        MeanPooled(results).Where("Dataset", d => !LongProteinAssays.Contains(d, StringComparer.Ordinal));

    /// <summary>Supplementary Figure 3's assays: only <see cref="LongProteinAssays"/>.</summary>
    public static IReadOnlyList<FoldScore> LongAssays(IEnumerable<FoldScore> folds) =>
        [.. folds.Where(f => LongProteinAssays.Contains(f.Dataset, StringComparer.Ordinal))];

    /// <summary>Figure 4's rows: without subsample size <see cref="DroppedSampleSize"/> and without <see cref="DroppedCurveFamily"/>.</summary>
    public static IReadOnlyList<SamplingScore> Figure4(IEnumerable<SamplingScore> rows) =>
        [.. rows.Where(r => r.SampleSize != DroppedSampleSize && r.Model.Family != DroppedCurveFamily)];
}
