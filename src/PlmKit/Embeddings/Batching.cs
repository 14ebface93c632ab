using PlmKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PlmKit.Embeddings;

/// <summary>
/// fair-esm's batching (<c>FastaBatchedDataset.get_batch_indices</c>, as <c>scripts/extract.py</c>
/// calls it): sequences sorted by length (ties in input order), a batch grows while
/// max(length + extra) × count stays within the token budget.
/// </summary>
public static class Batching
{
    /// <summary>extract.py's default token budget per batch.</summary>
    public const int DefaultTokensPerBatch = 4096;

    /// <summary>Groups sequence indices into batches.</summary>
    /// <param name="lengths">Length of each sequence (residues; extract.py uses the untruncated length).</param>
    /// <param name="tokensPerBatch">Token budget (padded tokens) per batch; a longer sequence gets a batch of its own.</param>
    /// <param name="extraTokensPerSequence">Added to each length (extract.py passes 1).</param>
    /// <returns>Batches of indices into <paramref name="lengths"/>, shortest sequences first.</returns>
    public static IReadOnlyList<int[]> BatchIndices(IReadOnlyList<int> lengths, int tokensPerBatch = DefaultTokensPerBatch, int extraTokensPerSequence = 1)
    {
        if (tokensPerBatch <= 0) throw new ConfigurationException($"the token budget per batch must be positive (got {tokensPerBatch}).");
        var order = Enumerable.Range(0, lengths.Count).OrderBy(i => lengths[i]).ThenBy(i => i);
        var batches = new List<int[]>();
        var buffer = new List<int>();
        int maxLength = 0;
        foreach (int i in order)
        {
            int size = lengths[i] + extraTokensPerSequence;
            if (Math.Max(size, maxLength) * (long)(buffer.Count + 1) > tokensPerBatch && buffer.Count > 0)
            {
                batches.Add(buffer.ToArray());
                buffer.Clear();
                maxLength = 0;
            }
            maxLength = Math.Max(maxLength, size);
            buffer.Add(i);
        }
        if (buffer.Count > 0) batches.Add(buffer.ToArray());
        return batches;
    }

    /// <summary>
    /// Tokenizes sequences into one padded batch (fair-esm <c>BatchConverter</c>): [B, T] int64,
    /// T = longest + 2, each row padded at its end with the tokenizer's pad token.
    /// </summary>
    /// <param name="tokenizer">The model family's tokenizer.</param>
    /// <param name="sequences">Valid sequences (see <see cref="ResidueAlphabet.Validate"/>).</param>
    /// <param name="maxResidues">Truncate each to this many residues before appending EOS, or null.</param>
    public static Tensor Tokens(IProteinTokenizer tokenizer, IReadOnlyList<string> sequences, int? maxResidues = null)
    {
        var rows = sequences.Select(s => tokenizer.Tokenize(s, maxResidues)).ToList();
        int width = rows.Max(r => r.Length);
        var flat = new long[rows.Count * width];
        Array.Fill(flat, tokenizer.Pad);
        for (int b = 0; b < rows.Count; b++) rows[b].CopyTo(flat, b * width);
        return tensor(flat, [rows.Count, width]);
    }
}
