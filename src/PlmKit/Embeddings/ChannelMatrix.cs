using System.Numerics.Tensors;

namespace PlmKit.Embeddings;

/// <summary>
/// The study's <c>features_scaler</c> followed by its transpose: every hidden channel min-max
/// scaled over the residues to [-1, 1], then laid out as samples = the D channels and
/// features = the L positions. This is the common input of PCA and KernelPCA.
/// </summary>
/// <remarks>
/// scikit-learn's <c>MinMaxScaler(feature_range=(-1, 1))</c> maps a constant channel to all -1
/// (its zero range is replaced by 1); this does the same. Computed in double, which is what the
/// golden <c>.exact</c> PCA reference uses (the study itself stayed in float32).
/// </remarks>
internal sealed class ChannelMatrix
{
    /// <summary>Row-major [Channels, Stride] values; columns Positions..Stride-1 are zero padding.</summary>
    public double[] Values { get; }

    /// <summary>Number of channels D (rows, the samples).</summary>
    public int Channels { get; }

    /// <summary>Number of positions L (columns, the features).</summary>
    public int Positions { get; }

    /// <summary>Row length in memory: L rounded up to a multiple of 8, so SIMD kernels need no tails.</summary>
    public int Stride { get; }

    private ChannelMatrix(double[] values, int channels, int positions, int stride)
    {
        Values = values;
        Channels = channels;
        Positions = positions;
        Stride = stride;
    }

    /// <summary>The error for NaN or infinite states in channel <paramref name="channel"/> (0-based).</summary>
    public static InputException NonFinite(string method, int channel) =>
        new($"{method}: the residue states contain NaN or infinity (channel {channel}); the model output overflowed or is damaged (with --dtype bf16, try fp32).");

    /// <summary>Row <paramref name="c"/> (channel c over all positions, padding included).</summary>
    public Span<double> Row(int c) => Values.AsSpan(c * Stride, Stride);

    /// <summary>Scales and transposes the residue states of one protein.</summary>
    /// <param name="states">The protein's states.</param>
    /// <param name="method">Pooling name, for the error message.</param>
    /// <exception cref="InputException">A state is NaN or infinite.</exception>
    public static ChannelMatrix Scale(ResidueStates states, string method)
    {
        int length = states.Length, hidden = states.Hidden;
        var min = states.Row(0).ToArray();
        var max = states.Row(0).ToArray();
        for (int i = 1; i < length; i++)
        {
            TensorPrimitives.Min(min, states.Row(i), min);
            TensorPrimitives.Max(max, states.Row(i), max);
        }
        var scale = new double[hidden];
        for (int c = 0; c < hidden; c++)
        {
            // Min and Max propagate NaN, so this also catches NaN anywhere in the channel.
            if (!float.IsFinite(min[c]) || !float.IsFinite(max[c]))
                throw NonFinite(method, c);
            double range = (double)max[c] - min[c];
            scale[c] = 2.0 / (range == 0 ? 1.0 : range);
        }

        int stride = (length + 7) / 8 * 8;
        var values = new double[hidden * stride];
        // Transpose in blocks of 64 residues so the strided writes stay in cache.
        const int Block = 64;
        for (int i0 = 0; i0 < length; i0 += Block)
        {
            int i1 = Math.Min(length, i0 + Block);
            for (int c = 0; c < hidden; c++)
            {
                double lo = min[c], s = scale[c];
                int offset = c * stride;
                for (int i = i0; i < i1; i++)
                    values[offset + i] = (states.Residues[i * hidden + c] - lo) * s - 1.0;
            }
        }
        return new ChannelMatrix(values, hidden, length, stride);
    }
}
