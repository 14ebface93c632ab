namespace PlmKit.Statistics;

/// <summary>
/// A categorical fixed effect, coded with treatment contrasts: one indicator column per level
/// other than the reference, whose coefficient is that level's difference from the reference.
/// </summary>
/// <param name="Columns">The table column(s) whose values form the levels. Several columns are
/// combined into one factor whose levels join the values with ':' (R's <c>interaction()</c>), e.g.
/// <c>["Model", "ModelSize"]</c> gives levels such as <c>esm2:650M</c>.</param>
/// <param name="Reference">The reference level, or null for the first level in
/// <see cref="LevelOrder"/> order (R's default for <c>factor()</c>).</param>
public sealed record FactorEffect(IReadOnlyList<string> Columns, string? Reference = null)
{
    /// <summary>A factor on a single column.</summary>
    public FactorEffect(string column, string? reference = null) : this([column], reference) { }

    /// <summary>Name of the factor: the columns joined with ':'.</summary>
    public string Name => string.Join(":", Columns);

    /// <summary>
    /// The order in which levels are listed (after the reference): case-insensitive ordinal,
    /// ties broken by ordinal, close to R's default <c>sort()</c> in an English locale.
    /// </summary>
    public static IComparer<string> LevelOrder { get; } = Comparer<string>.Create((a, b) =>
    {
        int c = StringComparer.OrdinalIgnoreCase.Compare(a, b);
        return c != 0 ? c : StringComparer.Ordinal.Compare(a, b);
    });
}

/// <summary>
/// A random intercept <c>(1 | group)</c>: one normally distributed effect per level of the
/// grouping, with a common variance estimated from the data.
/// </summary>
/// <param name="Columns">The column(s) defining the groups. Several columns form their
/// interaction, which is how nested effects are written: <c>(1|Dataset/Fold)</c> is
/// <c>(1|Dataset) + (1|Dataset:Fold)</c>, i.e. <c>["Dataset"]</c> and <c>["Dataset", "Fold"]</c>.</param>
public sealed record RandomIntercept(IReadOnlyList<string> Columns)
{
    /// <summary>A random intercept grouped by one column.</summary>
    public RandomIntercept(string column) : this([column]) { }

    /// <summary>Name of the grouping as lme4 prints it: the columns joined with ':'.</summary>
    public string Name => string.Join(":", Columns);

    /// <summary>
    /// Parses lme4-style grouping text: <c>"Dataset"</c>, <c>"Dataset:Fold"</c> (interaction) or
    /// <c>"Dataset/Fold"</c> (nested, expands to <c>Dataset</c> and <c>Dataset:Fold</c>).
    /// </summary>
    public static IReadOnlyList<RandomIntercept> Parse(string text)
    {
        var parts = text.Split('/', StringSplitOptions.TrimEntries);
        var terms = new List<RandomIntercept>();
        var prefix = new List<string>();
        foreach (var part in parts)
        {
            prefix.AddRange(part.Split(':', StringSplitOptions.TrimEntries));
            terms.Add(new RandomIntercept([.. prefix]));
        }
        return terms;
    }
}

/// <summary>How the variance parameters are estimated.</summary>
public enum FitCriterion
{
    /// <summary>Restricted maximum likelihood (lme4's default, <c>REML = TRUE</c>).</summary>
    Reml,

    /// <summary>Maximum likelihood (<c>REML = FALSE</c>), needed to compare models with different fixed effects.</summary>
    MaximumLikelihood,
}

/// <summary>
/// The model <c>response ~ factors + covariates + (1|g1) + (1|g2) + …</c> in lme4's notation.
/// </summary>
/// <param name="Response">Numeric response column (e.g. <c>R2_score_test</c>).</param>
/// <param name="Factors">Categorical fixed effects, treatment-coded.</param>
/// <param name="Covariates">Numeric fixed effects (one slope each), e.g. <c>log10(dataset size)</c> precomputed as a column.</param>
/// <param name="RandomIntercepts">At least one random intercept; crossed or nested.</param>
public sealed record MixedModelFormula(
    string Response,
    IReadOnlyList<FactorEffect> Factors,
    IReadOnlyList<string> Covariates,
    IReadOnlyList<RandomIntercept> RandomIntercepts)
{
    /// <summary>
    /// The study's model: <c>response ~ effect + (1|g1) + (1|g2) …</c>, e.g.
    /// <c>MixedModelFormula.OneFactor("R2_score_test", "Compression_method", "mean", "Dataset", "Fold")</c>.
    /// </summary>
    public static MixedModelFormula OneFactor(string response, string effect, string? reference, params string[] randomIntercepts) =>
        new(response, [new FactorEffect(effect, reference)], [], [.. randomIntercepts.Select(g => new RandomIntercept(g))]);

    /// <summary>The formula in lme4 syntax, for messages and manifests.</summary>
    public override string ToString()
    {
        var fixedTerms = Factors.Select(f => f.Name).Concat(Covariates).DefaultIfEmpty("1");
        var random = RandomIntercepts.Select(r => $"(1|{r.Name})");
        return $"{Response} ~ {string.Join(" + ", fixedTerms.Concat(random))}";
    }
}

/// <summary>Settings of the variance-parameter optimisation.</summary>
/// <param name="Criterion">REML (default) or ML.</param>
/// <param name="MaxEvaluations">Budget of deviance evaluations for the optimizer.</param>
/// <param name="SingularTolerance">A relative covariance factor θ below this is reported as a
/// singular (boundary) fit, as lme4's <c>isSingular(tol = 1e-4)</c>.</param>
public sealed record MixedModelOptions(
    FitCriterion Criterion = FitCriterion.Reml,
    int MaxEvaluations = 10_000,
    double SingularTolerance = 1e-4)
{
    /// <summary>REML with lme4's default settings.</summary>
    public static MixedModelOptions Default { get; } = new();
}
