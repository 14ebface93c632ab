using MathNet.Numerics.Distributions;

namespace PlmKit.Statistics;

/// <summary>Result of <see cref="SignedRankTest.TwoSided"/>.</summary>
/// <param name="N">Number of non-zero differences the test used (zeros are dropped, as scipy's default <c>zero_method="wilcox"</c>).</param>
/// <param name="RankSumPositive">W+, the sum of the ranks of |d| over the positive differences (mid-ranks for ties).</param>
/// <param name="Statistic">min(W+, W−), the statistic scipy reports for the two-sided test.</param>
/// <param name="PValue">Two-sided p-value.</param>
/// <param name="Exact">True when the p-value comes from the exact null distribution (no ties, at most 50 differences), false for the normal approximation.</param>
public sealed record SignedRankResult(int N, double RankSumPositive, double Statistic, double PValue, bool Exact);

/// <summary>
/// The Wilcoxon signed-rank test of paired differences against a median of 0, two-sided, with the
/// choices of scipy's <c>scipy.stats.wilcoxon</c> defaults: zeros dropped, the exact null
/// distribution when there are at most 50 differences and no tied |d|, otherwise the normal
/// approximation with the tie correction of the variance and no continuity correction.
/// MathNet.Numerics has no signed-rank test, hence this one.
/// </summary>
public static class SignedRankTest
{
    /// <summary>Largest number of differences for which the exact distribution is used.</summary>
    public const int ExactLimit = 50;

    /// <summary>Tests whether the differences are symmetric about 0.</summary>
    /// <param name="differences">Paired differences (finite).</param>
    /// <returns>The statistic and p-value; with no non-zero difference the p-value is 1.</returns>
    /// <exception cref="ArgumentException">A non-finite difference.</exception>
    public static SignedRankResult TwoSided(IReadOnlyList<double> differences)
    {
        if (differences.Any(d => !double.IsFinite(d))) throw new ArgumentException("differences must be finite", nameof(differences));
        var d = differences.Where(x => x != 0).ToArray();
        int n = d.Length;
        if (n == 0) return new SignedRankResult(0, 0, 0, 1, true);

        // Mid-ranks of |d|.
        var order = Enumerable.Range(0, n).OrderBy(i => Math.Abs(d[i])).ToArray();
        var ranks = new double[n];
        var tieSizes = new List<int>();
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && Math.Abs(d[order[end + 1]]) == Math.Abs(d[order[start]])) end++;
            double mid = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) ranks[order[k]] = mid;
            if (end > start) tieSizes.Add(end - start + 1);
            start = end + 1;
        }
        double wPlus = 0;
        for (int i = 0; i < n; i++) if (d[i] > 0) wPlus += ranks[i];
        double total = n * (n + 1) / 2.0;
        double statistic = Math.Min(wPlus, total - wPlus);

        if (n <= ExactLimit && tieSizes.Count == 0)
        {
            // Number of sign assignments giving each W+ (integer ranks 1..n): counts stay below 2^50, exact in double.
            int max = n * (n + 1) / 2;
            var counts = new double[max + 1];
            counts[0] = 1;
            for (int r = 1; r <= n; r++)
                for (int s = max; s >= r; s--) counts[s] += counts[s - r];
            double all = Math.Pow(2, n);
            int w = (int)Math.Round(wPlus);
            double lower = 0, upper = 0;
            for (int s = 0; s <= max; s++)
            {
                if (s <= w) lower += counts[s];
                if (s >= w) upper += counts[s];
            }
            double p = Math.Min(1, 2 * Math.Min(lower, upper) / all);
            return new SignedRankResult(n, wPlus, statistic, p, true);
        }

        double mean = total / 2;
        double variance = n * (n + 1.0) * (2 * n + 1) / 24 - tieSizes.Sum(t => (double)t * t * t - t) / 48;
        double z = variance > 0 ? (wPlus - mean) / Math.Sqrt(variance) : 0;
        return new SignedRankResult(n, wPlus, statistic, Math.Min(1, 2 * Normal.CDF(0, 1, -Math.Abs(z))), false);
    }
}
