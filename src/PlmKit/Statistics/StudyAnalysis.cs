using System.Globalization;
using PlmKit.Data;

namespace PlmKit.Statistics;

/// <summary>Which family of contrasts the study analysis tests.</summary>
public enum ContrastKind
{
    /// <summary>Every level against the reference (multcomp's <c>mcp(effect = "Dunnett")</c>).</summary>
    Dunnett,

    /// <summary>All pairs of levels (multcomp's <c>mcp(effect = "Tukey")</c>).</summary>
    Tukey,
}

/// <summary>
/// The one text form of each setting of <see cref="StudyAnalysis"/>: parsed once at the edge (CLI,
/// experiment file, notebook), written back under the same key into manifests.
/// </summary>
public static class StudyAnalysisKeys
{
    private static readonly (PAdjustment Value, string Key)[] Adjustments =
        [(PAdjustment.SingleStep, "single-step"), (PAdjustment.Holm, "holm"), (PAdjustment.Bonferroni, "bonferroni"), (PAdjustment.None, "none")];

    private static readonly (FitCriterion Value, string Key)[] Criteria = [(FitCriterion.Reml, "reml"), (FitCriterion.MaximumLikelihood, "ml")];

    private static readonly (ContrastKind Value, string Key)[] Kinds = [(ContrastKind.Dunnett, "dunnett"), (ContrastKind.Tukey, "tukey")];

    /// <summary>Parses a p-value adjustment: <c>single-step</c>, <c>holm</c>, <c>bonferroni</c> or <c>none</c>.</summary>
    /// <exception cref="ConfigurationException">Any other text.</exception>
    public static PAdjustment ParseAdjustment(string text) => Parse(Adjustments, text, "adjust");

    /// <summary>Parses a fit criterion: <c>reml</c> or <c>ml</c>.</summary>
    /// <exception cref="ConfigurationException">Any other text.</exception>
    public static FitCriterion ParseCriterion(string text) => Parse(Criteria, text, "criterion");

    /// <summary>Parses a contrast family: <c>dunnett</c> or <c>tukey</c>.</summary>
    /// <exception cref="ConfigurationException">Any other text.</exception>
    public static ContrastKind ParseContrasts(string text) => Parse(Kinds, text, "contrasts");

    /// <summary>The key of <paramref name="adjustment"/> (what <see cref="ParseAdjustment"/> reads).</summary>
    public static string Key(PAdjustment adjustment) => Adjustments.Single(a => a.Value == adjustment).Key;

    /// <summary>The key of <paramref name="criterion"/> (what <see cref="ParseCriterion"/> reads).</summary>
    public static string Key(FitCriterion criterion) => Criteria.Single(c => c.Value == criterion).Key;

    /// <summary>The key of <paramref name="kind"/> (what <see cref="ParseContrasts"/> reads).</summary>
    public static string Key(ContrastKind kind) => Kinds.Single(k => k.Value == kind).Key;

    /// <summary>
    /// The p-value column of the contrasts table under <paramref name="adjustment"/>, as the lme4
    /// reference files name it: <c>p_adj_single_step</c>, <c>p_adj_holm</c>, <c>p_adj_bonferroni</c>, <c>p_unadjusted</c>.
    /// </summary>
    public static string PValueColumn(PAdjustment adjustment) =>
        adjustment == PAdjustment.None ? "p_unadjusted" : "p_adj_" + Key(adjustment).Replace('-', '_');

    /// <summary>The one message of every setting: the setting's key, its keys, the text given.</summary>
    private static T Parse<T>((T Value, string Key)[] table, string text, string what)
    {
        foreach (var (value, key) in table)
            if (string.Equals(key, text, StringComparison.OrdinalIgnoreCase))
                return value;
        throw new ConfigurationException($"{what} must be {string.Join(", ", table[..^1].Select(t => t.Key))} or {table[^1].Key}, not '{text}'");
    }
}

/// <summary>Settings of <see cref="StudyAnalysis.Run"/>: the model, the contrasts and the optional equivalence question.</summary>
/// <param name="Response">Numeric response column (e.g. <c>R2_score_test</c>).</param>
/// <param name="Effect">The categorical fixed effect whose levels are compared, with its reference level (null: the first in sorted order).</param>
/// <param name="RandomIntercepts">Random-intercept groupings (at least one).</param>
/// <param name="Covariates">Numeric covariate columns (one fixed slope each).</param>
/// <param name="Criterion">REML (lme4's default) or ML.</param>
/// <param name="Contrasts">Each level against the reference, or all pairs.</param>
/// <param name="Adjustment">P-value adjustment of the contrasts.</param>
/// <param name="Margin">Equivalence margin: TOST of every level against the best one; null for none.</param>
/// <param name="OrderBy">With <paramref name="Margin"/>: numeric column giving each level's size, for the smallest level within the margin.</param>
public sealed record StudyAnalysisSettings(
    string Response,
    FactorEffect Effect,
    IReadOnlyList<RandomIntercept> RandomIntercepts,
    IReadOnlyList<string>? Covariates = null,
    FitCriterion Criterion = FitCriterion.Reml,
    ContrastKind Contrasts = ContrastKind.Dunnett,
    PAdjustment Adjustment = PAdjustment.SingleStep,
    double? Margin = null,
    string? OrderBy = null)
{
    /// <summary>
    /// Settings from their text forms: <paramref name="effect"/> as <c>A</c> or <c>A:B</c> (combined
    /// columns), <paramref name="random"/> as lme4 groupings (<c>Dataset</c>, <c>Dataset:Fold</c>, nested <c>Dataset/Fold</c>).
    /// </summary>
    public static StudyAnalysisSettings Of(string response, string effect, IEnumerable<string> random, string? reference = null) =>
        new(response, new FactorEffect(effect.Split(':'), reference), [.. random.SelectMany(RandomIntercept.Parse)]);

    /// <summary>The mixed model these settings fit.</summary>
    public MixedModelFormula Formula => new(Response, [Effect], Covariates ?? [], RandomIntercepts);

    /// <summary>Checks the settings on their own (before any table is read).</summary>
    /// <exception cref="ConfigurationException">A non-positive margin, or an order-by column without a margin (it would do nothing).</exception>
    public void Validate()
    {
        if (Margin is { } m && !(m > 0 && double.IsFinite(m)))
            throw new ConfigurationException("--margin must be a positive number");
        if (OrderBy is not null && Margin is null)
            throw new ConfigurationException("--order-by needs --margin: it orders the levels of the equivalence test, which only --margin asks for");
        if (RandomIntercepts.Count == 0)
            throw new ConfigurationException("the mixed model needs at least one random intercept");
    }
}

/// <summary>What <see cref="StudyAnalysis.Run"/> found; immutable, written by <see cref="Write"/>.</summary>
/// <param name="Settings">The settings it ran with.</param>
/// <param name="Source">The table's source (its file path when read from a file).</param>
/// <param name="Fit">The mixed model fit.</param>
/// <param name="Contrasts">The contrasts (Dunnett or Tukey) with adjusted p-values and simultaneous intervals.</param>
/// <param name="Equivalence">TOST of every level against the best one, when a margin was given.</param>
/// <param name="Smallest">The smallest level within the margin of the best, when the levels were ordered by size
/// (an order-by column or an explicit order); null otherwise.</param>
public sealed record StudyAnalysisResult(
    StudyAnalysisSettings Settings,
    string Source,
    MixedModelFit Fit,
    ContrastTable Contrasts,
    SmallestWithinMarginResult? Equivalence,
    string? Smallest)
{
    /// <summary>The effect's reference level (given, or the first in sorted order).</summary>
    public string Reference => Fit.Factor(Settings.Effect.Name).Reference;

    /// <summary>The level with the highest estimate, when a margin was given.</summary>
    public string? Best => Equivalence?.Best;

    /// <summary>Suffixes of the tables <see cref="WriteTables"/> writes after its prefix (equivalence only with a margin).</summary>
    public static IReadOnlyList<string> TableSuffixes { get; } = ["_fixed.csv", "_varcomp.csv", "_contrasts.csv", "_equivalence.csv"];

    /// <summary>
    /// Writes the lme4-layout tables <c>&lt;prefix&gt;_fixed.csv</c> (term, estimate, std_error,
    /// statistic), <c>_varcomp.csv</c> (grp, vcov, sdcor), <c>_contrasts.csv</c> (contrast, estimate,
    /// std_error, z, p column, conf_low, conf_high) and, with a margin, <c>_equivalence.csv</c>
    /// into <paramref name="folder"/>, each atomically through <see cref="CsvFile"/>.
    /// </summary>
    /// <returns>The full paths written, in that order.</returns>
    public IReadOnlyList<string> WriteTables(string folder, string prefix)
    {
        string Path(int i) => System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, prefix + TableSuffixes[i]));
        var written = new List<string>();
        CsvFile.Write(Path(0), ["term", "estimate", "std_error", "statistic"],
            Fit.FixedEffects.Select(e => new object?[] { e.Label, e.Estimate, e.StdError, e.TValue }));
        written.Add(Path(0));
        CsvFile.Write(Path(1), ["grp", "vcov", "sdcor"],
            Fit.VarianceComponents.Select(c => new object?[] { c.Group, c.Variance, c.StdDev }));
        written.Add(Path(1));
        CsvFile.Write(Path(2), ["contrast", "estimate", "std_error", "z", StudyAnalysisKeys.PValueColumn(Contrasts.Adjustment), "conf_low", "conf_high"],
            Contrasts.Contrasts.Select(c => new object?[] { c.Name, c.Estimate, c.StdError, c.Z, c.PValue, c.ConfLow, c.ConfHigh }));
        written.Add(Path(2));
        if (Equivalence is { } eq)
        {
            CsvFile.Write(Path(3), ["contrast", "estimate", "std_error", "margin", "p_tost", "conf_low_90", "conf_high_90", "equivalent"],
                eq.Tests.Select(t => new object?[] { t.Name, t.Estimate, t.StdError, t.Margin, t.PValue, t.ConfLow, t.ConfHigh, t.Equivalent }));
            written.Add(Path(3));
        }
        return written;
    }

    /// <summary>
    /// Records the settings (under <c>config</c>), the input table and the fit's summary (formula,
    /// reference, objective, n, groups, θ, convergence, critical value, best and smallest level) in
    /// <paramref name="manifest"/>; with <paramref name="key"/> the summary goes under that key (for
    /// a manifest that holds several analyses), otherwise at the top level.
    /// </summary>
    public void Describe(Manifest manifest, string? key = null)
    {
        // A joined table's source names its files joined by " + " (TidyTable.Concat).
        foreach (var file in Source.Split(" + ")) if (File.Exists(file)) manifest.Input(file);
        var summary = new Dictionary<string, object?>
        {
            ["formula"] = Fit.Formula.ToString(),
            ["reference"] = Reference,
            ["criterion"] = StudyAnalysisKeys.Key(Settings.Criterion),
            ["contrasts"] = StudyAnalysisKeys.Key(Settings.Contrasts),
            ["adjustment"] = StudyAnalysisKeys.Key(Settings.Adjustment),
            ["objective"] = Fit.Objective,
            ["n"] = Fit.ObservationCount,
            ["groups"] = Fit.GroupCounts,
            ["converged"] = Fit.Converged,
            ["singular"] = Fit.IsSingular,
            ["theta"] = Fit.Theta,
            ["critical_value"] = Contrasts.CriticalValue,
            ["margin"] = Settings.Margin,
            ["order_by"] = Settings.OrderBy,
            ["best"] = Best,
            ["smallest_within_margin"] = Smallest,
        };
        if (key is not null)
        {
            manifest.Set(key, summary);
            return;
        }
        manifest.Config("response", Settings.Response)
            .Config("effect", Settings.Effect.Name)
            .Config("reference", Settings.Effect.Reference)
            .Config("random", Settings.RandomIntercepts.Select(r => r.Name).ToArray())
            .Config("covariates", (Settings.Covariates ?? []).ToArray())
            .Config("criterion", StudyAnalysisKeys.Key(Settings.Criterion))
            .Config("contrasts", StudyAnalysisKeys.Key(Settings.Contrasts))
            .Config("adjustment", StudyAnalysisKeys.Key(Settings.Adjustment))
            .Config("margin", Settings.Margin)
            .Config("order_by", Settings.OrderBy);
        foreach (var (name, value) in summary) manifest.Set(name, value);
    }

    /// <summary>
    /// Writes the tables (<see cref="WriteTables"/>) and, last, <c>&lt;prefix&gt;.manifest.json</c>
    /// (<see cref="Manifest"/>, command <paramref name="command"/>) into <paramref name="folder"/>.
    /// Nothing can fail for the analysis's reasons here: every check ran in <see cref="StudyAnalysis.Run"/>.
    /// </summary>
    /// <returns>Every path written, the manifest last.</returns>
    public IReadOnlyList<string> Write(string folder, string prefix, string command, IReadOnlyList<string>? argv = null)
    {
        var tables = WriteTables(folder, prefix);
        var manifest = new Manifest(command, argv);
        Describe(manifest);
        foreach (var t in tables) manifest.Output(t);
        string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, prefix + ".manifest.json"));
        manifest.Write(path);
        return [.. tables, path];
    }
}

/// <summary>
/// The study's analysis of a tidy results table, the one implementation behind <c>plmkit stats</c>,
/// the statistics of <c>plmkit run</c>, <c>plmkit reproduce</c> and the notebooks: an lme4-style
/// mixed model (<see cref="LinearMixedModel"/>), multcomp-style contrasts
/// (<see cref="MultipleComparisons"/>) and, on request, TOST equivalence against the best level
/// (<see cref="Statistics.Equivalence"/>). It checks and computes everything in memory; the
/// result's <see cref="StudyAnalysisResult.Write"/> only writes, so a bad column or option never
/// leaves some of the tables behind.
/// </summary>
public static class StudyAnalysis
{
    /// <summary>Fits, tests and (with a margin) runs the equivalence tests.</summary>
    /// <param name="table">The tidy table, one row per observation.</param>
    /// <param name="settings">The model, contrasts and equivalence question.</param>
    /// <param name="levelsSmallestFirst">With a margin and no order-by column: the levels ordered by size when
    /// the size is not a column (e.g. parsed from model names), for the smallest level within the margin.</param>
    /// <exception cref="ConfigurationException">Inconsistent settings (see <see cref="StudyAnalysisSettings.Validate"/>),
    /// or an explicit order without a margin or together with an order-by column.</exception>
    /// <exception cref="InputException">Missing columns, bad values, one level, an unknown reference level, or an
    /// order-by column that is not one finite number per level (the message names file and line).</exception>
    public static StudyAnalysisResult Run(TidyTable table, StudyAnalysisSettings settings, IReadOnlyList<string>? levelsSmallestFirst = null)
    {
        settings.Validate();
        if (levelsSmallestFirst is not null && (settings.Margin is null || settings.OrderBy is not null))
            throw new ConfigurationException("an explicit order of the levels needs a margin and no order-by column");
        // The order is checked before the fit, so a bad order-by column fails fast.
        var order = settings.OrderBy is { } column ? LevelsBySize(table, settings.Effect, column) : levelsSmallestFirst;
        var fit = LinearMixedModel.Fit(table, settings.Formula, new MixedModelOptions(settings.Criterion));
        var options = new ContrastOptions(settings.Adjustment);
        string factor = settings.Effect.Name;
        var contrasts = settings.Contrasts == ContrastKind.Tukey
            ? MultipleComparisons.Tukey(fit, factor, options)
            : MultipleComparisons.Dunnett(fit, factor, options);
        var equivalence = settings.Margin is { } margin
            ? Equivalence.SmallestWithinMargin(fit, factor, order ?? fit.Factor(factor).Levels, margin)
            : null;
        return new StudyAnalysisResult(settings, table.Source, fit, contrasts, equivalence, order is null ? null : equivalence?.Smallest);
    }

    /// <summary>Levels of the effect ordered by the (per-level constant) numeric <paramref name="column"/>, smallest first.</summary>
    private static IReadOnlyList<string> LevelsBySize(TidyTable table, FactorEffect factor, string column)
    {
        var sizes = table.Numbers(column);
        var cells = factor.Columns.Select(table.Strings).ToArray();
        var sizeOf = new Dictionary<string, (double Size, int Row)>(StringComparer.Ordinal);
        for (int r = 0; r < table.RowCount; r++)
        {
            string level = string.Join(":", cells.Select(c => c[r]));
            if (!double.IsFinite(sizes[r]))
                throw new InputException(table.SourceOf(r), table.LineOf(r), $"column '{column}' has {sizes[r].ToString(CultureInfo.InvariantCulture)}; a finite number is needed");
            if (sizeOf.TryGetValue(level, out var seen) && seen.Size != sizes[r])
                throw new InputException(table.SourceOf(r), table.LineOf(r),
                    $"level '{level}' has {column} {sizes[r].ToString(CultureInfo.InvariantCulture)} here but {seen.Size.ToString(CultureInfo.InvariantCulture)} " +
                    $"on line {table.LineOf(seen.Row)}; --order-by needs one value per level");
            sizeOf.TryAdd(level, (sizes[r], r));
        }
        return [.. sizeOf.OrderBy(kv => kv.Value.Size).ThenBy(kv => kv.Key, FactorEffect.LevelOrder).Select(kv => kv.Key)];
    }
}
