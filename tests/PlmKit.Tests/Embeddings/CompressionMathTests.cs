using MathNet.Numerics.LinearAlgebra;
using PlmKit.Embeddings;

namespace PlmKit.Tests.Embeddings;

/// <summary>The numerical building blocks of the compressions, against independent references.</summary>
public class CompressionMathTests
{
    private static double[] RandomSymmetric(int n, int seed, int rank = -1)
    {
        var random = new Random(seed);
        int r = rank < 0 ? n : rank;
        var b = Matrix<double>.Build.Dense(n, r, (_, _) => random.NextDouble() - 0.5);
        var a = b.TransposeAndMultiply(b);
        if (rank < 0) a -= Matrix<double>.Build.DenseIdentity(n) * (0.3 * n / 12.0); // indefinite
        return a.ToRowMajorArray();
    }

    [Theory]
    [InlineData(3, 1, -1)]
    [InlineData(40, 2, -1)]
    [InlineData(200, 3, -1)]
    [InlineData(150, 4, 5)]   // low rank: the Krylov space becomes invariant early
    [InlineData(60, 5, 1)]    // rank one: the second pair needs a restart
    public void Top_eigenpairs_match_a_dense_decomposition(int n, int seed, int rank)
    {
        var a = RandomSymmetric(n, seed, rank);
        var pairs = TopEigen.Compute(n, 2, (x, y) =>
        {
            for (int i = 0; i < n; i++)
            {
                double s = 0;
                for (int j = 0; j < n; j++) s += a[i * n + j] * x[j];
                y[i] = s;
            }
        });
        var evd = Matrix<double>.Build.DenseOfRowMajor(n, n, a).Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, n).OrderByDescending(i => evd.EigenValues[i].Real).ToArray();
        double scale = Math.Abs(evd.EigenValues.Select(v => Math.Abs(v.Real)).Max());
        for (int c = 0; c < 2; c++)
        {
            Assert.Equal(evd.EigenValues[order[c]].Real, pairs.Values[c], 1e-10 * scale);
            // Rank-one case: the second eigenvalue is 0 with a whole null space; only its value is defined.
            if (rank == 1 && c == 1) continue;
            var reference = evd.EigenVectors.Column(order[c]);
            double dot = reference.DotProduct(Vector<double>.Build.DenseOfArray(pairs.Vectors[c]));
            Assert.Equal(1.0, Math.Abs(dot), 1e-9);
        }
    }

    [Theory]
    [InlineData(long.MaxValue)] // one thread
    [InlineData(0L)]            // block rows on the thread pool
    public void Gram_matches_a_plain_matrix_product(long parallelWork)
    {
        var random = new Random(11);
        int rows = 13, cols = 21, stride = 24; // rows not a multiple of the 4-row block
        var x = new double[rows * stride];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) x[i * stride + j] = random.NextDouble() - 0.5;
        var g = DenseMath.Gram(x, rows, stride, parallelWork);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < rows; j++)
            {
                double s = 0;
                for (int k = 0; k < cols; k++) s += x[i * stride + k] * x[j * stride + k];
                Assert.Equal(s, g[i * rows + j], 1e-12);
            }
    }

    [Theory]
    [InlineData(3, 17, long.MaxValue)] // window neither aligned nor a multiple of 4 long, one thread
    [InlineData(5, 10, 0L)]            // block rows on the thread pool
    public void Gram_of_a_column_window_matches_a_plain_matrix_product(int offset, int length, long parallelWork)
    {
        var random = new Random(offset + length);
        int rows = 13, stride = 30; // rows not a multiple of the 4-row block
        var x = Enumerable.Range(0, rows * stride).Select(_ => random.NextDouble() - 0.5).ToArray();
        var g = DenseMath.Gram(x, rows, stride, offset, length, parallelWork);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < rows; j++)
            {
                double s = 0;
                for (int k = offset; k < offset + length; k++) s += x[i * stride + k] * x[j * stride + k];
                Assert.Equal(s, g[i * rows + j], 1e-12);
            }
    }

    [Theory]
    [InlineData(9, 13, 16, long.MaxValue)]   // rows and columns not multiples of the 4-wide blocks
    [InlineData(8, 8, 8, long.MaxValue)]
    [InlineData(203, 517, 520, 0L)]          // several row and column blocks on the thread pool
    public void Row_products_match_plain_loops(int rows, int cols, int stride, long parallelWork)
    {
        var random = new Random(rows + cols);
        var x = Enumerable.Range(0, rows * stride).Select(_ => random.NextDouble() - 0.5).ToArray();
        var v = Enumerable.Range(0, cols).Select(_ => random.NextDouble() - 0.5).ToArray();
        var c = Enumerable.Range(0, rows).Select(_ => random.NextDouble() - 0.5).ToArray();
        var y = new double[rows];
        DenseMath.RowDots(x, stride, v, y, parallelWork);
        var t = Enumerable.Repeat(99.0, cols).ToArray(); // must be overwritten, not accumulated
        DenseMath.CombineRows(x, stride, c, t, parallelWork);
        for (int r = 0; r < rows; r++)
            Assert.Equal(Enumerable.Range(0, cols).Sum(k => x[r * stride + k] * v[k]), y[r], 1e-12);
        for (int k = 0; k < cols; k++)
            Assert.Equal(Enumerable.Range(0, rows).Sum(r => x[r * stride + k] * c[r]), t[k], 1e-12);
    }

    [Fact]
    public void Dct_matrix_is_orthonormal_and_matches_the_definition()
    {
        int n = 7;
        var c = Dct.Forward(n, n);
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
            {
                double s = 0;
                for (int j = 0; j < n; j++) s += c[a * n + j] * c[b * n + j];
                Assert.Equal(a == b ? 1.0 : 0.0, s, 1e-13);
            }
        // scipy.fftpack.dct([1, 2, 3, 4, 5, 6, 7], norm="ortho")[1] (computed with scipy 1.10.1).
        double x1 = Enumerable.Range(0, n).Sum(j => c[1 * n + j] * (j + 1));
        Assert.Equal(-5.2621925866313735, x1, 1e-13);
        // scipy.fftpack.idct([1, -2, 0.5], type=2, norm="ortho") = the transpose applied.
        var c3 = Dct.Forward(3, 3);
        double[] f = [1, -2, 0.5];
        double[] expected = [-0.63273915, 0.16910198, 2.19568798];
        for (int t = 0; t < 3; t++)
            Assert.Equal(expected[t], Enumerable.Range(0, 3).Sum(k => c3[k * 3 + t] * f[k]), 1e-8);
    }

    [Fact]
    public void Sign_rule_makes_the_largest_magnitude_entry_positive_first_on_ties()
    {
        double[] v = [0.5, -2, 1];
        DenseMath.FlipSign(v);
        Assert.Equal([-0.5, 2, -1], v);
        double[] tie = [-3, 3, 1];
        DenseMath.FlipSign(tie);
        Assert.Equal([3, -3, -1], tie);
    }

    [Fact]
    public void Scaler_maps_each_channel_to_minus_one_one_and_a_constant_channel_to_minus_one()
    {
        // 3 residues x 2 channels: channel 0 varies, channel 1 is constant.
        var states = new ResidueStates([1f, 5f, 3f, 5f, 2f, 5f], 3, 2, [0f, 0f]);
        var m = ChannelMatrix.Scale(states, "pca1");
        Assert.Equal(2, m.Channels);
        Assert.Equal(3, m.Positions);
        Assert.Equal([-1.0, 1.0, 0.0], m.Row(0)[..3].ToArray());
        Assert.Equal([-1.0, -1.0, -1.0], m.Row(1)[..3].ToArray());
        Assert.All(m.Row(0)[3..].ToArray(), v => Assert.Equal(0.0, v));
    }
}
