namespace PlmKit.Models.Esm;

/// <summary>Which fair-esm model family a checkpoint belongs to.</summary>
public enum EsmArchitecture
{
    /// <summary>ESM-2 (<c>esm/model/esm2.py</c>): rotary positions, token-dropout rescaling.</summary>
    Esm2,

    /// <summary>
    /// ESM-1b / ESM-1v (<c>esm/model/esm1.py</c>, <c>arch = roberta_large</c>): learned positions
    /// (at most 1,024 tokens), optional <c>emb_layer_norm_before</c>.
    /// </summary>
    Esm1b,
}

/// <summary>Shape and switches of an ESM model, read from a checkpoint's config.</summary>
/// <param name="Architecture">Model family.</param>
/// <param name="Layers">Number of transformer blocks L (representation layers are 0..L).</param>
/// <param name="Hidden">Hidden width D.</param>
/// <param name="Heads">Attention heads H; D must be divisible by H.</param>
/// <param name="FfnHidden">Feed-forward width (4·D in every released model).</param>
/// <param name="TokenDropout">Whether the token-dropout rescaling is applied at inference.</param>
/// <param name="EmbLayerNormBefore">ESM-1b only: LayerNorm on the embeddings before the first block.</param>
/// <param name="MaxPositions">ESM-1b only: learned positions available (1,024 tokens incl. BOS/EOS); 0 for rotary models.</param>
public sealed record EsmConfig(
    EsmArchitecture Architecture,
    int Layers,
    int Hidden,
    int Heads,
    int FfnHidden,
    bool TokenDropout,
    bool EmbLayerNormBefore = false,
    int MaxPositions = 0)
{
    /// <summary>Per-head width D/H.</summary>
    public int HeadDim => Hidden / Heads;

    /// <summary>LayerNorm epsilon of every released ESM model (torch default).</summary>
    public const double LayerNormEps = 1e-5;

    /// <summary>
    /// Longest sequence (residues) the model accepts in one piece, or null when unlimited
    /// (rotary models have no length limit; the 1,022 of extract.py is a policy, not a limit).
    /// </summary>
    public int? MaxResidues => Architecture == EsmArchitecture.Esm1b ? MaxPositions - 2 : null;

    /// <summary>Number of weights of the encoder (embeddings and blocks; heads not counted).</summary>
    public long EncoderParameters =>
        (long)EsmAlphabet.Size * Hidden
        + (Architecture == EsmArchitecture.Esm1b ? (long)(MaxPositions + EsmAlphabet.Pad + 1) * Hidden + (EmbLayerNormBefore ? 2L * Hidden : 0) : 0)
        + Layers * (4L * (Hidden * (long)Hidden + Hidden) + 2L * Hidden * FfnHidden + FfnHidden + Hidden + 4L * Hidden)
        + 2L * Hidden;

    /// <summary>Checks the numbers are usable.</summary>
    /// <exception cref="ModelLoadException">A size is not positive or D is not divisible by H (or the head width is odd).</exception>
    public void Validate(string source)
    {
        if (Layers <= 0 || Hidden <= 0 || Heads <= 0 || FfnHidden <= 0)
            throw new ModelLoadException($"{source}: invalid model shape (layers {Layers}, hidden {Hidden}, heads {Heads}, ffn {FfnHidden}).");
        if (Hidden % Heads != 0 || (Architecture == EsmArchitecture.Esm2 && HeadDim % 2 != 0))
            throw new ModelLoadException($"{source}: hidden width {Hidden} is not divisible into {Heads} heads of even width.");
        if (Architecture == EsmArchitecture.Esm1b && MaxPositions < 3)
            throw new ModelLoadException($"{source}: ESM-1b models need max_positions >= 3 (got {MaxPositions}).");
    }
}
