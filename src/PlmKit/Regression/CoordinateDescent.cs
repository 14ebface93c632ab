using System.Numerics.Tensors;

namespace PlmKit.Regression;

/// <summary>Outcome of one coordinate-descent solve at one alpha.</summary>
/// <param name="DualGap">Duality gap at the last check (unscaled objective units).</param>
/// <param name="ScaledTol">The stopping threshold used: <c>tol * ||y||²</c>.</param>
/// <param name="Iterations">Number of full sweeps over the coordinates.</param>
internal readonly record struct CdResult(double DualGap, double ScaledTol, int Iterations);

/// <summary>
/// Cyclic coordinate descent for the Lasso, a line-by-line port of scikit-learn 1.2.1's
/// <c>_cd_fast.pyx</c> (<c>enet_coordinate_descent</c> and <c>enet_coordinate_descent_gram</c>
/// with <c>beta = 0</c>, <c>positive = False</c>, <c>random = False</c>). Written by hand because
/// no .NET library has it, and kept faithful on purpose: with the loose <c>tol = 1e-2</c> the
/// study used, the stopping rule (max |Δw| / max |w| &lt; tol, then the duality gap) decides
/// which alpha LassoCV picks, so any other solver picks neighbouring alphas.
/// </summary>
/// <remarks>
/// Objective (unscaled, as in scikit-learn's Cython): ½‖y − Xw‖² + l1·‖w‖₁ with
/// <c>l1 = alpha · n_samples</c>. X and y must already be centred. BLAS calls of the original
/// become <see cref="TensorPrimitives"/> calls (SIMD); their summation order differs from
/// OpenBLAS only in the last bits.
/// </remarks>
internal static class CoordinateDescent
{
    /// <summary>
    /// Plain CD on the data matrix (<c>enet_coordinate_descent</c>).
    /// </summary>
    /// <param name="x">Column-major centred X, n × p (column j at <c>[j*n, (j+1)*n)</c>).</param>
    /// <param name="n">Rows.</param>
    /// <param name="p">Columns.</param>
    /// <param name="normCols">Σᵢ xᵢⱼ² per column, length p.</param>
    /// <param name="y">Centred target, length n.</param>
    /// <param name="w">Coefficients, length p: warm start in, solution out.</param>
    /// <param name="r">Scratch for the residual, length n.</param>
    /// <param name="l1">L1 penalty in unscaled units (alpha · n).</param>
    /// <param name="maxIter">Maximum sweeps.</param>
    /// <param name="tol">Relative tolerance (scaled by ‖y‖² inside, as scikit-learn does).</param>
    public static CdResult Solve(ReadOnlySpan<double> x, int n, int p, ReadOnlySpan<double> normCols,
        ReadOnlySpan<double> y, Span<double> w, Span<double> r, double l1, int maxIter, double tol)
    {
        // R = y - X w
        y.CopyTo(r);
        for (var j = 0; j < p; j++)
            if (w[j] != 0.0) TensorPrimitives.MultiplyAdd(x.Slice(j * n, n), -w[j], r, r);

        var dWTol = tol;
        tol *= TensorPrimitives.Dot(y, y);
        var gap = tol + 1.0;
        var iter = 0;
        for (iter = 0; iter < maxIter; iter++)
        {
            double wMax = 0.0, dWMax = 0.0;
            for (var ii = 0; ii < p; ii++)
            {
                if (normCols[ii] == 0.0) continue;
                var col = x.Slice(ii * n, n);
                var wOld = w[ii];
                // The Cython adds wOld·x to R, takes xᵀR, then subtracts wNew·x. Same numbers with
                // one pass less: xᵀ(R + wOld·x) = xᵀR + wOld·‖x‖², then R += (wOld − wNew)·x.
                var tmp = TensorPrimitives.Dot(col, (ReadOnlySpan<double>)r);
                if (wOld != 0.0) tmp += wOld * normCols[ii];
                var wNew = Math.Sign(tmp) * Math.Max(Math.Abs(tmp) - l1, 0.0) / normCols[ii];
                w[ii] = wNew;
                if (wNew != wOld) TensorPrimitives.MultiplyAdd(col, wOld - wNew, r, r);
                dWMax = Math.Max(dWMax, Math.Abs(wNew - wOld));
                wMax = Math.Max(wMax, Math.Abs(wNew));
            }
            if (wMax == 0.0 || dWMax / wMax < dWTol || iter == maxIter - 1)
            {
                // Duality gap: XtA = Xᵀ R; dual point R scaled into the dual-feasible set.
                var dualNorm = 0.0;
                for (var j = 0; j < p; j++)
                    dualNorm = Math.Max(dualNorm, Math.Abs(TensorPrimitives.Dot(x.Slice(j * n, n), (ReadOnlySpan<double>)r)));
                var scale = DualScale(dualNorm, l1);
                gap = PrimalPart(TensorPrimitives.Dot((ReadOnlySpan<double>)r, r), scale)
                    + (l1 * TensorPrimitives.SumOfMagnitudes((ReadOnlySpan<double>)w) - scale * TensorPrimitives.Dot((ReadOnlySpan<double>)r, y));
                if (gap < tol) break;
            }
        }
        return new CdResult(gap, tol, Math.Min(iter + 1, maxIter));
    }

    /// <summary>
    /// CD on the Gram matrix (<c>enet_coordinate_descent_gram</c>): Q = XᵀX, q = Xᵀy.
    /// </summary>
    /// <param name="q">Gram matrix, p × p, row-major (symmetric).</param>
    /// <param name="xy">Xᵀy, length p.</param>
    /// <param name="yNorm2">yᵀy of the centred target.</param>
    /// <param name="p">Features.</param>
    /// <param name="w">Coefficients: warm start in, solution out.</param>
    /// <param name="h">Scratch for H = Q w, length p.</param>
    /// <param name="l1">L1 penalty in unscaled units (alpha · n).</param>
    /// <param name="maxIter">Maximum sweeps.</param>
    /// <param name="tol">Relative tolerance (scaled by ‖y‖² inside).</param>
    public static CdResult SolveGram(ReadOnlySpan<double> q, ReadOnlySpan<double> xy, double yNorm2, int p,
        Span<double> w, Span<double> h, double l1, int maxIter, double tol)
    {
        // H = Q w
        for (var i = 0; i < p; i++) h[i] = TensorPrimitives.Dot(q.Slice(i * p, p), (ReadOnlySpan<double>)w);

        var dWTol = tol;
        tol *= yNorm2;
        var gap = tol + 1.0;
        var iter = 0;
        for (iter = 0; iter < maxIter; iter++)
        {
            double wMax = 0.0, dWMax = 0.0;
            for (var ii = 0; ii < p; ii++)
            {
                var qii = q[ii * p + ii];
                if (qii == 0.0) continue;
                var wOld = w[ii];
                // The Cython subtracts wOld·Q[ii] from H, reads H[ii], then adds wNew·Q[ii]. Same
                // numbers with one pass: H[ii] − wOld·Q[ii,ii], then H += (wNew − wOld)·Q[ii].
                var tmp = wOld != 0.0 ? xy[ii] - (h[ii] - wOld * qii) : xy[ii] - h[ii];
                var wNew = Math.Sign(tmp) * Math.Max(Math.Abs(tmp) - l1, 0.0) / qii;
                w[ii] = wNew;
                if (wNew != wOld) TensorPrimitives.MultiplyAdd(q.Slice(ii * p, p), wNew - wOld, h, h);
                var d = Math.Abs(wNew - wOld);
                if (d > dWMax) dWMax = d;
                if (Math.Abs(wNew) > wMax) wMax = Math.Abs(wNew);
            }
            if (wMax == 0.0 || dWMax / wMax < dWTol || iter == maxIter - 1)
            {
                var qDotW = TensorPrimitives.Dot(w, xy);
                var dualNorm = 0.0;
                var wH = 0.0;
                for (var i = 0; i < p; i++)
                {
                    dualNorm = Math.Max(dualNorm, Math.Abs(xy[i] - h[i]));
                    wH += w[i] * h[i];
                }
                var rNorm2 = yNorm2 + wH - 2.0 * qDotW;
                var scale = DualScale(dualNorm, l1);
                // Same association as the Cython: (l1·|w|₁ − c·yᵀy) + c·qᵀw, with Rᵀy = yᵀy − qᵀw.
                gap = PrimalPart(rNorm2, scale)
                    + (l1 * TensorPrimitives.SumOfMagnitudes((ReadOnlySpan<double>)w) - scale * yNorm2 + scale * qDotW);
                if (gap < tol) break;
            }
        }
        return new CdResult(gap, tol, Math.Min(iter + 1, maxIter));
    }

    // The residual scaled by this factor is the dual point (1 when already dual-feasible).
    private static double DualScale(double dualNorm, double l1) => dualNorm > l1 ? l1 / dualNorm : 1.0;

    // ½(‖R‖² + ‖cR‖²); for c = 1 this is exactly ‖R‖², the Cython's other branch.
    private static double PrimalPart(double rNorm2, double scale) => 0.5 * (rNorm2 + rNorm2 * (scale * scale));
}
