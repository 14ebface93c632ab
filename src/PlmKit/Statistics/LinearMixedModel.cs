using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;
using PlmKit.Data;

namespace PlmKit.Statistics;

/// <summary>
/// Linear mixed models with random intercepts, fitted the way R's lme4 fits them (Bates et al.
/// 2015, "Fitting Linear Mixed-Effects Models Using lme4", J. Stat. Softw. 67(1)): the variance
/// parameters are relative covariance factors θ (one per grouping, θ ≥ 0), the fixed effects and
/// residual variance are profiled out, and the profiled REML criterion (or ML deviance) is
/// minimised over θ with a bounded derivative-free optimizer. A θ whose optimum is 0 stays
/// exactly 0 and the fit is reported singular, as lme4 does.
/// </summary>
/// <remarks>
/// Written by hand because no .NET library fits lme4-style mixed models; MathNet.Numerics
/// supplies the dense linear algebra of the final step. For random intercepts Zᵀ Z is made of
/// count tables, so all cross-products are formed once (O(n·p²)) and each deviance evaluation
/// costs a Cholesky factorisation of Λᵀ Zᵀ Z Λ + I bordered by X and y, whose first block (the
/// grouping with most levels) is diagonal and is eliminated in closed form.
/// </remarks>
public static class LinearMixedModel
{
    /// <summary>
    /// Fits <paramref name="formula"/> to <paramref name="data"/>, e.g.
    /// <c>LinearMixedModel.Fit(TidyTable.Read(path), MixedModelFormula.OneFactor("R2_score_test", "Compression_method", "mean", "Dataset", "Fold"))</c>
    /// is <c>lmer(R2_score_test ~ Compression_method + (1|Dataset) + (1|Fold))</c> with <c>mean</c> as the reference level.
    /// </summary>
    /// <param name="data">One row per observation; no row is dropped.</param>
    /// <param name="formula">Response, fixed effects and random intercepts.</param>
    /// <param name="options">REML (default) or ML, optimizer settings.</param>
    /// <exception cref="InputException">A missing column, a non-numeric or non-finite response or
    /// covariate, a factor with one level, an unknown reference level, a grouping with one level,
    /// or collinear fixed effects (message names file, line where there is one, and the problem).</exception>
    public static MixedModelFit Fit(TidyTable data, MixedModelFormula formula, MixedModelOptions? options = null)
    {
        options ??= MixedModelOptions.Default;
        var design = MixedModelDesign.Build(data, formula);
        var system = new ProfiledDeviance(design, options.Criterion == FitCriterion.Reml);
        if (!system.FixedEffectsIdentifiable())
            throw new InputException(data.Source, null,
                $"the fixed effects of {formula} are collinear (a covariate is constant or a combination of factor levels)");

        int k = design.GroupNames.Length;
        var lower = new double[k];
        var upper = Enumerable.Repeat(double.PositiveInfinity, k).ToArray();
        Func<double[], double> objective = system.Evaluate;
        // lme4 starts at θ = 1 and stops on changes of ~1e-8 or less; these tolerances are tighter.
        var minimum = BoundedNelderMead.Minimize(objective, Enumerable.Repeat(1.0, k).ToArray(), lower, upper,
            initialStep: 0.25, fTolerance: 1e-11, xTolerance: 1e-7, maxEvaluations: options.MaxEvaluations);
        var theta = minimum.Point;
        double best = minimum.Value;
        int evaluations = minimum.Evaluations;

        // A component whose optimum is on the boundary may stop a hair above zero; lme4's bounded
        // optimizer puts it exactly on 0. Try 0 for small components and keep it when the
        // criterion is no worse, re-optimising the other components.
        for (int j = 0; j < k; j++)
        {
            if (theta[j] == 0 || theta[j] > 1e-3) continue;
            var trial = (double[])theta.Clone();
            trial[j] = 0;
            var fixedLower = (double[])lower.Clone();
            var fixedUpper = (double[])upper.Clone();
            fixedUpper[j] = 0;
            var refit = BoundedNelderMead.Minimize(objective, trial, fixedLower, fixedUpper,
                initialStep: 0.05, fTolerance: 1e-11, xTolerance: 1e-7, maxEvaluations: Math.Max(100, options.MaxEvaluations - evaluations));
            evaluations += refit.Evaluations;
            if (refit.Value <= best + 1e-12)
            {
                theta = refit.Point;
                best = refit.Value;
            }
        }

        return system.Summarise(formula, options, theta, best, evaluations, minimum.Converged);
    }

    /// <summary>
    /// The profiled criterion as a function of θ. The bordered system
    /// [ΛᵀZᵀZΛ + I, ΛᵀZᵀX, ΛᵀZᵀy; ·, XᵀX, Xᵀy; ·, ·, yᵀy] (size m = q + p + 1) is stored in three
    /// parts: the diagonal of the first grouping's block (q1 levels; diagonal because a row is in
    /// exactly one level), the panel of the r = m − q1 other rows against those q1 columns, and the
    /// dense lower triangle of the r × r rest. Memory and work are O(r·q1 + r²), not O(m²): a
    /// grouping with thousands of levels costs little when it is the largest one. One instance
    /// per fit (not thread-safe).
    /// </summary>
    private sealed class ProfiledDeviance
    {
        private readonly MixedModelDesign _d;
        private readonly bool _reml;
        private readonly int _q, _p, _q1, _r;
        private readonly int[] _termOf;      // random-effect column -> grouping
        private readonly double[] _diag1;    // q1: level counts of the first grouping
        private readonly double[] _panel;    // r × q1: cross-products of the other rows with the first grouping
        private readonly double[] _rest;     // r × r (lower): cross-products among the other rows
        private readonly double[] _panelWork, _restWork, _d1Work;
        private readonly double _yMean;

        public ProfiledDeviance(MixedModelDesign d, bool reml)
        {
            _d = d;
            _reml = reml;
            _p = d.P;
            _q = d.GroupLevelCounts.Sum();
            _q1 = d.GroupLevelCounts[0];
            _r = _q + _p + 1 - _q1;
            _termOf = new int[_q];
            var offset = new int[d.GroupLevelCounts.Length];
            for (int t = 0, c = 0; t < offset.Length; t++)
            {
                offset[t] = c;
                for (int l = 0; l < d.GroupLevelCounts[t]; l++) _termOf[c++] = t;
            }
            // Centring y only moves the intercept and keeps yᵀy − ‖c‖² free of cancellation.
            _yMean = d.Y.Average();
            int q1 = _q1, r = _r, p = _p;
            _diag1 = new double[q1];
            _panel = new double[r * q1];
            _rest = new double[r * r];
            _panelWork = new double[r * q1];
            _restWork = new double[r * r];
            _d1Work = new double[q1];
            int xOff = _q - q1, yRow = r - 1;
            var cols = new int[d.GroupIndex.Length - 1];   // rest indices of the row's other levels
            for (int i = 0; i < d.N; i++)
            {
                double yi = d.Y[i] - _yMean;
                int c0 = d.GroupIndex[0][i];
                for (int t = 1; t < d.GroupIndex.Length; t++) cols[t - 1] = offset[t] - q1 + d.GroupIndex[t][i];
                _diag1[c0] += 1;
                for (int a = 0; a < cols.Length; a++)
                {
                    _panel[cols[a] * q1 + c0] += 1;
                    for (int b = 0; b <= a; b++)
                        _rest[Math.Max(cols[a], cols[b]) * r + Math.Min(cols[a], cols[b])] += 1;
                }
                int xRow = i * p;
                for (int j = 0; j < p; j++)
                {
                    double xij = d.X[xRow + j];
                    if (xij == 0) continue;
                    int row = (xOff + j) * r;
                    _panel[(xOff + j) * q1 + c0] += xij;
                    foreach (int c in cols) _rest[row + c] += xij;
                    for (int l = 0; l <= j; l++) _rest[row + xOff + l] += xij * d.X[xRow + l];
                    _rest[yRow * r + xOff + j] += xij * yi;
                }
                _panel[yRow * q1 + c0] += yi;
                foreach (int c in cols) _rest[yRow * r + c] += yi;
                _rest[yRow * r + yRow] += yi * yi;
            }
        }

        /// <summary>Whether XᵀX is positive definite (full-rank fixed effects).</summary>
        public bool FixedEffectsIdentifiable()
        {
            int xOff = _q - _q1, r = _r;
            var xtx = Matrix<double>.Build.Dense(_p, _p, (i, j) => i >= j ? _rest[(xOff + i) * r + xOff + j] : _rest[(xOff + j) * r + xOff + i]);
            // Scale to unit diagonal so the test does not depend on the covariates' units.
            var s = Enumerable.Range(0, _p).Select(i => 1 / Math.Sqrt(xtx[i, i])).ToArray();
            if (s.Any(v => !double.IsFinite(v))) return false;
            var scaled = Matrix<double>.Build.Dense(_p, _p, (i, j) => xtx[i, j] * s[i] * s[j]);
            var evd = scaled.Evd(Symmetricity.Symmetric);
            double min = evd.EigenValues.Min(e => e.Real), max = evd.EigenValues.Max(e => e.Real);
            return min > max * 1e-10;
        }

        /// <summary>The profiled REML criterion or ML deviance at θ; +∞ if the system is not positive definite.</summary>
        public double Evaluate(double[] theta)
        {
            if (!Factorise(theta)) return double.PositiveInfinity;
            return Criterion(out _);
        }

        private double Criterion(out double pwrss)
        {
            int r = _r, qRest = _q - _q1;
            double logDetL = 0, logDetRx = 0;
            for (int j = 0; j < _q1; j++) logDetL += 2 * Math.Log(_d1Work[j]);
            for (int i = 0; i < qRest; i++) logDetL += 2 * Math.Log(_restWork[i * r + i]);
            for (int i = qRest; i < qRest + _p; i++) logDetRx += 2 * Math.Log(_restWork[i * r + i]);
            double last = _restWork[(r - 1) * r + r - 1];
            pwrss = last * last;
            int n = _d.N;
            return _reml
                ? logDetL + logDetRx + (n - _p) * (1 + Math.Log(2 * Math.PI * pwrss / (n - _p)))
                : logDetL + n * (1 + Math.Log(2 * Math.PI * pwrss / n));
        }

        /// <summary>
        /// Lower Cholesky factor of the bordered system. The first grouping's columns are eliminated
        /// in closed form (diagonal block), their Schur complement is subtracted from the rest with
        /// SIMD dot products of panel rows, and the rest is factorised densely. Afterwards the rest
        /// holds L_Z (other groupings), R_ZXᵀ, L_X, c_u, c_β and, last, √(penalised RSS).
        /// </summary>
        private bool Factorise(double[] theta)
        {
            int q1 = _q1, r = _r, qRest = _q - q1;
            double t0 = theta[0];
            var scale = new double[r];
            for (int i = 0; i < r; i++) scale[i] = i < qRest ? theta[_termOf[q1 + i]] : 1.0;
            for (int j = 0; j < q1; j++) _d1Work[j] = Math.Sqrt(t0 * t0 * _diag1[j] + 1);
            var panel = _panelWork;
            for (int i = 0; i < r; i++)
            {
                double si = scale[i] * t0;
                int row = i * q1;
                for (int j = 0; j < q1; j++) panel[row + j] = _panel[row + j] * si / _d1Work[j];
            }
            var w = _restWork;
            for (int i = 0; i < r; i++)
            {
                var pi = new ReadOnlySpan<double>(panel, i * q1, q1);
                for (int l = 0; l <= i; l++)
                {
                    double v = _rest[i * r + l] * scale[i] * scale[l];
                    if (i == l && i < qRest) v += 1.0;
                    w[i * r + l] = v - TensorPrimitives.Dot(pi, new ReadOnlySpan<double>(panel, l * q1, q1));
                }
            }
            for (int j = 0; j < r; j++)
            {
                int rowJ = j * r;
                double diag = w[rowJ + j];
                for (int l = 0; l < j; l++) diag -= w[rowJ + l] * w[rowJ + l];
                if (j == r - 1)
                {
                    // The penalised residual sum of squares; zero only for an exact fit.
                    w[rowJ + j] = Math.Sqrt(Math.Max(diag, 0));
                    break;
                }
                if (!(diag > 0)) return false;
                double djj = Math.Sqrt(diag);
                w[rowJ + j] = djj;
                var lj = new ReadOnlySpan<double>(w, rowJ, j);
                for (int i = j + 1; i < r; i++)
                {
                    int rowI = i * r;
                    w[rowI + j] = (w[rowI + j] - TensorPrimitives.Dot(new ReadOnlySpan<double>(w, rowI, j), lj)) / djj;
                }
            }
            return true;
        }

        public MixedModelFit Summarise(MixedModelFormula formula, MixedModelOptions options, double[] theta, double objective, int evaluations, bool converged)
        {
            if (!Factorise(theta))
                throw new InputException($"the mixed model for {formula} could not be factorised at its optimum");
            Criterion(out double pwrss);
            int n = _d.N, p = _p, r = _r, xOff = _q - _q1;
            double sigma2 = pwrss / (_reml ? n - p : n);
            // L_X (p × p, lower) and c_β from the factor; β solves L_Xᵀ β = c_β.
            var lx = Matrix<double>.Build.Dense(p, p, (i, j) => i >= j ? _restWork[(xOff + i) * r + xOff + j] : 0.0);
            var cb = Vector<double>.Build.Dense(p, j => _restWork[(r - 1) * r + xOff + j]);
            var beta = lx.Transpose().Solve(cb);
            beta[0] += _yMean;
            var lxInv = lx.Inverse();
            var cov = lxInv.TransposeThisAndMultiply(lxInv) * sigma2;

            var fixedEffects = new FixedEffectEstimate[p];
            for (int j = 0; j < p; j++)
            {
                double se = Math.Sqrt(cov[j, j]);
                fixedEffects[j] = new FixedEffectEstimate(_d.Terms[j], _d.TermFactors[j], _d.TermLevels[j], beta[j], se, beta[j] / se);
            }
            var components = new List<VarianceComponent>();
            for (int t = 0; t < theta.Length; t++)
            {
                double v = sigma2 * theta[t] * theta[t];
                components.Add(new VarianceComponent(_d.GroupNames[t], v, Math.Sqrt(v)));
            }
            components.Add(new VarianceComponent("Residual", sigma2, Math.Sqrt(sigma2)));
            return new MixedModelFit
            {
                Formula = formula,
                Criterion = options.Criterion,
                FixedEffects = fixedEffects,
                FixedEffectCovariance = cov,
                VarianceComponents = components,
                Factors = _d.Factors,
                Theta = [.. theta],
                Sigma = Math.Sqrt(sigma2),
                Objective = objective,
                ObservationCount = n,
                GroupCounts = _d.GroupNames.Zip(_d.GroupLevelCounts).ToDictionary(t => t.First, t => t.Second),
                Converged = converged,
                IsSingular = theta.Any(t => t < options.SingularTolerance),
                Evaluations = evaluations,
            };
        }
    }
}
