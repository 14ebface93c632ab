using System.Numerics.Tensors;

namespace PlmKit.Embeddings;

/// <summary>Which of the two leading components a PCA-type pooling returns.</summary>
public enum ComponentSelection
{
    /// <summary>Component 1 only (D values): the study's <c>pca1</c>, <c>rbf1</c>, <c>sigmoid1</c>.</summary>
    First = 1,

    /// <summary>Component 2 only (D values): <c>pca2</c>, <c>rbf2</c>, <c>sigmoid2</c>.</summary>
    Second = 2,

    /// <summary>Component 1 then component 2 (2·D values, component-major): <c>pca1-2</c>.</summary>
    Both = 3,
}

/// <summary>The kernel of a KernelPCA pooling; gamma = 1/L as scikit-learn's default.</summary>
public enum PcaKernel
{
    /// <summary><c>exp(-‖xᵢ - xⱼ‖² / L)</c>.</summary>
    Rbf,

    /// <summary><c>tanh(⟨xᵢ, xⱼ⟩ / L + 1)</c> (coef0 = 1).</summary>
    Sigmoid,
}

/// <summary>
/// The study's <c>pca1</c>, <c>pca2</c> and <c>pca1-2</c>: scikit-learn <c>PCA(2)</c> on the
/// min-max scaled, transposed states (samples = the D channels, features = the L positions,
/// each channel scaled over the residues to [-1, 1]); the output is the D channels' scores on
/// principal component 1 and/or 2, i.e. <c>U[:, c]·S[c]</c> of the SVD of the position-centred
/// matrix, signed as scikit-learn 1.2.1's <c>svd_flip(u_based_decision=True)</c> does (each score
/// vector's entry of largest absolute value is positive, the first one on ties).
/// </summary>
/// <remarks>
/// Reproducibility: whenever max(D, L) &gt; 500 scikit-learn 1.2.1's automatic solver switched to
/// a randomized SVD seeded from NumPy's global generator, so the study's own values are not
/// reproducible there: for L &gt; 500 on the 320-wide golden model (re-seeding moves them by up to
/// 0.36, and they differ from the exact decomposition by up to 0.28), and for every protein of
/// the models 640 and wider (ESM-2 150M and up; on benchmark states 1280 wide, 0.04-2.3 off).
/// This implementation always returns the exact solution (<c>PCA(2, svd_solver="full")</c> in
/// float64, the golden <c>.exact</c> reference); where the study itself was exact (D and L
/// ≤ 500) it matches the study's values to about 2e-5.
/// Cost: the scaled matrix plus a Lanczos iteration on XcXcᵀ applied implicitly (two
/// matrix-vector products of size D·L per step), never forming a D x D matrix.
/// Requires L ≥ 2 (scikit-learn refuses two components from one feature).
/// </remarks>
public sealed class PcaPooling : IPooling
{
    private readonly ComponentSelection _components;

    /// <summary>Creates the pooling returning <paramref name="components"/>.</summary>
    public PcaPooling(ComponentSelection components)
    {
        _components = components;
        Name = components switch
        {
            ComponentSelection.First => "pca1",
            ComponentSelection.Second => "pca2",
            ComponentSelection.Both => "pca1-2",
            _ => throw new ArgumentOutOfRangeException(nameof(components)),
        };
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int OutputLength(int hidden) => ComponentOutput.Length(_components, hidden);

    /// <inheritdoc />
    /// <exception cref="ConfigurationException">Fewer than 2 residues.</exception>
    /// <exception cref="InputException">NaN or infinite states.</exception>
    public float[] Pool(ResidueStates states)
    {
        if (states.Length < 2)
            throw new ConfigurationException(
                $"{Name} needs at least 2 residues (PCA with 2 components over the positions); this protein has {states.Length}.");
        var x = ChannelMatrix.Scale(states, Name);
        int d = x.Channels, stride = x.Stride;
        // Centre every position over the channels (PCA centres each feature).
        var mean = new double[stride];
        for (int c = 0; c < d; c++) TensorPrimitives.Add(mean, x.Row(c), mean);
        TensorPrimitives.Divide(mean, d, mean);
        for (int c = 0; c < d; c++) TensorPrimitives.Subtract(x.Row(c), mean, x.Row(c));

        var t = new double[stride];
        var pairs = TopEigen.Compute(d, 2, (v, y) =>
        {
            // y = Xc (Xcᵀ v): scores of the positions, then back onto the channels.
            DenseMath.CombineRows(x.Values, stride, v, t);
            DenseMath.RowDots(x.Values, stride, t, y);
        });
        for (int c = 0; c < 2; c++)
        {
            DenseMath.FlipSign(pairs.Vectors[c]);
            TensorPrimitives.Multiply(pairs.Vectors[c], Math.Sqrt(Math.Max(pairs.Values[c], 0)), pairs.Vectors[c]);
        }
        return ComponentOutput.Select(_components, pairs.Vectors);
    }
}

/// <summary>
/// The study's <c>rbf1</c>, <c>rbf2</c>, <c>sigmoid1</c> and <c>sigmoid2</c>: scikit-learn
/// <c>KernelPCA(kernel, n_components=2)</c> on the same scaled, transposed matrix as
/// <see cref="PcaPooling"/>: a D x D kernel between the channel vectors with gamma = 1/L
/// (and coef0 = 1 for sigmoid), double-centred, its two largest eigenpairs; eigenvalues below
/// zero (rounding) or below 2e-7 of the largest (scikit-learn's float32 conditioning rule,
/// the study ran in float32) become 0; each eigenvector is signed so its entry of largest
/// absolute value is positive; output = eigenvector · √eigenvalue, component 1 = the largest.
/// </summary>
/// <remarks>
/// scikit-learn used ARPACK (converged, so its random start moves results by ~1e-6 at most);
/// this uses a seeded Lanczos iteration in double precision (see <c>TopEigen</c>), matching a
/// dense float64 eigendecomposition. Cost: forming the D x D Gram matrix (D²·L/2
/// multiply-adds with SIMD, the dominant term) plus 26-90 kernel-vector products (Lanczos steps).
/// </remarks>
public sealed class KernelPcaPooling : IPooling
{
    private readonly PcaKernel _kernel;
    private readonly ComponentSelection _components;

    /// <summary>Creates the pooling for <paramref name="kernel"/> returning <paramref name="components"/>.</summary>
    public KernelPcaPooling(PcaKernel kernel, ComponentSelection components)
    {
        _kernel = kernel;
        _components = components;
        string prefix = kernel switch
        {
            PcaKernel.Rbf => "rbf",
            PcaKernel.Sigmoid => "sigmoid",
            _ => throw new ArgumentOutOfRangeException(nameof(kernel)),
        };
        Name = prefix + components switch
        {
            ComponentSelection.First => "1",
            ComponentSelection.Second => "2",
            ComponentSelection.Both => "1-2",
            _ => throw new ArgumentOutOfRangeException(nameof(components)),
        };
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int OutputLength(int hidden) => ComponentOutput.Length(_components, hidden);

    /// <inheritdoc />
    /// <exception cref="InputException">NaN or infinite states.</exception>
    public float[] Pool(ResidueStates states)
    {
        var x = ChannelMatrix.Scale(states, Name);
        int d = x.Channels;
        double gamma = 1.0 / x.Positions;
        var k = DenseMath.Gram(x.Values, d, x.Stride);
        if (_kernel == PcaKernel.Rbf)
        {
            var squares = new double[d];
            for (int i = 0; i < d; i++) squares[i] = k[i * d + i];
            for (int i = 0; i < d; i++)
            {
                // ‖xi - xj‖² = ‖xi‖² + ‖xj‖² - 2⟨xi, xj⟩, clipped at 0 and exactly 0 on the
                // diagonal, as scikit-learn's euclidean_distances.
                var row = k.AsSpan(i * d, d);
                TensorPrimitives.MultiplyAdd(row, -2.0, squares, row);
                TensorPrimitives.Add(row, squares[i], row);
                TensorPrimitives.Max(row, 0.0, row);
                row[i] = 0;
                TensorPrimitives.Multiply(row, -gamma, row);
                TensorPrimitives.Exp(row, row);
            }
        }
        else
        {
            TensorPrimitives.Multiply(k, gamma, k);
            TensorPrimitives.Add(k, 1.0, k);
            TensorPrimitives.Tanh(k, k);
        }
        DenseMath.DoubleCenter(k, d);

        var pairs = TopEigen.Compute(d, 2, (v, y) => DenseMath.RowDots(k, d, v, y));
        double largest = Math.Max(pairs.Values[0], 0);
        for (int c = 0; c < 2; c++)
        {
            double value = pairs.Values[c];
            if (value < 0 || value < 2e-7 * largest) value = 0;
            DenseMath.FlipSign(pairs.Vectors[c]);
            TensorPrimitives.Multiply(pairs.Vectors[c], Math.Sqrt(value), pairs.Vectors[c]);
        }
        return ComponentOutput.Select(_components, pairs.Vectors);
    }
}

/// <summary>Output layout shared by the PCA-type poolings.</summary>
internal static class ComponentOutput
{
    public static int Length(ComponentSelection components, int hidden) =>
        components == ComponentSelection.Both ? 2 * hidden : hidden;

    public static float[] Select(ComponentSelection components, double[][] scores)
    {
        int d = scores[0].Length;
        var result = new float[Length(components, d)];
        int at = 0;
        if (components != ComponentSelection.Second) Copy(scores[0], result, ref at);
        if (components != ComponentSelection.First) Copy(scores[1], result, ref at);
        return result;
    }

    private static void Copy(double[] source, float[] target, ref int at)
    {
        foreach (double v in source) target[at++] = (float)v;
    }
}
