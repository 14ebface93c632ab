using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// Where the real tokens of a padded batch are, so the model can skip the padding: every
/// token-wise step (layer norms, projections, feed-forward) runs on the N real tokens packed into
/// one [N, D] matrix, and attention runs once per run of consecutive equal-length rows, with no
/// key-padding mask. Length-sorted batches (<see cref="PlmKit.Embeddings.Batching"/>) give long runs.
/// </summary>
/// <remarks>
/// Why: on a mixed-length batch the padded layout spends the projections and the feed-forward on
/// pad rows and sends a mask through attention, which libtorch's fused CPU kernel runs about a
/// third slower than the unmasked case. Leaving pad keys out is exactly what fair-esm's mask does
/// (their softmax weight is exp(−∞) = 0), so the results agree to float32 rounding.
/// </remarks>
internal sealed class TokenLayout
{
    /// <summary>A block of <see cref="Count"/> rows, each <see cref="Length"/> tokens, starting at packed row <see cref="Offset"/>.</summary>
    internal readonly record struct Run(long Offset, long Count, long Length);

    private readonly Tensor? index;   // packed row → row of the flattened [B·T] batch; null when nothing is padding

    private TokenLayout(long batch, long width, IReadOnlyList<Run> runs, long tokens, Tensor? index)
    {
        Batch = batch;
        Width = width;
        Runs = runs;
        Tokens = tokens;
        this.index = index;
    }

    /// <summary>B, rows in the batch.</summary>
    public long Batch { get; }

    /// <summary>T, tokens per padded row.</summary>
    public long Width { get; }

    /// <summary>N, real (non-pad) tokens in the batch.</summary>
    public long Tokens { get; }

    /// <summary>Runs of consecutive rows of equal length, in row order (empty rows left out).</summary>
    public IReadOnlyList<Run> Runs { get; }

    /// <summary>Reads the layout of a [B, T] token batch whose rows are padded at the end.</summary>
    /// <exception cref="ArgumentException">A row has a pad token before a real one, or the batch holds no real token.</exception>
    public static TokenLayout Of(Tensor padding)
    {
        long b = padding.shape[0], t = padding.shape[1];
        var pad = padding.cpu().data<bool>().ToArray();
        var lengths = new long[b];
        for (long row = 0; row < b; row++)
        {
            long n = 0;
            while (n < t && !pad[row * t + n]) n++;
            for (long j = n; j < t; j++)
                if (!pad[row * t + j])
                    throw new ArgumentException($"tokens: row {row} has <pad> at position {n} before a real token at {j}; pad rows at the end, as Batching.Tokens does.");
            lengths[row] = n;
        }
        var runs = new List<Run>();
        long offset = 0;
        for (long row = 0; row < b;)
        {
            long end = row + 1;
            while (end < b && lengths[end] == lengths[row]) end++;
            if (lengths[row] > 0) runs.Add(new Run(offset, end - row, lengths[row]));
            offset += (end - row) * lengths[row];
            row = end;
        }
        if (offset == 0) throw new ArgumentException("tokens: every row is padding.");
        if (offset == b * t) return new TokenLayout(b, t, runs, offset, null);
        var rows = new long[offset];
        long k = 0;
        for (long row = 0; row < b; row++)
            for (long j = 0; j < lengths[row]; j++) rows[k++] = row * t + j;
        return new TokenLayout(b, t, runs, offset, tensor(rows, device: padding.device));
    }

    /// <summary>Takes the index tensor out of the current dispose scope (a <see cref="LayerPass"/> owns it).</summary>
    internal TokenLayout Detach()
    {
        index?.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Frees the index tensor.</summary>
    internal void Dispose() => index?.Dispose();

    /// <summary>[B, T, D] → the real tokens' rows [N, D], in row order.</summary>
    public Tensor Pack(Tensor x)
    {
        var flat = x.reshape(Batch * Width, x.shape[2]);
        return index is null ? flat : flat.index_select(0, index);
    }

    /// <summary>[N, D] → [B, T, D] with zeros at pad positions.</summary>
    public Tensor Unpack(Tensor packed)
    {
        long d = packed.shape[1];
        if (index is null) return packed.view(Batch, Width, d);
        return zeros(Batch * Width, d, packed.dtype, packed.device).index_copy_(0, index, packed).view(Batch, Width, d);
    }
}
