using MathNet.Numerics.LinearAlgebra;

namespace PlmKit.Statistics;

/// <summary>How p-values of a family of contrasts are adjusted for multiplicity.</summary>
public enum PAdjustment
{
    /// <summary>multcomp's default: p = P(max |Z_j| ≥ |z_i|) under the joint normal distribution of all contrasts.</summary>
    SingleStep,

    /// <summary>Holm's step-down on the unadjusted normal p-values.</summary>
    Holm,

    /// <summary>Bonferroni: m × unadjusted p, capped at 1.</summary>
    Bonferroni,

    /// <summary>No adjustment: two-sided normal p-values.</summary>
    None,
}

/// <summary>A linear combination of the fixed effects to test against zero, e.g. one level minus another.</summary>
/// <param name="Name">Label (multcomp's row name of <c>linfct</c>).</param>
/// <param name="Weights">Weights on the coefficients (length p, <see cref="MixedModelFit.FixedEffects"/> order).</param>
public sealed record LinearContrast(string Name, IReadOnlyList<double> Weights);

/// <summary>One tested contrast, as a row of the study's <c>glht</c> table.</summary>
/// <param name="Name">Contrast label: the level for level-vs-reference contrasts, <c>"a - b"</c> for pairs.</param>
/// <param name="Estimate">Estimated value of the contrast (response units).</param>
/// <param name="StdError">Its standard error.</param>
/// <param name="Z">Estimate / StdError (normal reference distribution, as glht on an lmer fit).</param>
/// <param name="PValue">Two-sided p-value adjusted as <see cref="ContrastTable.Adjustment"/> says.</param>
/// <param name="ConfLow">Lower bound of the simultaneous interval.</param>
/// <param name="ConfHigh">Upper bound of the simultaneous interval.</param>
public sealed record ContrastResult(string Name, double Estimate, double StdError, double Z, double PValue, double ConfLow, double ConfHigh);

/// <summary>A family of contrasts tested together.</summary>
/// <param name="Contrasts">One row per contrast.</param>
/// <param name="Adjustment">How <see cref="ContrastResult.PValue"/> was adjusted.</param>
/// <param name="ConfidenceLevel">Simultaneous coverage of the intervals (e.g. 0.95).</param>
/// <param name="CriticalValue">Multiplier of the standard errors in the intervals (multcomp's <c>calpha</c>).</param>
/// <param name="IntegrationError">Largest error estimate of the multivariate normal integrals behind
/// the single-step p-values (0 when none were needed).</param>
public sealed record ContrastTable(IReadOnlyList<ContrastResult> Contrasts, PAdjustment Adjustment, double ConfidenceLevel,
    double CriticalValue, double IntegrationError)
{
    /// <summary>The contrast named <paramref name="name"/>.</summary>
    public ContrastResult this[string name] => Contrasts.FirstOrDefault(c => c.Name == name)
        ?? throw new KeyNotFoundException($"no contrast '{name}'");
}

/// <summary>Options of <see cref="MultipleComparisons"/>.</summary>
/// <param name="Adjustment">P-value adjustment (default single-step, multcomp's default).</param>
/// <param name="ConfidenceLevel">Simultaneous coverage of the intervals.</param>
/// <param name="Mvn">Settings of the multivariate normal integration (mvtnorm's defaults, fixed seed).</param>
public sealed record ContrastOptions(PAdjustment Adjustment = PAdjustment.SingleStep, double ConfidenceLevel = 0.95, MvnOptions? Mvn = null)
{
    /// <summary>Single-step, 95 %, mvtnorm's integration defaults.</summary>
    public static ContrastOptions Default { get; } = new();
}

/// <summary>
/// Simultaneous inference on fixed effects of a mixed model, as R's <c>multcomp::glht</c> does for
/// an lmer fit: contrasts K β̂ with covariance K V Kᵀ, z statistics (normal, not t), single-step
/// p-values and simultaneous intervals from the multivariate normal distribution of the z's
/// (<see cref="MultivariateNormal"/>), or Holm / Bonferroni adjustment.
/// </summary>
/// <remarks>
/// Intervals: single-step intervals (multcomp's <c>confint</c>) for <see cref="PAdjustment.SingleStep"/>
/// and <see cref="PAdjustment.Holm"/> (Holm has no interval of its own, and multcomp's
/// <c>confint</c> ignores the test's adjustment), Bonferroni intervals for
/// <see cref="PAdjustment.Bonferroni"/>, marginal intervals for <see cref="PAdjustment.None"/>.
/// </remarks>
public static class MultipleComparisons
{
    /// <summary>
    /// Every level of <paramref name="factor"/> against its reference level (Dunnett-type; the
    /// study's "each compression method vs mean"). Contrasts are named by the level.
    /// </summary>
    public static ContrastTable Dunnett(MixedModelFit fit, string factor, ContrastOptions? options = null)
    {
        var coding = fit.Factor(factor);
        var contrasts = coding.Levels.Skip(1).Select(level => new LinearContrast(level, LevelDifference(fit, coding, level, coding.Reference)));
        return Test(fit, [.. contrasts], options);
    }

    /// <summary>
    /// All pairs of levels of <paramref name="factor"/> (Tukey-type), named <c>"b - a"</c> for
    /// levels a before b in <see cref="FactorCoding.Levels"/> order, as multcomp's <c>mcp(f = "Tukey")</c>.
    /// </summary>
    public static ContrastTable Tukey(MixedModelFit fit, string factor, ContrastOptions? options = null)
    {
        var coding = fit.Factor(factor);
        var contrasts = new List<LinearContrast>();
        for (int i = 0; i < coding.Levels.Count; i++)
            for (int j = i + 1; j < coding.Levels.Count; j++)
                contrasts.Add(new LinearContrast($"{coding.Levels[j]} - {coding.Levels[i]}",
                    LevelDifference(fit, coding, coding.Levels[j], coding.Levels[i])));
        return Test(fit, contrasts, options);
    }

    /// <summary>Weights of the contrast "level <paramref name="a"/> minus level <paramref name="b"/>" (length p).</summary>
    public static double[] LevelDifference(MixedModelFit fit, FactorCoding coding, string a, string b)
    {
        var w = new double[fit.FixedEffects.Count];
        int ia = coding.CoefficientOf(a), ib = coding.CoefficientOf(b);
        if (ia >= 0) w[ia] += 1;
        if (ib >= 0) w[ib] -= 1;
        return w;
    }

    /// <summary>Tests the given contrasts jointly (multcomp's <c>glht(m, linfct = K)</c>).</summary>
    /// <exception cref="ArgumentException">No contrasts, a weight vector of the wrong length, or a contrast with zero variance.</exception>
    public static ContrastTable Test(MixedModelFit fit, IReadOnlyList<LinearContrast> contrasts, ContrastOptions? options = null)
    {
        options ??= ContrastOptions.Default;
        var mvn = options.Mvn ?? MvnOptions.Default;
        int m = contrasts.Count, p = fit.FixedEffects.Count;
        if (m == 0) throw new ArgumentException("at least one contrast is needed", nameof(contrasts));
        if (contrasts.Any(c => c.Weights.Count != p))
            throw new ArgumentException($"every contrast needs {p} weights, one per fixed effect", nameof(contrasts));
        var k = Matrix<double>.Build.Dense(m, p, (i, j) => contrasts[i].Weights[j]);
        var estimate = k * fit.Coefficients;
        var cov = k * fit.FixedEffectCovariance * k.Transpose();
        var se = Enumerable.Range(0, m).Select(i => Math.Sqrt(cov[i, i])).ToArray();
        if (se.Any(s => !(s > 0)))
            throw new ArgumentException("a contrast has zero variance (all its weights are zero?)", nameof(contrasts));
        var corr = new double[m, m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
                corr[i, j] = cov[i, j] / (se[i] * se[j]);
        var z = Enumerable.Range(0, m).Select(i => estimate[i] / se[i]).ToArray();
        var raw = z.Select(v => 2 * MultivariateNormal.NormalCdf(-Math.Abs(v))).ToArray();

        double alpha = 1 - options.ConfidenceLevel;
        double integrationError = 0;
        double[] adjusted;
        switch (options.Adjustment)
        {
            case PAdjustment.SingleStep:
                adjusted = new double[m];
                for (int i = 0; i < m; i++)
                {
                    // The single-step p lies between the raw p and the Bonferroni p; when the latter
                    // is below 1e-9 it is used directly (error < 1e-9, far below the integration's).
                    double bonferroni = raw[i] * m;
                    if (bonferroni < 1e-9)
                    {
                        adjusted[i] = bonferroni;
                        continue;
                    }
                    double t = Math.Abs(z[i]);
                    var upper = Enumerable.Repeat(t, m).ToArray();
                    var prob = MultivariateNormal.Probability(corr, [.. upper.Select(v => -v)], upper, mvn);
                    adjusted[i] = Math.Clamp(1 - prob.Value, 0, 1);
                    integrationError = Math.Max(integrationError, prob.Error);
                }
                break;
            case PAdjustment.Holm:
                adjusted = Holm(raw);
                break;
            case PAdjustment.Bonferroni:
                adjusted = [.. raw.Select(v => Math.Min(1, v * m))];
                break;
            default:
                adjusted = raw;
                break;
        }
        double critical = options.Adjustment switch
        {
            PAdjustment.SingleStep or PAdjustment.Holm => MultivariateNormal.TwoSidedEquicoordinateQuantile(corr, options.ConfidenceLevel, mvn),
            PAdjustment.Bonferroni => MultivariateNormal.NormalQuantile(1 - alpha / (2 * m)),
            _ => MultivariateNormal.NormalQuantile(1 - alpha / 2),
        };
        var rows = new ContrastResult[m];
        for (int i = 0; i < m; i++)
            rows[i] = new ContrastResult(contrasts[i].Name, estimate[i], se[i], z[i], adjusted[i],
                estimate[i] - critical * se[i], estimate[i] + critical * se[i]);
        return new ContrastTable(rows, options.Adjustment, options.ConfidenceLevel, critical, integrationError);
    }

    /// <summary>Holm's step-down adjustment of <paramref name="p"/> (same order in and out).</summary>
    public static double[] Holm(IReadOnlyList<double> p)
    {
        int m = p.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => p[i]).ToArray();
        var adjusted = new double[m];
        double running = 0;
        for (int rank = 0; rank < m; rank++)
        {
            int i = order[rank];
            running = Math.Max(running, Math.Min(1, (m - rank) * p[i]));
            adjusted[i] = running;
        }
        return adjusted;
    }
}
