using MathNet.Numerics.LinearAlgebra;

namespace PlmKit.Statistics;

/// <summary>One fixed-effect coefficient, as a row of lme4's <c>summary(m)$coefficients</c>.</summary>
/// <param name="Term">R's coefficient name: <c>(Intercept)</c>, factor name + level
/// (<c>Compression_methodbos</c>) or the covariate's column name.</param>
/// <param name="Factor">The factor the coefficient belongs to, or null for the intercept and covariates.</param>
/// <param name="Level">The factor level (e.g. <c>bos</c>), or null for the intercept and covariates.</param>
/// <param name="Estimate">Estimated coefficient (response units; for a level: its difference from the reference level).</param>
/// <param name="StdError">Standard error of <paramref name="Estimate"/>.</param>
/// <param name="TValue">Estimate / StdError (lme4's "t value").</param>
public sealed record FixedEffectEstimate(string Term, string? Factor, string? Level, double Estimate, double StdError, double TValue)
{
    /// <summary>The label the study's tables use: the level for factor coefficients, else <see cref="Term"/>.</summary>
    public string Label => Level ?? Term;
}

/// <summary>A variance component, as a row of lme4's <c>as.data.frame(VarCorr(m))</c>.</summary>
/// <param name="Group">Grouping name (<c>Dataset</c>, <c>Dataset:Fold</c>) or <c>Residual</c>.</param>
/// <param name="Variance">Estimated variance (response units squared); exactly 0 on a boundary fit.</param>
/// <param name="StdDev">Its square root.</param>
public sealed record VarianceComponent(string Group, double Variance, double StdDev);

/// <summary>How a categorical fixed effect was coded.</summary>
/// <param name="Name">Factor name (columns joined with ':').</param>
/// <param name="Levels">All levels, the reference first, then in <see cref="FactorEffect.LevelOrder"/>.</param>
/// <param name="FirstCoefficient">Index in the coefficient vector of <c>Levels[1]</c>;
/// <c>Levels[i]</c> (i ≥ 1) has coefficient <c>FirstCoefficient + i - 1</c>.</param>
public sealed record FactorCoding(string Name, IReadOnlyList<string> Levels, int FirstCoefficient)
{
    /// <summary>The reference level (coefficient fixed at zero).</summary>
    public string Reference => Levels[0];

    /// <summary>Coefficient index of <paramref name="level"/>, or -1 for the reference level.</summary>
    /// <exception cref="ArgumentException">Not a level of this factor.</exception>
    public int CoefficientOf(string level)
    {
        for (int i = 0; i < Levels.Count; i++)
            if (Levels[i] == level) return i == 0 ? -1 : FirstCoefficient + i - 1;
        throw new ArgumentException($"'{level}' is not a level of '{Name}' (levels: {string.Join(", ", Levels)})", nameof(level));
    }
}

/// <summary>
/// A fitted linear mixed model: what lme4's <c>summary(lmer(...))</c> reports, plus the pieces
/// contrasts need (the covariance of the fixed effects and how factors were coded).
/// </summary>
public sealed record MixedModelFit
{
    /// <summary>The model that was fitted.</summary>
    public required MixedModelFormula Formula { get; init; }

    /// <summary>REML or ML.</summary>
    public required FitCriterion Criterion { get; init; }

    /// <summary>Fixed effects: intercept, then factor levels (factor by factor), then covariates.</summary>
    public required IReadOnlyList<FixedEffectEstimate> FixedEffects { get; init; }

    /// <summary>Covariance matrix of the fixed effects (p × p, same order as <see cref="FixedEffects"/>; lme4's <c>vcov(m)</c>).</summary>
    public required Matrix<double> FixedEffectCovariance { get; init; }

    /// <summary>Random-effect variances (groupings ordered by number of levels, largest first, as lme4 orders them), then <c>Residual</c>.</summary>
    public required IReadOnlyList<VarianceComponent> VarianceComponents { get; init; }

    /// <summary>How each factor was coded, in formula order.</summary>
    public required IReadOnlyList<FactorCoding> Factors { get; init; }

    /// <summary>Relative covariance factors θ (random-effect SD / residual SD), one per grouping, in <see cref="VarianceComponents"/> order.</summary>
    public required IReadOnlyList<double> Theta { get; init; }

    /// <summary>Residual standard deviation σ.</summary>
    public required double Sigma { get; init; }

    /// <summary>The optimised criterion: the REML criterion (lme4's <c>REMLcrit</c>) for REML fits,
    /// the deviance −2 log L for ML fits.</summary>
    public required double Objective { get; init; }

    /// <summary>Number of observations used (all rows; none are dropped).</summary>
    public required int ObservationCount { get; init; }

    /// <summary>Number of levels of each grouping, keyed by grouping name.</summary>
    public required IReadOnlyDictionary<string, int> GroupCounts { get; init; }

    /// <summary>True when the optimizer met its tolerances within its evaluation budget.</summary>
    public required bool Converged { get; init; }

    /// <summary>True when some θ is (numerically) zero: a boundary fit, as lme4's <c>isSingular()</c>.</summary>
    public required bool IsSingular { get; init; }

    /// <summary>Deviance evaluations the optimizer used.</summary>
    public required int Evaluations { get; init; }

    /// <summary>The REML criterion, or null for an ML fit.</summary>
    public double? RemlCriterion => Criterion == FitCriterion.Reml ? Objective : null;

    /// <summary>Log-likelihood (restricted for REML fits): −<see cref="Objective"/>/2.</summary>
    public double LogLikelihood => -Objective / 2;

    /// <summary>The coding of factor <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The model has no such factor.</exception>
    public FactorCoding Factor(string name) =>
        Factors.FirstOrDefault(f => f.Name == name)
        ?? throw new ArgumentException($"the model has no factor '{name}' (factors: {string.Join(", ", Factors.Select(f => f.Name))})", nameof(name));

    /// <summary>The coefficient estimates as a vector (length p).</summary>
    public Vector<double> Coefficients => Vector<double>.Build.DenseOfEnumerable(FixedEffects.Select(e => e.Estimate));
}
