namespace PlmKit.Models.EsmC;

/// <summary>
/// Shape of an ESM C model: the three numbers of EvolutionaryScale's
/// <c>ESMC(d_model, n_heads, n_layers)</c>; everything else is derived from them as
/// <c>esm/layers/{transformer_stack,blocks}.py</c> derive it.
/// </summary>
/// <param name="DModel">Hidden width D.</param>
/// <param name="Heads">Attention heads H; D must be divisible by H into heads of even width (rotary pairs).</param>
/// <param name="Layers">Transformer blocks L (representation layers are 0..L).</param>
public sealed record EsmCConfig(int DModel, int Heads, int Layers)
{
    /// <summary>Rows of the token embedding and columns of the logits (the tokenizer uses ids 0..32).</summary>
    public const int EmbeddingRows = 64;

    /// <summary>Epsilon of every LayerNorm (torch default).</summary>
    public const double LayerNormEps = 1e-5;

    /// <summary>Rotary base θ: <c>inv_freq = 1/θ^(2i/dh)</c>.</summary>
    public const double RotaryBase = 10000.0;

    /// <summary>The SwiGLU expansion ratio of <c>TransformerStack</c>.</summary>
    private const double ExpansionRatio = 8.0 / 3.0;

    /// <summary>Per-head width dh = D/H.</summary>
    public int HeadDim => DModel / Heads;

    /// <summary>
    /// SwiGLU hidden width F: <c>swiglu_correction_fn(8/3, D)</c>, the expansion rounded up to a
    /// multiple of 256 (256 for D = 64, 2560 for 300M, 3072 for 600M).
    /// </summary>
    public int FfnHidden => (int)Math.Floor((ExpansionRatio * DModel + 255) / 256) * 256;

    /// <summary>
    /// Residue scaling s = √(L/36): every block adds its attention and feed-forward outputs
    /// divided by s (0.913 for 300M, 1 for 600M).
    /// </summary>
    public double ResidueScaling => Math.Sqrt(Layers / 36.0);

    /// <summary>Number of weights of the encoder: embedding, blocks, final norm (the sequence head not counted).</summary>
    public long EncoderParameters
    {
        get
        {
            long d = DModel, f = FfnHidden;
            long attention = 2 * d + 3 * d * d + 2 * d + d * d;   // layernorm_qkv, q_ln + k_ln, out_proj
            long ffn = 2 * d + 2 * f * d + f * d;                  // LayerNorm, W1 [2F, D], W3 [D, F]
            return EmbeddingRows * d + Layers * (attention + ffn) + d;
        }
    }

    /// <summary>The released weight files, which carry no config: sizes known by name (<c>esm.pretrained</c>).</summary>
    public static IReadOnlyDictionary<string, EsmCConfig> Released { get; } = new Dictionary<string, EsmCConfig>(StringComparer.Ordinal)
    {
        ["esmc_300m_2024_12_v0.pth"] = new(960, 15, 30),
        ["esmc_600m_2024_12_v0.pth"] = new(1152, 18, 36),
    };

    /// <summary>The shape of released file <paramref name="fileName"/> (name only, no folder), or null when it is not one.</summary>
    public static EsmCConfig? OfReleasedFile(string fileName) => Released.GetValueOrDefault(fileName);

    /// <summary>Checks the numbers are usable.</summary>
    /// <param name="source">File or folder the numbers came from, for the message.</param>
    /// <exception cref="ModelLoadException">A size is not positive, or D does not split into H heads of even width.</exception>
    public void Validate(string source)
    {
        if (DModel <= 0 || Heads <= 0 || Layers <= 0)
            throw new ModelLoadException($"{source}: invalid ESM C shape (d_model {DModel}, n_heads {Heads}, n_layers {Layers}); all must be positive.");
        if (DModel % Heads != 0 || HeadDim % 2 != 0)
            throw new ModelLoadException($"{source}: d_model {DModel} does not split into {Heads} heads of even width (rotary embeddings rotate pairs).");
    }
}
