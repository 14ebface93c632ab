using MathNet.Numerics.LinearAlgebra;

namespace PlmKit.Regression;

/// <summary>
/// scikit-learn's <c>MinMaxScaler(feature_range=(0, 1))</c>: per column x·scale + min with
/// scale = 1 / (max − min) over the fitting rows. A column whose range is below 10·machine-eps
/// gets scale 1 (scikit-learn's <c>_handle_zeros_in_scale</c>), so on the fitting rows it
/// becomes exactly 0.
/// </summary>
/// <param name="Scale">Per-column factor, length n_features.</param>
/// <param name="Min">Per-column offset added after scaling, length n_features.</param>
public sealed record MinMaxScaler(double[] Scale, double[] Min)
{
    private const double NumpyDoubleEps = 2.220446049250313e-16;

    /// <summary>Fits on the given rows of X (all rows when <paramref name="rows"/> is null).</summary>
    public static MinMaxScaler Fit(Matrix<double> x, IReadOnlyList<int>? rows = null)
    {
        int n = x.RowCount, p = x.ColumnCount;
        var values = RegressionInput.ColumnMajor(x);
        var scale = new double[p];
        var min = new double[p];
        for (var j = 0; j < p; j++)
        {
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            var col = values.AsSpan(j * n, n);
            if (rows is null)
                foreach (var v in col) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            else
                foreach (var i in rows) { lo = Math.Min(lo, col[i]); hi = Math.Max(hi, col[i]); }
            var range = hi - lo;
            scale[j] = 1.0 / (range < 10 * NumpyDoubleEps ? 1.0 : range);
            min[j] = 0.0 - lo * scale[j];
        }
        return new MinMaxScaler(scale, min);
    }

    /// <summary>Scaled copy of the given rows of X (in that order), n_rows × n_features.</summary>
    public Matrix<double> Transform(Matrix<double> x, IReadOnlyList<int> rows)
    {
        int n = x.RowCount, p = x.ColumnCount, m = rows.Count;
        if (p != Scale.Length) throw new ArgumentException($"X has {p} columns, the scaler was fitted on {Scale.Length}.", nameof(x));
        var values = RegressionInput.ColumnMajor(x);
        var result = new double[m * p];
        for (var j = 0; j < p; j++)
        {
            var col = values.AsSpan(j * n, n);
            var dst = result.AsSpan(j * m, m);
            for (var r = 0; r < m; r++) dst[r] = col[rows[r]] * Scale[j] + Min[j];
        }
        return Matrix<double>.Build.Dense(m, p, result);
    }
}
