using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PlmKit;

/// <summary>
/// The few dense double-precision kernels the compressions need. Written by hand because
/// MathNet.Numerics' managed provider multiplies a 1280 x 1022 matrix by its transpose in about
/// 1 s and decomposes a 1280 x 1280 symmetric matrix in about 2.4 s on this project's machines
/// (measured), far too slow for pooling on the fly; its native MKL provider is not available.
/// </summary>
internal static class DenseMath
{
    private const long ParallelWork = 1L << 29;

    // Matrix-vector products are memory-bound; threads pay from about ESM-2 3B's width
    // (D = 2560: a 52 MB kernel) on.
    private const long ParallelMatrixVector = 1L << 22;

    /// <summary>
    /// G = X Xᵀ for row-major X [rows, stride] (stride a multiple of 4, padding zero).
    /// Returns the full symmetric [rows, rows] matrix.
    /// </summary>
    /// <remarks>Register-blocked 4 x 4 dot products with 256-bit fused multiply-adds: each
    /// loaded vector feeds four accumulators, which keeps the loop compute-bound.</remarks>
    /// <param name="x">Row-major [rows, stride] matrix.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="stride">Row length in memory, a multiple of 4.</param>
    /// <param name="parallelWork">rows²·stride from which the block rows run on several threads.</param>
    public static double[] Gram(double[] x, int rows, int stride, long parallelWork = ParallelWork) =>
        Gram(x, rows, stride, 0, stride, parallelWork);

    /// <summary>
    /// G = X Xᵀ over a window of columns: row i is <c>x[i*stride + offset .. + length]</c> (any
    /// offset and length; a length that is not a multiple of 4 ends in scalar steps). Same
    /// kernel and summation order as <see cref="Gram(double[], int, int, long)"/>, which is this
    /// with offset 0 and length = stride.
    /// </summary>
    /// <param name="x">Row-major matrix with rows of <paramref name="stride"/> elements.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="stride">Row length in memory.</param>
    /// <param name="offset">First column of the window.</param>
    /// <param name="length">Columns in the window.</param>
    /// <param name="parallelWork">rows²·length from which the block rows run on several threads.</param>
    /// <returns>The full symmetric [rows, rows] matrix, row-major.</returns>
    public static double[] Gram(double[] x, int rows, int stride, int offset, int length, long parallelWork)
    {
        var g = new double[rows * rows];
        int full = rows / 4 * 4;
        void BlockRow(int block)
        {
            int i = 4 * block;
            for (int j = i; j < full; j += 4)
                Block4x4(x, stride, offset, length, i, j, g, rows);
            for (int j = full; j < rows; j++)
                for (int a = i; a < i + 4; a++)
                    g[a * rows + j] = Dot(x, stride, offset, length, a, j);
        }
        // Every entry is computed by one thread in a fixed order, so threads do not change the
        // result. Threads from about D = 720 at L = 1022 (D = 320 takes ~3 ms alone); the
        // embedder pools one protein at a time, so the cores are otherwise idle meanwhile.
        if ((long)rows * rows * length >= parallelWork)
            Parallel.For(0, full / 4, BlockRow);
        else
            for (int block = 0; block < full / 4; block++) BlockRow(block);
        for (int i = full; i < rows; i++)
            for (int j = i; j < rows; j++)
                g[i * rows + j] = Dot(x, stride, offset, length, i, j);
        // Mirror the upper triangle (blocks on the diagonal filled both halves already).
        for (int i = 0; i < rows; i++)
            for (int j = i + 1; j < rows; j++)
                g[j * rows + i] = g[i * rows + j];
        return g;
    }

    private static double Dot(double[] x, int stride, int offset, int length, int a, int b) =>
        TensorPrimitives.Dot(x.AsSpan(a * stride + offset, length), x.AsSpan(b * stride + offset, length));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block4x4(double[] x, int stride, int offset, int length, int i, int j, double[] g, int rows)
    {
        fixed (double* p = x)
        {
            double* a0 = p + i * stride + offset, a1 = a0 + stride, a2 = a1 + stride, a3 = a2 + stride;
            double* b0 = p + j * stride + offset, b1 = b0 + stride, b2 = b1 + stride, b3 = b2 + stride;
            Vector256<double> c00 = default, c01 = default, c02 = default, c03 = default;
            Vector256<double> c10 = default, c11 = default, c12 = default, c13 = default;
            Vector256<double> c20 = default, c21 = default, c22 = default, c23 = default;
            Vector256<double> c30 = default, c31 = default, c32 = default, c33 = default;
            int vectorLength = length / 4 * 4;
            for (int k = 0; k < vectorLength; k += 4)
            {
                var y0 = Vector256.Load(b0 + k);
                var y1 = Vector256.Load(b1 + k);
                var y2 = Vector256.Load(b2 + k);
                var y3 = Vector256.Load(b3 + k);
                var x0 = Vector256.Load(a0 + k);
                c00 = Vector256.FusedMultiplyAdd(x0, y0, c00);
                c01 = Vector256.FusedMultiplyAdd(x0, y1, c01);
                c02 = Vector256.FusedMultiplyAdd(x0, y2, c02);
                c03 = Vector256.FusedMultiplyAdd(x0, y3, c03);
                var x1 = Vector256.Load(a1 + k);
                c10 = Vector256.FusedMultiplyAdd(x1, y0, c10);
                c11 = Vector256.FusedMultiplyAdd(x1, y1, c11);
                c12 = Vector256.FusedMultiplyAdd(x1, y2, c12);
                c13 = Vector256.FusedMultiplyAdd(x1, y3, c13);
                var x2 = Vector256.Load(a2 + k);
                c20 = Vector256.FusedMultiplyAdd(x2, y0, c20);
                c21 = Vector256.FusedMultiplyAdd(x2, y1, c21);
                c22 = Vector256.FusedMultiplyAdd(x2, y2, c22);
                c23 = Vector256.FusedMultiplyAdd(x2, y3, c23);
                var x3 = Vector256.Load(a3 + k);
                c30 = Vector256.FusedMultiplyAdd(x3, y0, c30);
                c31 = Vector256.FusedMultiplyAdd(x3, y1, c31);
                c32 = Vector256.FusedMultiplyAdd(x3, y2, c32);
                c33 = Vector256.FusedMultiplyAdd(x3, y3, c33);
            }
            int r0 = i * rows + j, r1 = r0 + rows, r2 = r1 + rows, r3 = r2 + rows;
            g[r0] = Vector256.Sum(c00); g[r0 + 1] = Vector256.Sum(c01); g[r0 + 2] = Vector256.Sum(c02); g[r0 + 3] = Vector256.Sum(c03);
            g[r1] = Vector256.Sum(c10); g[r1 + 1] = Vector256.Sum(c11); g[r1 + 2] = Vector256.Sum(c12); g[r1 + 3] = Vector256.Sum(c13);
            g[r2] = Vector256.Sum(c20); g[r2 + 1] = Vector256.Sum(c21); g[r2 + 2] = Vector256.Sum(c22); g[r2 + 3] = Vector256.Sum(c23);
            g[r3] = Vector256.Sum(c30); g[r3 + 1] = Vector256.Sum(c31); g[r3 + 2] = Vector256.Sum(c32); g[r3 + 3] = Vector256.Sum(c33);
            // Columns past the last multiple of 4 (none when length is a multiple of 4).
            for (int k = vectorLength; k < length; k++)
                for (int a = 0; a < 4; a++)
                    for (int b = 0; b < 4; b++)
                        g[(i + a) * rows + j + b] += (a0 + a * stride)[k] * (b0 + b * stride)[k];
        }
    }

    /// <summary>
    /// y[r] = ⟨row r of X, v⟩ for row-major X [y.Length, stride] (v.Length columns used).
    /// Four rows per pass, so each loaded element of v feeds four fused multiply-adds; blocks of
    /// rows on the thread pool from <paramref name="parallelWork"/> matrix elements (each y[r]
    /// is still summed by one thread in a fixed order, so the result does not depend on it).
    /// </summary>
    public static void RowDots(double[] x, int stride, double[] v, double[] y, long parallelWork = ParallelMatrixVector)
    {
        const int Block = 64;
        if ((long)y.Length * v.Length >= parallelWork)
            Parallel.For(0, (y.Length + Block - 1) / Block, b => RowDots(x, stride, v, y, b * Block, Math.Min(y.Length, (b + 1) * Block)));
        else
            RowDots(x, stride, v, y, 0, y.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RowDots(double[] x, int stride, double[] v, double[] y, int first, int end)
    {
        int cols = v.Length, full = first + (end - first) / 4 * 4, vectorCols = cols / 4 * 4;
        fixed (double* p = x)
        fixed (double* pv = v)
        {
            for (int r = first; r < full; r += 4)
            {
                double* a0 = p + (long)r * stride, a1 = a0 + stride, a2 = a1 + stride, a3 = a2 + stride;
                Vector256<double> s0 = default, s1 = default, s2 = default, s3 = default;
                for (int k = 0; k < vectorCols; k += 4)
                {
                    var t = Vector256.Load(pv + k);
                    s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a0 + k), t, s0);
                    s1 = Vector256.FusedMultiplyAdd(Vector256.Load(a1 + k), t, s1);
                    s2 = Vector256.FusedMultiplyAdd(Vector256.Load(a2 + k), t, s2);
                    s3 = Vector256.FusedMultiplyAdd(Vector256.Load(a3 + k), t, s3);
                }
                double d0 = Vector256.Sum(s0), d1 = Vector256.Sum(s1), d2 = Vector256.Sum(s2), d3 = Vector256.Sum(s3);
                for (int k = vectorCols; k < cols; k++)
                {
                    d0 += a0[k] * pv[k]; d1 += a1[k] * pv[k]; d2 += a2[k] * pv[k]; d3 += a3[k] * pv[k];
                }
                y[r] = d0; y[r + 1] = d1; y[r + 2] = d2; y[r + 3] = d3;
            }
        }
        for (int r = full; r < end; r++) y[r] = TensorPrimitives.Dot(x.AsSpan(r * stride, cols), v);
    }

    /// <summary>
    /// t = Σ_r c[r] · (row r of X) for row-major X [c.Length, stride] (t.Length columns used).
    /// Four rows per pass, so t is loaded and stored once per four rows; column blocks on the
    /// thread pool from <paramref name="parallelWork"/> matrix elements (each t[k] is still
    /// summed by one thread in a fixed order).
    /// </summary>
    public static void CombineRows(double[] x, int stride, double[] c, double[] t, long parallelWork = ParallelMatrixVector)
    {
        const int Block = 256;
        if ((long)c.Length * t.Length >= parallelWork)
            Parallel.For(0, (t.Length + Block - 1) / Block, b => CombineRows(x, stride, c, t, b * Block, Math.Min(t.Length, (b + 1) * Block)));
        else
            CombineRows(x, stride, c, t, 0, t.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CombineRows(double[] x, int stride, double[] c, double[] t, int first, int end)
    {
        Array.Clear(t, first, end - first);
        int rows = c.Length, full = rows / 4 * 4, vectorEnd = first + (end - first) / 4 * 4;
        fixed (double* p = x)
        fixed (double* pt = t)
        {
            for (int r = 0; r < full; r += 4)
            {
                double* a0 = p + (long)r * stride, a1 = a0 + stride, a2 = a1 + stride, a3 = a2 + stride;
                double w0 = c[r], w1 = c[r + 1], w2 = c[r + 2], w3 = c[r + 3];
                var v0 = Vector256.Create(w0);
                var v1 = Vector256.Create(w1);
                var v2 = Vector256.Create(w2);
                var v3 = Vector256.Create(w3);
                for (int k = first; k < vectorEnd; k += 4)
                {
                    var acc = Vector256.Load(pt + k);
                    acc = Vector256.FusedMultiplyAdd(Vector256.Load(a0 + k), v0, acc);
                    acc = Vector256.FusedMultiplyAdd(Vector256.Load(a1 + k), v1, acc);
                    acc = Vector256.FusedMultiplyAdd(Vector256.Load(a2 + k), v2, acc);
                    acc = Vector256.FusedMultiplyAdd(Vector256.Load(a3 + k), v3, acc);
                    acc.Store(pt + k);
                }
                for (int k = vectorEnd; k < end; k++)
                    pt[k] += a0[k] * w0 + a1[k] * w1 + a2[k] * w2 + a3[k] * w3;
            }
            for (int r = full; r < rows; r++)
            {
                double* a = p + (long)r * stride;
                for (int k = first; k < end; k++) pt[k] += a[k] * c[r];
            }
        }
    }

    /// <summary>
    /// Double centering of a symmetric [n, n] kernel in place (scikit-learn's KernelCenterer):
    /// K - row means - column means + grand mean.
    /// </summary>
    public static void DoubleCenter(double[] k, int n)
    {
        var mean = new double[n];
        for (int i = 0; i < n; i++) mean[i] = TensorPrimitives.Sum(k.AsSpan(i * n, n)) / n;
        double grand = TensorPrimitives.Sum(mean) / n;
        for (int i = 0; i < n; i++)
        {
            var row = k.AsSpan(i * n, n);
            TensorPrimitives.Subtract(row, mean, row);
            TensorPrimitives.Add(row, grand - mean[i], row);
        }
    }

    /// <summary>
    /// scikit-learn 1.2.1's <c>svd_flip(u_based_decision=True)</c> on one vector: flips the sign
    /// so the entry of largest absolute value (the first one on ties) is positive.
    /// </summary>
    public static void FlipSign(Span<double> v)
    {
        int best = 0;
        double bestAbs = -1;
        for (int i = 0; i < v.Length; i++)
        {
            double a = Math.Abs(v[i]);
            if (a > bestAbs) { bestAbs = a; best = i; }
        }
        if (v[best] < 0) TensorPrimitives.Negate(v, v);
    }
}
