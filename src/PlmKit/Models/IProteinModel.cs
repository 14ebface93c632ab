using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// What every protein language model family offers PlmKit: its tokenizer, a forward pass that
/// returns the requested layers' per-token states, its metadata, and a move to a device and dtype.
/// <see cref="PlmKit.Embeddings.Embedder"/>, the store, <c>plmkit embed</c> and <c>plmkit run</c>
/// take any implementation unchanged; each family lives in its own folder (<c>Models/Esm</c>,
/// <c>Models/EsmC</c>, <c>Models/Amplify</c>).
/// </summary>
/// <remarks>
/// Layers are numbered for every family as fair-esm numbers ESM-2's: 0 = the token embeddings,
/// k = the output of block k, and the last layer L = the model's final representation as the
/// study pooled it (ESM-2: after <c>emb_layer_norm_after</c>; ESM C: after the final norm; AMPLIFY:
/// the last block's output under SWAT's weightless LayerNorm). So <c>--layers -1 --pool mean</c>
/// gives the study's vectors for every family.
/// </remarks>
public interface IProteinModel : IDisposable
{
    /// <summary>Family, shape, parameter count, length limit and licence.</summary>
    ModelInfo Info { get; }

    /// <summary>The family's tokenizer (vocabulary and special tokens).</summary>
    IProteinTokenizer Tokenizer { get; }

    /// <summary>
    /// Runs the model on a padded token batch and keeps only the requested layers.
    /// </summary>
    /// <param name="tokens">[B, T] int64 token ids from <see cref="Tokenizer"/>, each row padded at its end with <see cref="IProteinTokenizer.Pad"/>, on the model's device.</param>
    /// <param name="layers">Layers to return, each in 0..<see cref="ModelInfo.Layers"/>.</param>
    /// <returns>Per requested layer, states [B, T, D] in float32 on the model's device (BOS at row 0, EOS after the residues); zero at pad positions.</returns>
    /// <exception cref="ArgumentException">A layer is out of range, the input is not [B, T], a row has padding before a real token, or every row is padding.</exception>
    ModelOutput Forward(Tensor tokens, IReadOnlyCollection<int> layers);

    /// <summary>
    /// Moves the model to <paramref name="device"/> with weights in <paramref name="dtype"/>
    /// (float32 or bfloat16). A no-op when already there, so threads sharing a model may call it.
    /// </summary>
    void To(Device device, ScalarType dtype);
}

/// <summary>Metadata of a loaded model.</summary>
/// <param name="Family">Family key: <c>esm2</c>, <c>esm1b</c>, <c>esmc</c>, <c>amplify</c>. Part of every store key.</param>
/// <param name="Layers">Transformer blocks L (layers are 0..L).</param>
/// <param name="Hidden">Width D of every returned state.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="Parameters">Weights in the encoder as loaded (embeddings, blocks and final norm; heads not counted).</param>
/// <param name="ResidueLimit">Most residues the model can take in one piece, or null when unlimited (ESM-1v: 1,022 learned
/// positions; AMPLIFY: 2,046, its reference code's rotary table of 2,048 positions; ESM-2 and ESM C: none).</param>
/// <param name="DefaultMaxResidues">The family's convention for where long sequences are cut or windowed, or null for none
/// (ESM-2, ESM-1v: 1,022 as fair-esm's extract.py; AMPLIFY: 2,046; ESM C: none, as the study embedded it whole).</param>
/// <param name="Licence">Licence of the released weights of this family (SPDX id or name).</param>
public sealed record ModelInfo(string Family, int Layers, int Hidden, int Heads, long Parameters, int? ResidueLimit, int? DefaultMaxResidues, string Licence);

/// <summary>
/// A family's tokenizer: one token per residue between one leading (BOS/CLS) and one trailing
/// (EOS) special token, as all four families of the study tokenize.
/// </summary>
public interface IProteinTokenizer
{
    /// <summary>Id of the padding token.</summary>
    long Pad { get; }

    /// <summary>Vocabulary, index = token id (for display).</summary>
    IReadOnlyList<string> Vocabulary { get; }

    /// <summary>
    /// Tokens of one sequence: BOS, the first <paramref name="maxResidues"/> residues (all when
    /// null), EOS. Residue letters the family has no token for become its unknown token.
    /// </summary>
    /// <param name="sequence">A sequence that passed <see cref="ResidueAlphabet.Validate"/>.</param>
    /// <param name="maxResidues">Keep at most this many residues, or null for all.</param>
    /// <returns>Token ids, length min(L, maxResidues) + 2.</returns>
    /// <exception cref="InputException">A character is not a residue letter.</exception>
    long[] Tokenize(string sequence, int? maxResidues = null);
}

/// <summary>
/// Output of one forward pass: states of the requested layers and, where asked for, logits. Owns
/// its tensors; dispose it when done.
/// </summary>
public sealed class ModelOutput : IDisposable
{
    /// <summary>Layer k → states [B, T, D] in float32 on the model's device; zero at pad positions.</summary>
    public IReadOnlyDictionary<int, Tensor> Representations { get; }

    /// <summary>Logits [B, T, vocab] for all tokens (zero at pad positions), or null when not asked for.</summary>
    public Tensor? Logits { get; }

    /// <summary>Takes ownership of <paramref name="representations"/> and <paramref name="logits"/>.</summary>
    public ModelOutput(IReadOnlyDictionary<int, Tensor> representations, Tensor? logits = null)
    {
        Representations = representations;
        Logits = logits;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in Representations.Values) t.Dispose();
        Logits?.Dispose();
    }
}
