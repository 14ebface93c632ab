namespace PlmKit.Statistics;

/// <summary>
/// A two one-sided tests (TOST) equivalence test of one contrast against a margin δ:
/// H0: |contrast| ≥ δ versus H1: |contrast| &lt; δ.
/// </summary>
/// <param name="Name">Contrast label, e.g. <c>"esm2:650M - esm2:15B"</c>.</param>
/// <param name="Estimate">Estimated contrast (response units).</param>
/// <param name="StdError">Its standard error.</param>
/// <param name="Margin">The equivalence margin δ &gt; 0 (response units, e.g. 0.02 R²).</param>
/// <param name="PValue">TOST p-value: the larger of the two one-sided p-values.</param>
/// <param name="ConfLow">Lower bound of the (1 − 2α) interval (the interval TOST compares with ±δ).</param>
/// <param name="ConfHigh">Upper bound of that interval.</param>
/// <param name="Equivalent">True when <see cref="PValue"/> &lt; α, i.e. the interval lies inside (−δ, δ).</param>
public sealed record EquivalenceResult(string Name, double Estimate, double StdError, double Margin, double PValue,
    double ConfLow, double ConfHigh, bool Equivalent);

/// <summary>Answer of <see cref="Equivalence.SmallestWithinMargin"/>.</summary>
/// <param name="Best">The level with the highest (or, if lower is better, lowest) estimated effect.</param>
/// <param name="Smallest">The first level in the given order shown equivalent to <paramref name="Best"/>
/// (the best itself when no smaller level is).</param>
/// <param name="Tests">TOST of every ordered level against the best, in the given order
/// (the best's own row has estimate 0 and is equivalent by definition).</param>
public sealed record SmallestWithinMarginResult(string Best, string Smallest, IReadOnlyList<EquivalenceResult> Tests);

/// <summary>
/// Equivalence questions a user of the study asks: "is ESM-2 650M within 0.02 R² of ESM-2 15B?"
/// and "which is the smallest model within 0.02 R² of the best?". Tests use the normal
/// distribution of the fixed-effect estimates, as the study's glht contrasts do.
/// </summary>
public static class Equivalence
{
    /// <summary>TOST of an arbitrary contrast of the fixed effects against <paramref name="margin"/>.</summary>
    /// <param name="fit">A fitted mixed model.</param>
    /// <param name="contrast">Weights on the fixed effects.</param>
    /// <param name="margin">Equivalence margin δ &gt; 0.</param>
    /// <param name="alpha">Level of each one-sided test (0.05 gives a 90 % interval).</param>
    public static EquivalenceResult Tost(MixedModelFit fit, LinearContrast contrast, double margin, double alpha = 0.05)
    {
        if (!(margin > 0) || !double.IsFinite(margin))
            throw new ArgumentOutOfRangeException(nameof(margin), "the equivalence margin must be a positive number");
        if (!(alpha > 0 && alpha < 0.5))
            throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be in (0, 0.5)");
        int p = fit.FixedEffects.Count;
        if (contrast.Weights.Count != p)
            throw new ArgumentException($"the contrast needs {p} weights", nameof(contrast));
        double estimate = 0, variance = 0;
        for (int i = 0; i < p; i++)
        {
            estimate += contrast.Weights[i] * fit.FixedEffects[i].Estimate;
            for (int j = 0; j < p; j++)
                variance += contrast.Weights[i] * fit.FixedEffectCovariance[i, j] * contrast.Weights[j];
        }
        double se = Math.Sqrt(variance);
        if (se == 0)
        {
            // The zero contrast (a level against itself) is equivalent to 0 whatever the margin.
            return new EquivalenceResult(contrast.Name, estimate, 0, margin, 0, estimate, estimate, Math.Abs(estimate) < margin);
        }
        // H0a: contrast ≤ −δ (rejected when the estimate is well above −δ); H0b: contrast ≥ δ.
        double pLower = MultivariateNormal.NormalCdf(-(estimate + margin) / se);
        double pUpper = MultivariateNormal.NormalCdf((estimate - margin) / se);
        double pValue = Math.Max(pLower, pUpper);
        double z = MultivariateNormal.NormalQuantile(1 - alpha);
        return new EquivalenceResult(contrast.Name, estimate, se, margin, pValue, estimate - z * se, estimate + z * se, pValue < alpha);
    }

    /// <summary>TOST of level <paramref name="level"/> minus level <paramref name="comparedTo"/> of <paramref name="factor"/>.</summary>
    public static EquivalenceResult Tost(MixedModelFit fit, string factor, string level, string comparedTo, double margin, double alpha = 0.05)
    {
        var coding = fit.Factor(factor);
        return Tost(fit, new LinearContrast($"{level} - {comparedTo}", MultipleComparisons.LevelDifference(fit, coding, level, comparedTo)), margin, alpha);
    }

    /// <summary>
    /// The smallest level (first in <paramref name="levelsSmallestFirst"/>, e.g. models ordered by
    /// parameter count) whose difference to the best level is shown, by TOST at level α, to lie
    /// within ±<paramref name="margin"/>. The best level is the ordered level with the highest
    /// estimate (lowest when <paramref name="higherIsBetter"/> is false). Each level is tested
    /// once at level α; no multiplicity correction is applied across levels.
    /// </summary>
    /// <exception cref="ArgumentException">An ordered level that is not a level of the factor, or an empty order.</exception>
    public static SmallestWithinMarginResult SmallestWithinMargin(MixedModelFit fit, string factor, IReadOnlyList<string> levelsSmallestFirst,
        double margin, double alpha = 0.05, bool higherIsBetter = true)
    {
        var coding = fit.Factor(factor);
        if (levelsSmallestFirst.Count == 0)
            throw new ArgumentException("the order of levels is empty", nameof(levelsSmallestFirst));
        double Effect(string level)
        {
            int i = coding.CoefficientOf(level);
            return i < 0 ? 0 : fit.FixedEffects[i].Estimate;
        }
        string best = higherIsBetter
            ? levelsSmallestFirst.MaxBy(Effect)!
            : levelsSmallestFirst.MinBy(Effect)!;
        var tests = levelsSmallestFirst.Select(level => Tost(fit, factor, level, best, margin, alpha)).ToList();
        string smallest = levelsSmallestFirst.Where((_, i) => tests[i].Equivalent).DefaultIfEmpty(best).First();
        return new SmallestWithinMarginResult(best, smallest, tests);
    }
}
