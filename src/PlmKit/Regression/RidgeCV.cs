using System.Collections.Immutable;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace PlmKit.Regression;

/// <summary>Settings of <see cref="RidgeCV"/>.</summary>
public sealed record RidgeCVOptions
{
    /// <summary>
    /// Candidate penalties, in the unscaled objective ‖y − Xw‖² + alpha‖w‖² (scikit-learn's Ridge
    /// convention). Default: 10^-3 … 10^5 in 17 half-decade steps (wider than RidgeCV's (0.1, 1, 10)
    /// default, because embedding features differ in scale by orders of magnitude).
    /// </summary>
    public ImmutableArray<double> Alphas { get; init; } =
        Enumerable.Range(0, 17).Select(i => Math.Pow(10.0, -3 + 0.5 * i)).ToImmutableArray();
}

/// <summary>A fitted <see cref="RidgeCV"/>.</summary>
/// <param name="Alpha">Chosen penalty, the first minimum of <paramref name="LooMse"/>.</param>
/// <param name="Alphas">The candidates.</param>
/// <param name="LooMse">Leave-one-out mean squared error per candidate.</param>
/// <param name="Coef">Coefficients, length n_features.</param>
/// <param name="InterceptValue">Intercept.</param>
public sealed record RidgeCVFit(double Alpha, ImmutableArray<double> Alphas, ImmutableArray<double> LooMse,
    ImmutableArray<double> Coef, double InterceptValue) : IRegressionModel
{
    /// <inheritdoc />
    public IReadOnlyList<double> Coefficients => Coef;

    /// <inheritdoc />
    public double Intercept => InterceptValue;

    /// <inheritdoc />
    public int NonZeroCount => Coef.Count(c => c != 0.0);

    /// <inheritdoc />
    public double[] Predict(Matrix<double> x) => RegressionInput.Predict(x, Coef, InterceptValue);
}

/// <summary>
/// Ridge regression with the penalty chosen by exact leave-one-out error (the closed form behind
/// scikit-learn's <c>RidgeCV(cv=None)</c>), for every candidate alpha from one
/// eigendecomposition (MathNet) of the smaller of XcᵀXc and XcXcᵀ. Intercept by centring.
/// </summary>
/// <remarks>
/// With Xc = U S Vᵀ and λ = s²: fitted values ŷ = U diag(λ/(λ+α)) Uᵀyc, leverage
/// hᵢᵢ = 1/n + Σₖ Uᵢₖ² λₖ/(λₖ+α), LOO residual (yᵢ − ŷᵢ)/(1 − hᵢᵢ), and the solution
/// w = Xcᵀ U diag(1/(λ+α)) Uᵀyc.
/// </remarks>
public sealed class RidgeCV : IRegressor
{
    /// <summary>Creates the estimator.</summary>
    public RidgeCV(RidgeCVOptions? options = null)
    {
        Options = options ?? new RidgeCVOptions();
        if (Options.Alphas.IsDefaultOrEmpty || Options.Alphas.Any(a => !(a > 0) || double.IsInfinity(a)))
            throw new ConfigurationException("ridge alphas must be a non-empty list of positive finite numbers.");
    }

    /// <summary>The settings.</summary>
    public RidgeCVOptions Options { get; }

    /// <inheritdoc />
    public string Name => "ridge";

    /// <inheritdoc />
    IRegressionModel IRegressor.Fit(Matrix<double> x, IReadOnlyList<double> y) => Fit(x, y);

    /// <summary>Fits on X (n_samples × n_features) and y (n_samples).</summary>
    public RidgeCVFit Fit(Matrix<double> x, IReadOnlyList<double> y)
    {
        RegressionInput.Check(x, y, 3);
        int n = x.RowCount, p = x.ColumnCount;
        var xMean = x.ColumnSums() / n;
        var xc = x.Clone();
        for (var j = 0; j < p; j++) xc.SetColumn(j, x.Column(j) - xMean[j]);
        var yMean = y.Average();
        var yc = Vector<double>.Build.Dense(n, i => y[i] - yMean);

        // U (n × r) and λ (r) of the non-zero spectrum.
        Matrix<double> u;
        double[] lambda;
        if (n > p)
        {
            var evd = xc.TransposeThisAndMultiply(xc).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
            var keep = Positive(evd.EigenValues.Select(c => c.Real).ToArray());
            lambda = keep.Select(k => evd.EigenValues[k].Real).ToArray();
            var v = Matrix<double>.Build.Dense(p, keep.Length, (i, k) => evd.EigenVectors[i, keep[k]]);
            u = xc * v;
            for (var k = 0; k < keep.Length; k++) u.SetColumn(k, u.Column(k) / Math.Sqrt(lambda[k]));
        }
        else
        {
            var evd = xc.TransposeAndMultiply(xc).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
            var keep = Positive(evd.EigenValues.Select(c => c.Real).ToArray());
            lambda = keep.Select(k => evd.EigenValues[k].Real).ToArray();
            u = Matrix<double>.Build.Dense(n, keep.Length, (i, k) => evd.EigenVectors[i, keep[k]]);
        }
        var uty = (u.TransposeThisAndMultiply(yc)).ToArray();
        var u2 = u.PointwiseMultiply(u);

        var alphas = Options.Alphas;
        var loo = new double[alphas.Length];
        for (var a = 0; a < alphas.Length; a++)
        {
            var shrink = lambda.Select(l => l / (l + alphas[a])).ToArray();
            var fitted = u * Vector<double>.Build.Dense(shrink.Select((s, k) => s * uty[k]).ToArray());
            var leverage = u2 * Vector<double>.Build.Dense(shrink);
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                var e = (yc[i] - fitted[i]) / (1.0 - (1.0 / n + leverage[i]));
                sum += e * e;
            }
            loo[a] = sum / n;
        }
        var best = 0;
        for (var a = 1; a < loo.Length; a++) if (loo[a] < loo[best]) best = a;
        var alpha = alphas[best];
        var dual = u * Vector<double>.Build.Dense(lambda.Select((l, k) => uty[k] / (l + alpha)).ToArray());
        var coef = xc.TransposeThisAndMultiply(dual).ToArray();
        var intercept = yMean - TensorPrimitives.Dot(xMean.ToArray(), coef);
        return new RidgeCVFit(alpha, alphas, loo.ToImmutableArray(), coef.ToImmutableArray(), intercept);
    }

    // Indices of eigenvalues above round-off (relative to the largest).
    private static int[] Positive(double[] eigenvalues)
    {
        var max = eigenvalues.Length == 0 ? 0.0 : eigenvalues.Max();
        return Enumerable.Range(0, eigenvalues.Length).Where(k => eigenvalues[k] > 1e-12 * max && eigenvalues[k] > 0).ToArray();
    }
}
