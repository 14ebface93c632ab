using PlmKit.Statistics;

namespace PlmKit.Figures;

/// <summary>
/// Least-squares line y = <see cref="Intercept"/> + <see cref="Slope"/>·log10(x), as the study fits
/// R² against dataset size and protein length.
/// </summary>
/// <param name="Intercept">Fitted y at x = 1.</param>
/// <param name="Slope">Change of y per tenfold increase of x.</param>
/// <param name="RSquared">Coefficient of determination of the fit (0..1).</param>
/// <param name="SlopePValue">Two-sided p-value of the slope (t test, N − 2 degrees of freedom).</param>
/// <param name="N">Number of points fitted.</param>
public sealed record LogLinearFit(double Intercept, double Slope, double RSquared, double SlopePValue, int N)
{
    /// <summary>The fitted y at <paramref name="x"/> (x &gt; 0).</summary>
    public double Predict(double x) => Intercept + Slope * Math.Log10(x);

    /// <summary>Fits y against log10(x) with <see cref="SimpleLinearRegression"/>.</summary>
    /// <param name="x">Positive predictor values (e.g. dataset sizes).</param>
    /// <param name="y">Responses, same length as <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">Different lengths, fewer than 3 points, a non-positive x, or all x equal.</exception>
    public static LogLinearFit Fit(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Any(v => !(v > 0))) throw new ArgumentException("log-linear fits need positive x", nameof(x));
        var line = SimpleLinearRegression.Fit([.. x.Select(Math.Log10)], y);
        return new LogLinearFit(line.Intercept, line.Slope, line.RSquared, line.SlopePValue, line.Count);
    }
}
