using MathNet.Numerics;

namespace PlmKit.Figures;

/// <summary>
/// Least-squares line y = <see cref="Intercept"/> + <see cref="Slope"/>·log10(x), as the study fits
/// R² against dataset size and protein length.
/// </summary>
/// <param name="Intercept">Fitted y at x = 1.</param>
/// <param name="Slope">Change of y per tenfold increase of x.</param>
/// <param name="RSquared">Coefficient of determination of the fit (0..1).</param>
/// <param name="N">Number of points fitted.</param>
public sealed record LogLinearFit(double Intercept, double Slope, double RSquared, int N)
{
    /// <summary>The fitted y at <paramref name="x"/> (x &gt; 0).</summary>
    public double Predict(double x) => Intercept + Slope * Math.Log10(x);

    /// <summary>Fits y against log10(x).</summary>
    /// <param name="x">Positive predictor values (e.g. dataset sizes).</param>
    /// <param name="y">Responses, same length as <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">Different lengths, fewer than 3 points, a non-positive x, or all x equal.</exception>
    public static LogLinearFit Fit(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"x has {x.Count} values but y has {y.Count}", nameof(y));
        if (x.Count < 3) throw new ArgumentException($"a line through {x.Count} points says nothing: at least 3 are needed", nameof(x));
        if (x.Any(v => !(v > 0))) throw new ArgumentException("log-linear fits need positive x", nameof(x));
        var logX = x.Select(Math.Log10).ToArray();
        if (logX.Distinct().Count() < 2) throw new ArgumentException("all x are equal: no slope can be fitted", nameof(x));
        var ys = y.ToArray();
        var (intercept, slope) = MathNet.Numerics.Fit.Line(logX, ys);
        double r2 = GoodnessOfFit.CoefficientOfDetermination(logX.Select(v => intercept + slope * v), ys);
        return new LogLinearFit(intercept, slope, r2, x.Count);
    }
}
