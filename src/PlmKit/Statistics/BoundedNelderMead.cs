namespace PlmKit.Statistics;

/// <summary>Outcome of a bounded minimisation.</summary>
/// <param name="Point">Best point found (within the bounds).</param>
/// <param name="Value">Objective at <paramref name="Point"/>.</param>
/// <param name="Evaluations">Objective evaluations used.</param>
/// <param name="Converged">True when the tolerances were met within the evaluation budget.</param>
internal sealed record BoundedMinimum(double[] Point, double Value, int Evaluations, bool Converged);

/// <summary>
/// Nelder–Mead simplex minimisation in a box, the derivative-free method lme4 offers as
/// <c>Nelder_Mead</c>: trial points outside the box are projected onto it, so a parameter whose
/// optimum is on its bound (a variance of zero) lands exactly on the bound. The search is
/// restarted from the best point with a fresh simplex until a restart no longer improves, the
/// usual remedy for the simplex collapsing early. MathNet's NelderMeadSimplex has no bounds,
/// hence this small implementation.
/// </summary>
internal static class BoundedNelderMead
{
    private const int MaxRestarts = 4;

    /// <summary>Minimises <paramref name="f"/> over the box [lower, upper] starting at <paramref name="start"/>.</summary>
    /// <param name="f">Objective; it may return +∞ for points it rejects.</param>
    /// <param name="start">Start point (projected onto the box).</param>
    /// <param name="lower">Lower bounds (may be -∞).</param>
    /// <param name="upper">Upper bounds (may be +∞).</param>
    /// <param name="initialStep">Edge length of the first simplex.</param>
    /// <param name="fTolerance">Stop when the simplex's objective values differ by less than this (absolute).</param>
    /// <param name="xTolerance">… and its vertices are within this distance of the best one (per coordinate).</param>
    /// <param name="maxEvaluations">Evaluation budget.</param>
    public static BoundedMinimum Minimize(Func<double[], double> f, double[] start, double[] lower, double[] upper,
        double initialStep, double fTolerance, double xTolerance, int maxEvaluations)
    {
        int evaluations = 0;
        double[] best = Project(start, lower, upper);
        double bestValue = f(best);
        evaluations++;
        bool converged = false;
        double step = initialStep;
        for (int restart = 0; restart <= MaxRestarts && evaluations < maxEvaluations; restart++)
        {
            var (point, value, used, met) = Run(f, best, bestValue, lower, upper, step, fTolerance, xTolerance, maxEvaluations - evaluations);
            evaluations += used;
            bool improved = value < bestValue - fTolerance;
            if (value <= bestValue) { best = point; bestValue = value; }
            converged = met;
            if (!improved && met) break;
            step = Math.Max(initialStep * 0.1, 10 * xTolerance);
        }
        return new BoundedMinimum(best, bestValue, evaluations, converged);
    }

    private static (double[] Point, double Value, int Used, bool Converged) Run(Func<double[], double> f, double[] x0, double f0,
        double[] lower, double[] upper, double step, double fTol, double xTol, int budget)
    {
        int n = x0.Length;
        var simplex = new double[n + 1][];
        var values = new double[n + 1];
        simplex[0] = (double[])x0.Clone();
        values[0] = f0;
        int used = 0;
        for (int i = 0; i < n; i++)
        {
            var v = (double[])x0.Clone();
            // Step inwards when the outward step would leave the box (a parameter sitting on its bound).
            v[i] = x0[i] + step <= upper[i] ? x0[i] + step : x0[i] - step;
            v = Project(v, lower, upper);
            simplex[i + 1] = v;
            values[i + 1] = f(v);
            used++;
        }
        var order = Enumerable.Range(0, n + 1).ToArray();
        var centroid = new double[n];
        while (true)
        {
            Array.Sort(order, (a, b) => values[a].CompareTo(values[b]));
            int bestI = order[0], worstI = order[n], secondI = order[n - 1];
            double spread = values[worstI] - values[bestI];
            double size = 0;
            for (int i = 0; i <= n; i++)
                for (int j = 0; j < n; j++)
                    size = Math.Max(size, Math.Abs(simplex[i][j] - simplex[bestI][j]));
            if (spread <= fTol && size <= xTol)
                return (simplex[bestI], values[bestI], used, true);
            if (used >= budget)
                return (simplex[bestI], values[bestI], used, false);

            Array.Clear(centroid);
            for (int k = 0; k < n; k++)
                for (int j = 0; j < n; j++)
                    centroid[j] += simplex[order[k]][j] / n;

            var reflected = Along(centroid, simplex[worstI], -1.0, lower, upper);
            double fr = f(reflected); used++;
            if (fr < values[bestI])
            {
                var expanded = Along(centroid, simplex[worstI], -2.0, lower, upper);
                double fe = f(expanded); used++;
                if (fe < fr) Replace(worstI, expanded, fe); else Replace(worstI, reflected, fr);
            }
            else if (fr < values[secondI])
            {
                Replace(worstI, reflected, fr);
            }
            else
            {
                bool outside = fr < values[worstI];
                var contracted = outside
                    ? Along(centroid, simplex[worstI], -0.5, lower, upper)
                    : Along(centroid, simplex[worstI], 0.5, lower, upper);
                double fc = f(contracted); used++;
                if (fc < Math.Min(fr, values[worstI]))
                {
                    Replace(worstI, contracted, fc);
                }
                else
                {
                    // Shrink every vertex halfway towards the best one.
                    for (int i = 0; i <= n; i++)
                    {
                        if (i == bestI) continue;
                        for (int j = 0; j < n; j++)
                            simplex[i][j] = simplex[bestI][j] + 0.5 * (simplex[i][j] - simplex[bestI][j]);
                        values[i] = f(simplex[i]); used++;
                    }
                }
            }
        }

        void Replace(int i, double[] point, double value)
        {
            simplex[i] = point;
            values[i] = value;
        }
    }

    /// <summary>centroid + t·(worst − centroid), projected onto the box.</summary>
    private static double[] Along(double[] centroid, double[] worst, double t, double[] lower, double[] upper)
    {
        var p = new double[centroid.Length];
        for (int j = 0; j < p.Length; j++)
            p[j] = centroid[j] + t * (worst[j] - centroid[j]);
        return Project(p, lower, upper);
    }

    private static double[] Project(double[] x, double[] lower, double[] upper)
    {
        var p = new double[x.Length];
        for (int j = 0; j < x.Length; j++)
            p[j] = Math.Clamp(x[j], lower[j], upper[j]);
        return p;
    }
}
