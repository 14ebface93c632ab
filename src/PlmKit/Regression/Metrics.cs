namespace PlmKit.Regression;

/// <summary>
/// Regression metrics as the study computed them: scikit-learn's r2_score, mean_absolute_error,
/// mean_squared_error (MSE, and RMSE = its square root) and scipy's spearmanr.
/// </summary>
public static class Metrics
{
    /// <summary>Coefficient of determination, 1 − SS_res/SS_tot; for constant y: 1 if the fit is perfect, else 0 (scikit-learn's force_finite).</summary>
    public static double R2(IReadOnlyList<double> y, IReadOnlyList<double> pred)
    {
        CheckLengths(y, pred);
        var mean = y.Average();
        double ssRes = 0, ssTot = 0;
        for (var i = 0; i < y.Count; i++)
        {
            ssRes += (y[i] - pred[i]) * (y[i] - pred[i]);
            ssTot += (y[i] - mean) * (y[i] - mean);
        }
        if (ssTot == 0) return ssRes == 0 ? 1.0 : 0.0;
        return 1.0 - ssRes / ssTot;
    }

    /// <summary>Mean absolute error.</summary>
    public static double Mae(IReadOnlyList<double> y, IReadOnlyList<double> pred)
    {
        CheckLengths(y, pred);
        return y.Select((v, i) => Math.Abs(v - pred[i])).Average();
    }

    /// <summary>Mean squared error (scikit-learn's mean_squared_error; ProteinGym's supervised MSE).</summary>
    public static double Mse(IReadOnlyList<double> y, IReadOnlyList<double> pred)
    {
        CheckLengths(y, pred);
        return y.Select((v, i) => (v - pred[i]) * (v - pred[i])).Average();
    }

    /// <summary>Root mean squared error, √<see cref="Mse"/>.</summary>
    public static double Rmse(IReadOnlyList<double> y, IReadOnlyList<double> pred) => Math.Sqrt(Mse(y, pred));

    /// <summary>Spearman's ρ: Pearson correlation of average ranks; NaN when either side is constant (as scipy).</summary>
    public static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        CheckLengths(a, b);
        var ra = AverageRanks(a);
        var rb = AverageRanks(b);
        double ma = ra.Average(), mb = rb.Average(), sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < ra.Length; i++)
        {
            sab += (ra[i] - ma) * (rb[i] - mb);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb) * (rb[i] - mb);
        }
        if (saa == 0 || sbb == 0) return double.NaN;
        return Math.Clamp(sab / Math.Sqrt(saa * sbb), -1.0, 1.0);
    }

    /// <summary>1-based ranks, ties get the mean of their ranks (scipy's rankdata "average").</summary>
    public static double[] AverageRanks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            while (end < order.Length && values[order[end]] == values[order[start]]) end++;
            var rank = (start + 1 + end) / 2.0;
            for (var k = start; k < end; k++) ranks[order[k]] = rank;
            start = end;
        }
        return ranks;
    }

    private static void CheckLengths(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"lengths differ: {a.Count} vs {b.Count}.");
        if (a.Count == 0) throw new ArgumentException("no values.");
    }
}
