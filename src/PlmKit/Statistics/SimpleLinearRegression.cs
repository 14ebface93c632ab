using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearRegression;
using PlmKit.Data;

namespace PlmKit.Statistics;

/// <summary>Least-squares line y = Intercept + Slope·x with its inference.</summary>
/// <param name="Intercept">Estimated intercept.</param>
/// <param name="Slope">Estimated slope (change of y per unit of x).</param>
/// <param name="InterceptStdError">Standard error of the intercept.</param>
/// <param name="SlopeStdError">Standard error of the slope.</param>
/// <param name="RSquared">Coefficient of determination (squared Pearson correlation).</param>
/// <param name="SlopePValue">Two-sided p-value of the slope (t distribution, n − 2 degrees of freedom).</param>
/// <param name="Count">Number of points.</param>
public sealed record LinearRegressionResult(double Intercept, double Slope, double InterceptStdError, double SlopeStdError,
    double RSquared, double SlopePValue, int Count);

/// <summary>One group's mean score against its size, a point of the study's score-versus-size plot.</summary>
/// <param name="Group">Group label (e.g. the dataset).</param>
/// <param name="Size">The group's size (e.g. number of variants).</param>
/// <param name="LogSize">log_base(Size), the regression's x.</param>
/// <param name="MeanScore">Mean of the response over the group's rows, the regression's y.</param>
public sealed record GroupPoint(string Group, double Size, double LogSize, double MeanScore);

/// <summary>
/// Simple linear regression, as the study draws it through mean score against log(dataset size).
/// Slope and intercept come from MathNet's <see cref="SimpleRegression"/>; the standard errors
/// and p-value are the textbook ones.
/// </summary>
public static class SimpleLinearRegression
{
    /// <summary>Fits y = a + b·x by least squares.</summary>
    /// <param name="x">Predictor values (at least 3, not all equal).</param>
    /// <param name="y">Responses, same length.</param>
    /// <exception cref="ArgumentException">Lengths differ, fewer than 3 points, constant x or non-finite values.</exception>
    public static LinearRegressionResult Fit(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n = x.Count;
        if (y.Count != n) throw new ArgumentException($"x has {n} values but y has {y.Count}");
        if (n < 3) throw new ArgumentException("a regression line with inference needs at least 3 points");
        if (x.Concat(y).Any(v => !double.IsFinite(v))) throw new ArgumentException("x and y must be finite");
        double mx = x.Average(), my = y.Average();
        double sxx = x.Sum(v => (v - mx) * (v - mx));
        if (!(sxx > 0)) throw new ArgumentException("x is constant; no slope can be estimated");
        var (intercept, slope) = SimpleRegression.Fit([.. x], [.. y]);
        double rss = 0, tss = 0;
        for (int i = 0; i < n; i++)
        {
            double r = y[i] - intercept - slope * x[i];
            rss += r * r;
            tss += (y[i] - my) * (y[i] - my);
        }
        double s2 = rss / (n - 2);
        double seSlope = Math.Sqrt(s2 / sxx);
        double seIntercept = Math.Sqrt(s2 * (1.0 / n + mx * mx / sxx));
        double t = slope / seSlope;
        double p = seSlope > 0 ? 2 * StudentT.CDF(0, 1, n - 2, -Math.Abs(t)) : 0;
        return new LinearRegressionResult(intercept, slope, seIntercept, seSlope, tss > 0 ? 1 - rss / tss : 1, p, n);
    }

    /// <summary>
    /// Mean <paramref name="response"/> per <paramref name="group"/> regressed on
    /// log_<paramref name="logBase"/> of the group's <paramref name="size"/> column (which must be
    /// positive and the same on all rows of a group), e.g. mean R² per dataset against
    /// log10(dataset_size). Filter the table first (<see cref="TidyTable.WhereEquals"/>) to one model.
    /// </summary>
    /// <returns>The fit and the points it was fitted to, in order of first appearance.</returns>
    /// <exception cref="InputException">Missing columns, non-numeric values, a non-positive size, or a size that varies within a group.</exception>
    public static (LinearRegressionResult Fit, IReadOnlyList<GroupPoint> Points) ScoreVersusLogSize(TidyTable table, string response,
        string group, string size, double logBase = 10)
    {
        var y = table.Numbers(response);
        var s = table.Numbers(size);
        var g = table.Strings(group);
        var order = new List<string>();
        var acc = new Dictionary<string, (double Sum, int Count, double Size, int FirstRow)>(StringComparer.Ordinal);
        for (int i = 0; i < table.RowCount; i++)
        {
            if (!double.IsFinite(y[i]))
                throw new InputException(table.SourceOf(i), table.LineOf(i), $"column '{response}' has {y[i]}; a finite number is needed");
            if (!(s[i] > 0) || !double.IsFinite(s[i]))
                throw new InputException(table.SourceOf(i), table.LineOf(i), $"column '{size}' has {s[i]}; a positive size is needed");
            if (acc.TryGetValue(g[i], out var a))
            {
                if (a.Size != s[i])
                    throw new InputException(table.SourceOf(i), table.LineOf(i),
                        $"'{g[i]}' has {size} {s[i]} here but {a.Size} on line {table.LineOf(a.FirstRow)}; the size must be constant within a group");
                acc[g[i]] = (a.Sum + y[i], a.Count + 1, a.Size, a.FirstRow);
            }
            else
            {
                order.Add(g[i]);
                acc[g[i]] = (y[i], 1, s[i], i);
            }
        }
        if (order.Count < 3)
            throw new InputException(table.Source, null, $"only {order.Count} groups in '{group}'; a regression needs at least 3");
        var points = order.Select(k => new GroupPoint(k, acc[k].Size, Math.Log(acc[k].Size, logBase), acc[k].Sum / acc[k].Count)).ToList();
        if (points.All(p => p.Size == points[0].Size))
            throw new InputException(table.Source, null, $"every group has the same '{size}'; no slope can be estimated");
        return (Fit([.. points.Select(p => p.LogSize)], [.. points.Select(p => p.MeanScore)]), points);
    }
}
