using PlmKit.Data;
using PlmKit.Statistics;

namespace PlmKit.Figures;

/// <summary>
/// PlmKit's addition to Figure 3A (the paper compares models by their medians only): on Figure
/// 3A's assays, <c>lmer(R2_score_test ~ Model:ModelSize + (1|Dataset) + (1|Fold))</c>, every
/// model against the largest (glht single-step 95% intervals), then TOST of every model against
/// the best at a margin, tried from the smallest model up. <c>plmkit reproduce</c> draws it as
/// <c>plmkit-models-vs-largest</c>, notebook 04 shows it; both call <see cref="Run"/>.
/// </summary>
/// <param name="Analysis">The fit, the contrasts against <paramref name="Largest"/> and the equivalence tests.</param>
/// <param name="Largest">The reference of the contrasts: the model with the most parameters.</param>
/// <param name="SmallestFirst">Every model, by parameter count (ties by family, then size).</param>
public sealed record ModelComparison(StudyAnalysisResult Analysis, ModelId Largest, IReadOnlyList<ModelId> SmallestFirst)
{
    /// <summary>The factor's level of <paramref name="model"/> in the fit, e.g. <c>esm2:15B</c>.</summary>
    public static string Level(ModelId model) => $"{model.Family}:{model.Size}";

    /// <summary>Fits and tests the models of <paramref name="results"/> on Figure 3A's rows (<see cref="PaperBasis.Figure3A(TidyTable)"/>).</summary>
    /// <param name="results">A multi-model results table (<c>Dataset</c>, <c>Model</c>, <c>ModelSize</c>, <c>Fold</c>, <c>R2_score_test</c>).</param>
    /// <param name="margin">Equivalence margin in R² (positive).</param>
    /// <exception cref="ConfigurationException">A margin that is not a positive number.</exception>
    /// <exception cref="InputException">Missing columns, bad values, or fewer than two models.</exception>
    public static ModelComparison Run(TidyTable results, double margin)
    {
        var basis = PaperBasis.Figure3A(results);
        var models = StudyTables.FoldScores(basis).Select(f => f.Model).Distinct().OrderBy(m => m.Parameters).ThenBy(m => m).ToList();
        if (models.Count < 2) throw new InputException(results.Source, null, "the comparison of models needs at least two models on Figure 3A's assays");
        var largest = models[^1];
        var settings = new StudyAnalysisSettings("R2_score_test", new FactorEffect(["Model", "ModelSize"], Level(largest)),
            [new RandomIntercept("Dataset"), new RandomIntercept("Fold")], Margin: margin);
        // The size order comes from the model names (ModelId), not from a column, so it is given
        // to the equivalence test directly rather than as an order-by column.
        return new ModelComparison(StudyAnalysis.Run(basis, settings, [.. models.Select(Level)]), largest, models);
    }

    /// <summary>The equivalence tests, the best model and the smallest within the margin of it.</summary>
    public SmallestWithinMarginResult Equivalence => Analysis.Equivalence!;

    /// <summary>
    /// The same question among some of the models only (e.g. one family), at its own margin, on the
    /// same fit: the best of them and the smallest of them shown within <paramref name="margin"/> of it.
    /// </summary>
    /// <exception cref="ArgumentException">None of <paramref name="models"/> is in the fit, or a margin that is not positive.</exception>
    public SmallestWithinMarginResult Within(IEnumerable<ModelId> models, double margin)
    {
        if (!(margin > 0 && double.IsFinite(margin))) throw new ArgumentException("the margin must be a positive number", nameof(margin));
        var wanted = models.ToHashSet();
        var levels = SmallestFirst.Where(wanted.Contains).Select(Level).ToList();
        if (levels.Count == 0) throw new ArgumentException("none of the models is in the comparison", nameof(models));
        return Statistics.Equivalence.SmallestWithinMargin(Analysis.Fit, Analysis.Settings.Effect.Name, levels, margin);
    }
}
