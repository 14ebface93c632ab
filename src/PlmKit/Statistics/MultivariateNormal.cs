using MathNet.Numerics;
using MathNet.Numerics.Random;

namespace PlmKit.Statistics;

/// <summary>Settings of the multivariate normal integration, with mvtnorm's <c>GenzBretz()</c> defaults.</summary>
/// <param name="MaxPoints">Budget of integrand evaluations (mvtnorm's <c>maxpts</c>, default 25000).</param>
/// <param name="AbsoluteError">Target absolute error (mvtnorm's <c>abseps</c>, default 0.001); the
/// integration stops once the error estimate is below it.</param>
/// <param name="Seed">Seed of the random lattice shifts: equal seeds give equal results.</param>
/// <param name="Shifts">Number of independent random shifts of the lattice, from whose spread the error is estimated.</param>
/// <param name="ExactWhenPossible">Use the exact one-dimensional integral when the correlation has
/// one-factor structure (R_ij = λ_i λ_j, e.g. every level against a reference in a balanced
/// design); false forces the Genz–Bretz integration.</param>
public sealed record MvnOptions(int MaxPoints = 25_000, double AbsoluteError = 1e-3, int Seed = 1, int Shifts = 12, bool ExactWhenPossible = true)
{
    /// <summary>mvtnorm's defaults, seed 1.</summary>
    public static MvnOptions Default { get; } = new();
}

/// <summary>A multivariate normal probability with its error estimate.</summary>
/// <param name="Value">Estimated probability, clamped to [0, 1].</param>
/// <param name="Error">Estimated absolute error (3.5 standard errors over the random shifts).</param>
/// <param name="Evaluations">Integrand evaluations used (0 when computed by the exact one-factor integral).</param>
public sealed record MvnProbability(double Value, double Error, int Evaluations);

/// <summary>
/// Rectangle probabilities of a multivariate normal distribution, P(a ≤ X ≤ b) with X ~ N(0, R),
/// by the method of Genz and Bretz ("Computation of Multivariate Normal and t Probabilities",
/// Springer 2009) that R's mvtnorm uses: the integral is transformed with a pivoted Cholesky
/// factor into one over the unit cube (separation of variables, variables ordered most
/// constrained first), then integrated with randomised rank-1 lattice rules (Richtmyer
/// generators, antithetic, a fixed number of seeded random shifts). Singular R (e.g. all
/// pairwise contrasts of a few means) is handled by folding every dependent row into the
/// interval of the last variable it involves. When the correlation has one-factor structure
/// (R_ij = λ_i λ_j for i ≠ j, as Dunnett contrasts in balanced designs have) the probability is an
/// exact one-dimensional integral, computed instead to ~1e-12. Written by hand: no .NET library has it.
/// </summary>
public static class MultivariateNormal
{
    /// <summary>P(lower ≤ X ≤ upper) for X ~ N(0, <paramref name="correlation"/>).</summary>
    /// <param name="correlation">Correlation (or covariance) matrix, m × m, symmetric positive semi-definite.</param>
    /// <param name="lower">Lower limits (length m; -∞ allowed).</param>
    /// <param name="upper">Upper limits (length m; +∞ allowed).</param>
    /// <param name="options">Integration settings; <see cref="MvnOptions.Default"/> when null.</param>
    public static MvnProbability Probability(double[,] correlation, double[] lower, double[] upper, MvnOptions? options = null)
    {
        options ??= MvnOptions.Default;
        if (options.ExactWhenPossible && OneFactor.TryCreate(correlation) is { } exact)
            return new MvnProbability(exact.Probability(lower, upper), OneFactor.Accuracy, 0);
        var problem = new GenzBretzProblem(correlation, lower, upper);
        return problem.Integrate(lower, upper, options, fixedPointsPerShift: null);
    }

    /// <summary>
    /// The equicoordinate quantile c with P(|X_i| ≤ c for all i) = <paramref name="probability"/>,
    /// X ~ N(0, R): the critical value of simultaneous two-sided intervals (mvtnorm's
    /// <c>qmvnorm(p, corr = R, tail = "both.tails")</c>). Found by Brent's method on an integral
    /// whose lattice points and variable order are held fixed, so it is a smooth function of c.
    /// </summary>
    /// <param name="correlation">Correlation matrix, m × m.</param>
    /// <param name="probability">Coverage, e.g. 0.95.</param>
    /// <param name="options">Integration settings; <see cref="MvnOptions.Default"/> when null.</param>
    public static double TwoSidedEquicoordinateQuantile(double[,] correlation, double probability, MvnOptions? options = null)
    {
        if (!(probability > 0 && probability < 1))
            throw new ArgumentOutOfRangeException(nameof(probability), "the probability must be in (0, 1)");
        options ??= MvnOptions.Default;
        int m = correlation.GetLength(0);
        double alpha = 1 - probability;
        // The single-step critical value lies between the unadjusted and the Bonferroni one.
        double low = NormalQuantile(1 - alpha / 2), high = NormalQuantile(1 - alpha / (2 * m));
        if (m == 1) return low;
        if (options.ExactWhenPossible && OneFactor.TryCreate(correlation) is { } exact)
        {
            double G(double c)
            {
                var b = Enumerable.Repeat(c, m).ToArray();
                return exact.Probability([.. b.Select(v => -v)], b) - probability;
            }
            return G(low) >= 0 ? low : G(high) <= 0 ? high : MathNet.Numerics.RootFinding.Brent.FindRoot(G, low, high, 1e-10, 200);
        }
        var start = Enumerable.Repeat(0.5 * (low + high), m).ToArray();
        var problem = new GenzBretzProblem(correlation, [.. start.Select(v => -v)], start);
        // The root finder integrates with fixed points; it gets 2 × the budget of one probability
        // because its answer (the critical value) is the quantity reported, not an intermediate.
        int perShift = Math.Max(64, 2 * options.MaxPoints / (2 * options.Shifts));
        double F(double c)
        {
            var b = Enumerable.Repeat(c, m).ToArray();
            var a = b.Select(v => -v).ToArray();
            return problem.Integrate(a, b, options, perShift).Value - probability;
        }
        // A rough root with an eighth of the points narrows the bracket; the full-accuracy root
        // finder then needs only a few evaluations.
        double Rough(double c)
        {
            var b = Enumerable.Repeat(c, m).ToArray();
            return problem.Integrate([.. b.Select(v => -v)], b, options, Math.Max(16, perShift / 8)).Value - probability;
        }
        double guess = Rough(low) >= 0 ? low : Rough(high) <= 0 ? high
            : MathNet.Numerics.RootFinding.Brent.FindRoot(Rough, low, high, 1e-4, 200);
        double lo = Math.Max(low, guess - 0.02), hi = Math.Min(high, guess + 0.02);
        double fLow = F(lo), fHigh = F(hi);
        if (fLow > 0) { lo = low; fLow = F(lo); }
        if (fHigh < 0) { hi = high; fHigh = F(hi); }
        if (fLow >= 0) return lo;
        if (fHigh <= 0) return hi;
        return MathNet.Numerics.RootFinding.Brent.FindRoot(F, lo, hi, 1e-7, 200);
    }

    /// <summary>Standard normal quantile Φ⁻¹(p) (Wichura's AS 241, relative accuracy ~1e-16).</summary>
    public static double NormalQuantile(double p)
    {
        if (p <= 0) return double.NegativeInfinity;
        if (p >= 1) return double.PositiveInfinity;
        double q = p - 0.5;
        if (Math.Abs(q) <= 0.425)
        {
            double r = 0.180625 - q * q;
            return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r
                        + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                        + 133.14166789178437745) * r + 3.387132872796366608)
                   / (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r
                        + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                        + 42.313330701600911252) * r + 1.0);
        }
        double rr = q < 0 ? p : 1 - p;
        rr = Math.Sqrt(-Math.Log(rr));
        double val;
        if (rr <= 5)
        {
            rr -= 1.6;
            val = (((((((rr * 7.7454501427834140764e-4 + 0.0227238449892691845833) * rr + 0.24178072517745061177) * rr
                    + 1.27045825245236838258) * rr + 3.64784832476320460504) * rr + 5.7694972214606914055) * rr
                    + 4.6303378461565452959) * rr + 1.42343711074968357734)
                  / (((((((rr * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * rr + 0.0151986665636164571966) * rr
                    + 0.14810397642748007459) * rr + 0.68976733498510000455) * rr + 1.6763848301838038494) * rr
                    + 2.05319162663775882187) * rr + 1.0);
        }
        else
        {
            rr -= 5;
            val = (((((((rr * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * rr + 0.0012426609473880784386) * rr
                    + 0.026532189526576123093) * rr + 0.29656057182850489123) * rr + 1.7848265399172913358) * rr
                    + 5.4637849111641143699) * rr + 6.6579046435011037772)
                  / (((((((rr * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * rr + 1.8463183175100546818e-5) * rr
                    + 7.868691311456132591e-4) * rr + 0.0148753612908506148525) * rr + 0.13692988092273580531) * rr
                    + 0.59983220655588793769) * rr + 1.0);
        }
        return q < 0 ? -val : val;
    }

    /// <summary>
    /// Standard normal distribution function Φ(x), by Hart's algorithm 5666 as given by West
    /// ("Better approximations to cumulative normal functions", Wilmott 2005) for |x| &lt; 5√2 and
    /// erfc beyond: double precision, and several times faster than erfc in the central range,
    /// which matters because the integrand evaluates it once per dimension and point.
    /// </summary>
    public static double NormalCdf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double ax = Math.Abs(x), c;
        if (ax > 37) c = 0;
        else
        {
            double e = Math.Exp(-0.5 * ax * ax);
            if (ax < 7.07106781186547)
            {
                double num = ((((((3.52624965998911E-02 * ax + 0.700383064443688) * ax + 6.37396220353165) * ax
                    + 33.912866078383) * ax + 112.079291497871) * ax + 221.213596169931) * ax + 220.206867912376);
                double den = (((((((8.83883476483184E-02 * ax + 1.75566716318264) * ax + 16.064177579207) * ax
                    + 86.7807322029461) * ax + 296.564248779674) * ax + 637.333633378831) * ax + 793.826512519948) * ax
                    + 440.413735824752);
                c = e * num / den;
            }
            else
            {
                // Far tail (|x| ≥ 5√2): Hart's continued fraction loses digits here; erfc does not.
                c = 0.5 * SpecialFunctions.Erfc(ax / Math.Sqrt(2));
            }
        }
        return x > 0 ? 1 - c : c;
    }

    /// <summary>
    /// X_i = λ_i U + √(1 − λ_i²) E_i with U, E independent standard normals: given U the variables
    /// are independent, so P(a ≤ X ≤ b) = ∫ φ(u) Π_i [Φ((b_i − λ_i u)/s_i) − Φ((a_i − λ_i u)/s_i)] du.
    /// </summary>
    private sealed class OneFactor
    {
        public const double Accuracy = 1e-12;
        private readonly double[] _lambda, _s, _scale;

        private OneFactor(double[] lambda, double[] scale)
        {
            _lambda = lambda;
            _scale = scale;
            _s = [.. lambda.Select(l => Math.Sqrt(1 - l * l))];
        }

        /// <summary>The loadings λ when R has one-factor structure (within 1e-10) and |λ_i| &lt; 1, else null.</summary>
        public static OneFactor? TryCreate(double[,] sigma)
        {
            int m = sigma.GetLength(0);
            if (m < 2) return null;
            var scale = new double[m];
            for (int i = 0; i < m; i++)
            {
                if (!(sigma[i, i] > 0)) return null;
                scale[i] = 1 / Math.Sqrt(sigma[i, i]);
            }
            double R(int i, int j) => sigma[i, j] * scale[i] * scale[j];
            var lambda = new double[m];
            if (m == 2)
            {
                double r = R(0, 1);
                lambda[0] = Math.Sqrt(Math.Abs(r));
                lambda[1] = Math.Sign(r) * lambda[0];
            }
            else
            {
                for (int i = 0; i < m; i++)
                {
                    // λ_i² = R_ij R_ik / R_jk, with the best-conditioned pair (j, k) not involving i.
                    int bj = -1, bk = -1;
                    double best = 0;
                    for (int j = 0; j < m; j++)
                        for (int k = j + 1; k < m; k++)
                            if (j != i && k != i && Math.Abs(R(j, k)) > best) { best = Math.Abs(R(j, k)); bj = j; bk = k; }
                    if (best < 1e-6) return null;
                    double sq = R(i, bj) * R(i, bk) / R(bj, bk);
                    if (sq < -1e-12) return null;
                    lambda[i] = Math.Sqrt(Math.Max(sq, 0));
                }
                // Signs: relative to the first variable with a non-zero loading.
                int anchor = Array.FindIndex(lambda, l => l > 1e-8);
                if (anchor < 0) return null;
                for (int i = 0; i < m; i++)
                    if (i != anchor && R(anchor, i) < 0) lambda[i] = -lambda[i];
            }
            for (int i = 0; i < m; i++)
            {
                if (!(Math.Abs(lambda[i]) < 1 - 1e-9)) return null;
                for (int j = i + 1; j < m; j++)
                    if (Math.Abs(R(i, j) - lambda[i] * lambda[j]) > 1e-10) return null;
            }
            return new OneFactor(lambda, scale);
        }

        public double Probability(double[] lower, double[] upper)
        {
            int m = _lambda.Length;
            double Integrand(double u)
            {
                double f = Math.Exp(-0.5 * u * u) / Math.Sqrt(2 * Math.PI);
                for (int i = 0; i < m && f > 0; i++)
                {
                    double a = lower[i] * _scale[i], b = upper[i] * _scale[i];
                    f *= NormalCdf((b - _lambda[i] * u) / _s[i]) - NormalCdf((a - _lambda[i] * u) / _s[i]);
                }
                return f;
            }
            // φ(u) < 1e-19 beyond |u| = 9.5: the tails contribute nothing at this accuracy.
            double p = MathNet.Numerics.Integrate.OnClosedInterval(Integrand, -9.5, 9.5, Accuracy);
            return Math.Clamp(p, 0, 1);
        }
    }

    /// <summary>
    /// The transformed problem: variable order, Cholesky rows and which variable each row bounds.
    /// The order is chosen once (for the limits given at construction) and then kept, so repeated
    /// integrations with other limits (root finding) use the same integrand.
    /// </summary>
    private sealed class GenzBretzProblem
    {
        private readonly int _m, _r;
        private readonly double[][] _rows;     // Cholesky coefficients per ordered row (length r)
        private readonly int[] _source;        // ordered row -> original row
        private readonly int[] _owner;         // ordered row -> variable whose interval it bounds
        private readonly int[][] _dependents;  // variable -> dependent rows that also bound it
        private readonly double[] _scale;      // original row -> 1/√R_ii (limits are standardised)

        public GenzBretzProblem(double[,] sigma, double[] lower, double[] upper)
        {
            _m = sigma.GetLength(0);
            if (sigma.GetLength(1) != _m || lower.Length != _m || upper.Length != _m)
                throw new ArgumentException("the matrix must be m × m and the limits of length m");
            int m = _m;
            _scale = new double[m];
            var c = new double[m, m];
            for (int i = 0; i < m; i++)
            {
                if (!(sigma[i, i] > 0)) throw new ArgumentException("every variance must be positive", nameof(sigma));
                _scale[i] = 1 / Math.Sqrt(sigma[i, i]);
            }
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++)
                    c[i, j] = sigma[i, j] * _scale[i] * _scale[j];

            // Pivoted Cholesky with Genz–Bretz priority: next, the row whose conditional interval
            // (given the expected values of the variables chosen so far) is least probable.
            var perm = Enumerable.Range(0, m).ToArray();
            var a = new double[m];
            var b = new double[m];
            for (int i = 0; i < m; i++) { a[i] = lower[i] * _scale[i]; b[i] = upper[i] * _scale[i]; }
            var lmat = new double[m, m];
            var y = new double[m];
            int rank = 0;
            const double tol = 1e-10;
            for (int k = 0; k < m; k++)
            {
                int best = -1;
                double bestProb = double.PositiveInfinity, bestVar = 0;
                for (int i = k; i < m; i++)
                {
                    int row = perm[i];
                    double v = c[row, row];
                    for (int l = 0; l < rank; l++) v -= lmat[row, l] * lmat[row, l];
                    if (v <= tol) continue;
                    double s = Math.Sqrt(v), mean = 0;
                    for (int l = 0; l < rank; l++) mean += lmat[row, l] * y[l];
                    double prob = NormalCdf((b[row] - mean) / s) - NormalCdf((a[row] - mean) / s);
                    if (prob < bestProb) { bestProb = prob; best = i; bestVar = v; }
                }
                if (best < 0) break;
                (perm[k], perm[best]) = (perm[best], perm[k]);
                int pr = perm[k];
                double d = Math.Sqrt(bestVar);
                lmat[pr, rank] = d;
                for (int i = k + 1; i < m; i++)
                {
                    int row = perm[i];
                    double s = c[row, pr];
                    for (int l = 0; l < rank; l++) s -= lmat[row, l] * lmat[pr, l];
                    lmat[row, rank] = s / d;
                }
                double mu = 0;
                for (int l = 0; l < rank; l++) mu += lmat[pr, l] * y[l];
                double lo = (a[pr] - mu) / d, hi = (b[pr] - mu) / d;
                double pl = NormalCdf(lo), ph = NormalCdf(hi);
                y[rank] = ph - pl > 1e-300 ? (Density(lo) - Density(hi)) / (ph - pl) : 0.5 * (Math.Max(lo, -10) + Math.Min(hi, 10));
                rank++;
            }
            _r = rank;
            // Rows not chosen as pivots depend on the pivots; keep every row in pivot order,
            // dependent rows after, each bounding the last variable it involves.
            _source = perm;
            _rows = new double[m][];
            _owner = new int[m];
            for (int i = 0; i < m; i++)
            {
                int row = perm[i];
                _rows[i] = new double[rank];
                for (int l = 0; l < rank; l++) _rows[i][l] = lmat[row, l];
                int owner = rank - 1;
                while (owner > 0 && Math.Abs(_rows[i][owner]) <= 1e-8) owner--;
                _owner[i] = i < rank ? i : owner;
            }
            _dependents = [.. Enumerable.Range(0, rank).Select(k => Enumerable.Range(rank, m - rank).Where(i => _owner[i] == k).ToArray())];
        }

        public MvnProbability Integrate(double[] lower, double[] upper, MvnOptions options, int? fixedPointsPerShift)
        {
            int m = _m, r = _r;
            var a = new double[m];
            var b = new double[m];
            for (int i = 0; i < m; i++)
            {
                int row = _source[i];
                a[i] = lower[row] * _scale[row];
                b[i] = upper[row] * _scale[row];
                if (!(a[i] < b[i])) return new MvnProbability(0, 0, 0);
            }
            int dims = Math.Max(r - 1, 1);
            var generator = new double[dims];
            var primes = Primes(dims);
            for (int j = 0; j < dims; j++) generator[j] = Math.Sqrt(primes[j]) % 1.0;
            var rng = new MersenneTwister(options.Seed);
            var shifts = new double[options.Shifts][];
            for (int s = 0; s < shifts.Length; s++)
            {
                shifts[s] = new double[dims];
                for (int j = 0; j < dims; j++) shifts[s][j] = rng.NextDouble();
            }
            var means = new double[shifts.Length];
            var counts = new long[shifts.Length];
            int evaluations = 0, n = 0;
            int perShift = fixedPointsPerShift ?? Math.Max(16, options.MaxPoints / (2 * options.Shifts * 10));
            double estimate = 0, error = double.PositiveInfinity;
            while (true)
            {
                // Add points n+1 .. n+perShift of the lattice to every shift (the rules are nested).
                // Shifts are independent, so they run in parallel; each writes only its own slot
                // and the slots are combined in a fixed order, so results do not depend on threads.
                int first = n + 1, last = n + perShift;
                Parallel.For(0, shifts.Length, s =>
                {
                    var work = new Workspace(r);
                    var x = new double[dims];
                    var shift = shifts[s];
                    double sum = 0;
                    for (int i = first; i <= last; i++)
                    {
                        for (int j = 0; j < dims; j++)
                        {
                            double u = (i * generator[j] + shift[j]) % 1.0;
                            x[j] = Math.Abs(2 * u - 1); // baker's transform: periodises the integrand
                        }
                        sum += Integrand(x, a, b, work, flip: false) + Integrand(x, a, b, work, flip: true);
                    }
                    means[s] = (means[s] * counts[s] + sum / 2) / (counts[s] + perShift);
                    counts[s] += perShift;
                });
                n += perShift;
                evaluations += 2 * perShift * shifts.Length;
                estimate = means.Average();
                double variance = means.Sum(v => (v - estimate) * (v - estimate)) / (shifts.Length * (shifts.Length - 1.0));
                error = 3.5 * Math.Sqrt(variance);
                if (fixedPointsPerShift is not null || r == 1) break;
                // Double the points per shift until the error or the budget is reached.
                if (error <= options.AbsoluteError || evaluations + 2 * n * shifts.Length > options.MaxPoints) break;
                perShift = n;
            }
            return new MvnProbability(Math.Clamp(estimate, 0, 1), error, evaluations);
        }

        private sealed class Workspace(int r)
        {
            public readonly double[] Y = new double[r];
        }

        /// <summary>Product of the conditional interval probabilities along one point of the cube.</summary>
        private double Integrand(double[] x, double[] a, double[] b, Workspace w, bool flip)
        {
            double f = 1;
            for (int k = 0; k < _r; k++)
            {
                double lo = double.NegativeInfinity, hi = double.PositiveInfinity;
                // Rows are stored with pivots first (row k bounds variable k), dependent rows after.
                Bound(k, ref lo, ref hi);
                foreach (int row in _dependents[k]) Bound(row, ref lo, ref hi);
                if (!(lo < hi)) return 0;
                double pl = NormalCdf(lo), ph = NormalCdf(hi);
                double e = ph - pl;
                if (e <= 0) return 0;
                f *= e;
                if (k < _r - 1)
                {
                    double u = flip ? 1 - x[k] : x[k];
                    double p = pl + u * e;
                    w.Y[k] = NormalQuantile(Math.Clamp(p, 1e-300, 1 - 1e-16));
                }
            }
            return f;

            void Bound(int i, ref double lo, ref double hi)
            {
                var coef = _rows[i];
                int k = _owner[i];
                double partial = 0;
                for (int l = 0; l < k; l++) partial += coef[l] * w.Y[l];
                double ck = coef[k];
                double l1 = (a[i] - partial) / ck, h1 = (b[i] - partial) / ck;
                if (ck < 0) (l1, h1) = (h1, l1);
                if (l1 > lo) lo = l1;
                if (h1 < hi) hi = h1;
            }
        }

        private static double Density(double z) => double.IsInfinity(z) ? 0 : Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);

        private static int[] Primes(int count)
        {
            var primes = new List<int>();
            for (int candidate = 2; primes.Count < count; candidate++)
                if (primes.All(p => p * p > candidate || candidate % p != 0)) primes.Add(candidate);
            return [.. primes];
        }
    }
}
