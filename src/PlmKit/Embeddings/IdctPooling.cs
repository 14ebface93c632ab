using System.Numerics.Tensors;

namespace PlmKit.Embeddings;

/// <summary>
/// The study's <c>iDCT1</c>..<c>iDCT5</c>: PROST's <c>quant2D(emb, n, m)</c>, a 2-D low-pass
/// resampling of the [L, D] states to [n, m], quantised to 0..127. Quirks kept on purpose:
/// <list type="number">
/// <item>The first and the last residue are dropped (the code was written for matrices that still
/// held <c>&lt;cls&gt;</c>/<c>&lt;eos&gt;</c>, which fair-esm's per-token output no longer has).</item>
/// <item>Along the sequence, per channel: orthonormal DCT-II, keep the first n coefficients,
/// orthonormal DCT-III (scipy's <c>idct</c>) of those n coefficients onto n points, then min-max
/// scale each channel's n points to [0, 1]: [n, D].</item>
/// <item>The same over the channels for each of the n rows: keep m coefficients, m points,
/// min-max per row: [n, m].</item>
/// <item>Flattened n-major, multiplied by 127 and truncated toward zero (numpy
/// <c>astype("int8")</c>): integers 0..127, 127 only at each row's maximum. Returned as floats.</item>
/// </list>
/// With m = D (iDCT5 on a 640-wide model such as ESM-2 150M) the channel stage keeps every
/// coefficient, so it is an identity up to rounding: the entries the first stage set to exactly
/// 1.0 come back as 1 ± rounding and rounding alone decides which stay 127. Computed in double
/// here and in float32 by the study, about 1% of such int8 values differ by 1 (56 of 6,400 on
/// the test input); everything else is identical.
/// Needs L - 2 ≥ n and m ≤ D (the study's code fails on its final reshape otherwise, which is why
/// its iDCT4/iDCT5 only exist for models with D ≥ 512/640). A row that is constant (up to
/// rounding) would divide by (nearly) zero in the study's code (NaN and an undefined int8, or
/// amplified rounding noise); here it becomes all zeros.
/// </summary>
public sealed class IdctPooling : IPooling
{
    /// <summary>The study's iDCT variants: name, rows n (sequence) and columns m (channels).</summary>
    public static IReadOnlyList<(string Name, int N, int M)> StudyVariants { get; } =
    [
        ("iDCT1", 5, 44),
        ("iDCT2", 10, 64),
        ("iDCT3", 10, 128),
        ("iDCT4", 10, 512),
        ("iDCT5", 10, 640),
    ];

    /// <summary>Creates a quant2D pooling named <paramref name="name"/> keeping n x m coefficients.</summary>
    public IdctPooling(string name, int n, int m)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        Name = name;
        N = n;
        M = m;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Points kept along the sequence.</summary>
    public int N { get; }

    /// <summary>Points kept along the channels.</summary>
    public int M { get; }

    /// <inheritdoc />
    public int OutputLength(int hidden)
    {
        if (M > hidden)
            throw new ConfigurationException(
                $"{Name} needs a hidden width >= {M}; this model has {hidden}.");
        return N * M;
    }

    /// <inheritdoc />
    /// <exception cref="ConfigurationException">D &lt; m or fewer than n + 2 residues.</exception>
    /// <exception cref="InputException">NaN or infinite states.</exception>
    public float[] Pool(ResidueStates states)
    {
        var scaled = Prequant(states);
        var result = new float[scaled.Length];
        // numpy's astype("int8") truncates toward zero; values are in [0, 127].
        for (int i = 0; i < scaled.Length; i++) result[i] = (float)Math.Truncate(scaled[i] * 127.0);
        return result;
    }

    /// <summary>The [n·m] values in [0, 1] before the ×127 and the int8 cast (n-major).</summary>
    internal double[] Prequant(ResidueStates states)
    {
        OutputLength(states.Hidden);
        int used = states.Length - 2;
        if (used < N)
            throw new ConfigurationException(
                $"{Name} needs at least {N + 2} residues (it drops the first and last and keeps {N} points); this protein has {states.Length}.");
        int d = states.Hidden;

        // Stage 1, along the sequence: coefficients F [N, D] = C · V, V = residues 1..L-2.
        var forward = Dct.Forward(used, N);
        var coefficients = new double[N * d];
        var row = new double[d];
        for (int j = 0; j < used; j++)
        {
            TensorPrimitives.ConvertTruncating(states.Row(j + 1), row.AsSpan());
            for (int k = 0; k < N; k++)
                TensorPrimitives.MultiplyAdd(row, forward[k * used + j], coefficients.AsSpan(k * d, d), coefficients.AsSpan(k * d, d));
        }
        // Coefficient 0 is a positive multiple of each channel's sum, so it is finite exactly
        // when every state used is.
        for (int c = 0; c < d; c++)
            if (!double.IsFinite(coefficients[c])) throw ChannelMatrix.NonFinite(Name, c);
        // Back onto N points: P [N, D] = Cₙᵀ · F.
        var inverse = Dct.Forward(N, N);
        var points = new double[N * d];
        for (int t = 0; t < N; t++)
            for (int k = 0; k < N; k++)
                TensorPrimitives.MultiplyAdd(coefficients.AsSpan(k * d, d), inverse[k * N + t], points.AsSpan(t * d, d), points.AsSpan(t * d, d));
        // Min-max of each channel over its N points (columns of P).
        var min = points.AsSpan(0, d).ToArray();
        var max = points.AsSpan(0, d).ToArray();
        for (int t = 1; t < N; t++)
        {
            TensorPrimitives.Min(min, points.AsSpan(t * d, d), min);
            TensorPrimitives.Max(max, points.AsSpan(t * d, d), max);
        }
        var range = new double[d];
        for (int c = 0; c < d; c++) range[c] = Range(min[c], max[c]);
        for (int t = 0; t < N; t++)
        {
            var p = points.AsSpan(t * d, d);
            TensorPrimitives.Subtract(p, min, p);
            TensorPrimitives.Divide(p, range, p);
        }

        // Stage 2, along the channels of each of the N rows: M coefficients, M points, min-max.
        var forward2 = Dct.Forward(d, M);
        var inverse2 = Dct.Forward(M, M);
        var result = new double[N * M];
        var g = new double[M];
        for (int t = 0; t < N; t++)
        {
            var p = points.AsSpan(t * d, d);
            for (int k = 0; k < M; k++) g[k] = TensorPrimitives.Dot(forward2.AsSpan(k * d, d), p);
            var r = result.AsSpan(t * M, M);
            for (int k = 0; k < M; k++) TensorPrimitives.MultiplyAdd(inverse2.AsSpan(k * M, M), g[k], r, r);
            double lo = TensorPrimitives.Min(r), rowRange = Range(lo, TensorPrimitives.Max(r));
            TensorPrimitives.Subtract(r, lo, r);
            TensorPrimitives.Divide(r, rowRange, r);
        }
        return result;
    }

    /// <summary>
    /// The divisor of PROST's min-max scaling: max - min (a division, not a multiplication by
    /// the reciprocal, so the maximum maps to exactly 1.0 and quantises to 127 as in the study),
    /// or +∞ for a row that is constant up to rounding (a range below 1e-10 of its magnitude),
    /// which maps the row to zeros: the study's code would divide by (nearly) zero there, giving
    /// NaN or amplified rounding noise.
    /// </summary>
    private static double Range(double min, double max)
    {
        double range = max - min;
        return range <= 1e-10 * Math.Max(Math.Abs(min), Math.Abs(max)) ? double.PositiveInfinity : range;
    }
}

/// <summary>
/// Orthonormal DCT-II matrices (scipy <c>dct(type=2, norm="ortho")</c>); the orthonormal DCT-III
/// (scipy <c>idct(type=2, norm="ortho")</c>) is the transpose. Written by hand because neither
/// MathNet.Numerics (Fourier and Hartley only) nor the BCL has a DCT; sizes here are at most
/// ~1,022 x 640, so the dense matrix product is cheap.
/// </summary>
internal static class Dct
{
    /// <summary>
    /// Rows 0..keep-1 of the orthonormal DCT-II matrix of size <paramref name="size"/>, row-major
    /// [keep, size]: C[k, j] = c_k · cos(π k (2j + 1) / (2 size)), c_0 = √(1/size), c_k = √(2/size).
    /// </summary>
    public static double[] Forward(int size, int keep)
    {
        // cos(π i / (2 size)) for i in [0, 4 size): every entry's angle reduces to one of these
        // exactly (k (2j + 1) mod 4 size), so only 4·size cosines are evaluated.
        int period = 4 * size;
        var table = new double[period];
        for (int i = 0; i < period; i++) table[i] = Math.Cos(Math.PI * i / (2.0 * size));
        var c = new double[keep * size];
        double c0 = Math.Sqrt(1.0 / size), ck = Math.Sqrt(2.0 / size);
        for (int k = 0; k < keep; k++)
        {
            double norm = k == 0 ? c0 : ck;
            // index = k (2j + 1) mod 4·size, advanced by 2k per column without a division.
            int index = k % period, step = 2 * k % period;
            for (int j = 0; j < size; j++)
            {
                c[k * size + j] = norm * table[index];
                index += step;
                if (index >= period) index -= period;
            }
        }
        return c;
    }
}
