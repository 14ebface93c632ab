using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PlmKit.Models.Esm;

/// <summary>
/// The transformer shared by ESM-2 (<see cref="Esm2Model"/>) and ESM-1b/ESM-1v
/// (<see cref="Esm1bModel"/>), as in fair-esm: pre-LayerNorm blocks, pad tokens never attended,
/// erf-GELU feed-forward, <c>emb_layer_norm_after</c> on the last block's output, and the
/// RoBERTa LM head tied to the token embedding. Submodule names are fair-esm's state-dict names
/// (<c>embed_tokens</c>, <c>layers.{i}.self_attn.q_proj</c>, ...), so a fair-esm state dict maps
/// one to one; Hugging Face names are translated by <see cref="EsmCheckpoint"/>.
/// </summary>
/// <remarks>
/// Inside the blocks only the real tokens are computed, packed as [N, D] (fair-esm keeps the
/// padded [T, B, D] and masks pad keys; the arithmetic of every real token is the same, see
/// <see cref="TokenLayout"/>). Attention uses <c>scaled_dot_product_attention</c> (fused, no
/// [B, H, T, T] tensor kept around); fair-esm scales q before the rotary rotation, which is
/// linear, so both orders agree to float32 rounding.
/// <para>Throughout the forward pass numbers reach libtorch as <c>Scalar</c>s held in
/// <c>using</c> variables, through overloads that take every Scalar explicitly
/// (<c>add_(x, one)</c>, not <c>add_(x)</c>): TorchSharp's implicit conversions and default
/// arguments make temporary Scalars that nothing keeps alive during the native call, and a
/// garbage collection started by another thread then frees them under libtorch (see
/// <see cref="TorchRuntime"/>).</para>
/// </remarks>
public abstract class EsmModel : nn.Module, IMaskedLanguageModel, ILayeredModel
{
    /// <summary>Shape and switches of this model.</summary>
    public EsmConfig Config { get; }

    /// <inheritdoc/>
    public ModelInfo Info => new(
        Config.Architecture == EsmArchitecture.Esm2 ? "esm2" : "esm1b", Config.Layers, Config.Hidden, Config.Heads, Config.EncoderParameters,
        // ESM-2 has no length limit (rotary); fair-esm's extract.py cuts at 1,022 residues, the study's convention.
        Config.MaxResidues, Config.MaxResidues ?? 1022, "MIT");

    /// <inheritdoc/>
    public IProteinTokenizer Tokenizer => EsmAlphabet.Tokenizer;

    ModelOutput IProteinModel.Forward(Tensor tokens, IReadOnlyCollection<int> layers) => Forward(tokens, layers);

    /// <inheritdoc />
    public long MaskToken => EsmAlphabet.Mask;

    ModelOutput IMaskedLanguageModel.Forward(Tensor tokens, IReadOnlyCollection<int> layers, bool logits) => Forward(tokens, layers, logits);

    void IProteinModel.To(Device device, ScalarType dtype) => To(device, dtype);

    /// <summary>Whether the LM head was built (and loaded), so <see cref="Forward"/> can return logits.</summary>
    public bool HasLmHead => lm_head is not null;

    // Field names = fair-esm state-dict names (registered explicitly in the constructors).
#pragma warning disable IDE1006, CS8618
    private protected readonly Embedding embed_tokens;
    private protected readonly ModuleList<EsmLayer> layers;
    private protected readonly LayerNorm emb_layer_norm_after;
    private protected readonly RobertaLMHead? lm_head;
#pragma warning restore IDE1006, CS8618

    private BlockStream? stream;

    private protected EsmModel(string name, EsmConfig config, bool withLmHead, WeightPlacement? placement) : base(name)
    {
        config.Validate(name);
        Config = config;
        var p = placement ?? WeightPlacement.Default;
        embed_tokens = Blank.Embedding(EsmAlphabet.Size, config.Hidden, EsmAlphabet.Pad, p);
        // Streamed: one block, the slot every block's weights are read into when it runs.
        layers = new ModuleList<EsmLayer>(Enumerable.Range(0, p.Streamed ? 1 : config.Layers)
            .Select(_ => new EsmLayer(config, rotary: config.Architecture == EsmArchitecture.Esm2, p)).ToArray());
        emb_layer_norm_after = Blank.LayerNorm(config.Hidden, EsmConfig.LayerNormEps, p);
        register_module(nameof(embed_tokens), embed_tokens);
        register_module(nameof(layers), layers);
        register_module(nameof(emb_layer_norm_after), emb_layer_norm_after);
        if (withLmHead)
        {
            lm_head = new RobertaLMHead(config.Hidden, EsmAlphabet.Size, p);
            register_module(nameof(lm_head), lm_head);
        }
    }

    /// <summary>Layer-0 states: embedding (plus positions), token-dropout rescaling, pad rows zeroed. [B, T, D].</summary>
    private protected abstract Tensor Embed(Tensor tokens, Tensor padding);

    /// <summary>
    /// Runs the model on a padded token batch and keeps only the requested layers.
    /// </summary>
    /// <param name="tokens">[B, T] int64 token indices (<see cref="EsmAlphabet"/>), each row padded at its end with <c>&lt;pad&gt;</c> (as <see cref="PlmKit.Embeddings.Batching.Tokens"/> makes them), on the model's device. Rows sorted by length run fastest.</param>
    /// <param name="layers">Representation layers to return, each in 0..L (0 = embeddings, L = after the final LayerNorm).</param>
    /// <param name="logits">Also return LM-head logits (needs <see cref="HasLmHead"/>).</param>
    /// <returns>Hidden states [B, T, D] per requested layer, float32.</returns>
    /// <exception cref="ArgumentException">A layer is out of range, the input is not [B, T], a row has padding before a real token, every row is padding, or logits are asked for without a head.</exception>
    public ModelOutput Forward(Tensor tokens, IReadOnlyCollection<int> layers, bool logits = false)
    {
        var head = lm_head;
        return LayeredForward.Run(this, Config.Layers, tokens, layers, logits,
            head is null ? null : x => head.Forward(emb_layer_norm_after.forward(x), embed_tokens.weight!), "LM head");
    }

    /// <inheritdoc/>
    public BlockStream? Streaming => stream;

    /// <summary>Makes this one-block model (<see cref="WeightPlacement.Streamed"/>) read its blocks from <paramref name="blocks"/>; the model disposes it.</summary>
    internal void StreamFrom(BlockStream blocks) => stream = blocks;

    /// <inheritdoc/>
    public LayerPass Begin(Tensor tokens)
    {
        if (tokens.dim() != 2) throw new ArgumentException($"tokens must be [B, T], got [{string.Join(", ", tokens.shape)}].");
        using var scope = NewDisposeScope();
        using var noGrad = inference_mode(true);
        using var pad = ((long)EsmAlphabet.Pad).ToScalar();
        var padding = tokens.eq(pad);
        // From here on only the real tokens are computed: [N, D] rows, attention per run of equal-length rows.
        var layout = TokenLayout.Of(padding);
        return new LayerPass(layout, layout.Pack(Embed(tokens, padding)));
    }

    /// <inheritdoc/>
    public void Step(LayerPass pass)
    {
        if (pass.Layer >= Config.Layers) throw new InvalidOperationException($"the pass is at the last layer ({Config.Layers}).");
        using var noGrad = inference_mode(true);
        var block = Block(pass.Layer);
        // A scope per block frees its intermediates (attention, the 4·D-wide FFN activations) right away.
        using var scope = NewDisposeScope();
        pass.Advance(block.Forward(pass.X, pass.Layout));
    }

    /// <inheritdoc/>
    public Tensor Representation(LayerPass pass)
    {
        using var scope = NewDisposeScope();
        using var noGrad = inference_mode(true);
        var x = pass.Layer == Config.Layers ? emb_layer_norm_after.forward(pass.X) : pass.X;
        return pass.Layout.Unpack(x).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    // Block i (0-based): in memory, or read into the one slot when streamed.
    private EsmLayer Block(int i)
    {
        if (stream is null) return layers[i];
        var slot = layers[0];
        if (stream.Loaded != i)
        {
            stream.Load(i, slot);
            slot.Fuse();
        }
        return slot;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) stream?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>
    /// Moves the model to <paramref name="device"/> and casts its weights to <paramref name="dtype"/>,
    /// keeping the rotary <c>inv_freq</c> buffers in float32 (a bfloat16 copy would shift every angle).
    /// </summary>
    public EsmModel To(Device device, ScalarType dtype)
    {
        // Already there: change nothing (another thread may be running Forward on this model).
        var current = embed_tokens.weight!.device;
        if (current.type == device.type && (current.index == device.index || device.index < 0 && current.index <= 0) && WeightType == dtype)
            return this;
        this.to(device);
        foreach (var (_, m) in named_modules())
            if (m is Linear or LayerNorm or Embedding) m.to(dtype);
        if (lm_head is not null) lm_head.to(dtype);
        PrepareForInference();
        return this;
    }

    /// <summary>
    /// Rebuilds derived weights (stacked q/k/v) from the parameters and switches to eval mode.
    /// The loader and <see cref="To"/> call it; call it yourself after changing parameters by hand.
    /// </summary>
    public void PrepareForInference()
    {
        foreach (var layer in layers) layer.Fuse();
        eval();
    }

    /// <summary>Dtype of the weights (float32 or bfloat16).</summary>
    public ScalarType WeightType => embed_tokens.weight!.dtype;
}

/// <summary>
/// ESM-2 as fair-esm <c>esm/model/esm2.py</c>: token embedding (scale 1) with the token-dropout
/// rescaling ×(1−0.15·0.8)/(1−observed mask ratio) (×0.88 when nothing is masked), pad rows
/// zeroed, rotary attention with each layer's stored <c>inv_freq</c>.
/// </summary>
public sealed class Esm2Model : EsmModel
{
    /// <summary>Builds an ESM-2 with uninitialised weights (load them with <see cref="EsmCheckpoint"/>).</summary>
    /// <param name="config">Shape; <see cref="EsmConfig.Architecture"/> must be <see cref="EsmArchitecture.Esm2"/>.</param>
    /// <param name="withLmHead">Build the LM head (needed for logits only).</param>
    /// <param name="placement">Weight dtype, device and streaming; null: float32 on the CPU, all blocks.</param>
    public Esm2Model(EsmConfig config, bool withLmHead = false, WeightPlacement? placement = null) : base(nameof(Esm2Model), config, withLmHead, placement)
    {
        if (config.Architecture != EsmArchitecture.Esm2) throw new ArgumentException("config is not ESM-2.", nameof(config));
    }

    private protected override Tensor Embed(Tensor tokens, Tensor padding)
    {
        var x = embed_tokens.forward(tokens);
        if (Config.TokenDropout) x = TokenDropout.Rescale(x, tokens, padding);
        return x * padding.logical_not().unsqueeze(-1).to(x.dtype);
    }
}

/// <summary>
/// ESM-1b / ESM-1v as fair-esm <c>esm/model/esm1.py</c> (<c>arch = roberta_large</c>): token
/// embedding, token-dropout rescaling when the checkpoint's args ask for it, learned positions
/// (<c>cumsum</c> of non-pad tokens offset by the padding index), optional
/// <c>emb_layer_norm_before</c>, pad rows zeroed; blocks without rotary embeddings.
/// At most <see cref="EsmConfig.MaxPositions"/> tokens.
/// </summary>
public sealed class Esm1bModel : EsmModel
{
#pragma warning disable IDE1006
    private readonly Embedding embed_positions;
    private readonly LayerNorm? emb_layer_norm_before;
#pragma warning restore IDE1006

    /// <summary>Builds an ESM-1b with uninitialised weights (load them with <see cref="EsmCheckpoint"/>).</summary>
    /// <param name="config">Shape; <see cref="EsmConfig.Architecture"/> must be <see cref="EsmArchitecture.Esm1b"/>.</param>
    /// <param name="withLmHead">Build the LM head (needed for logits only).</param>
    /// <param name="placement">Weight dtype, device and streaming; null: float32 on the CPU, all blocks.</param>
    public Esm1bModel(EsmConfig config, bool withLmHead = false, WeightPlacement? placement = null) : base(nameof(Esm1bModel), config, withLmHead, placement)
    {
        if (config.Architecture != EsmArchitecture.Esm1b) throw new ArgumentException("config is not ESM-1b.", nameof(config));
        // fair-esm's LearnedPositionalEmbedding: max_positions + padding_idx + 1 rows.
        var p = placement ?? WeightPlacement.Default;
        embed_positions = Blank.Embedding(config.MaxPositions + EsmAlphabet.Pad + 1, config.Hidden, EsmAlphabet.Pad, p);
        register_module(nameof(embed_positions), embed_positions);
        if (config.EmbLayerNormBefore)
        {
            emb_layer_norm_before = Blank.LayerNorm(config.Hidden, EsmConfig.LayerNormEps, p);
            register_module(nameof(emb_layer_norm_before), emb_layer_norm_before);
        }
    }

    private protected override Tensor Embed(Tensor tokens, Tensor padding)
    {
        if (tokens.shape[1] > Config.MaxPositions)
            throw new ArgumentException($"{tokens.shape[1]} tokens exceed this model's {Config.MaxPositions} positions.");
        var x = embed_tokens.forward(tokens);
        if (Config.TokenDropout) x = TokenDropout.Rescale(x, tokens, padding);
        var notPad = padding.logical_not().to(ScalarType.Int64);
        using var pad = ((long)EsmAlphabet.Pad).ToScalar();
        using var one = 1L.ToScalar();
        var positions = (notPad.cumsum(1) * notPad).add_(pad, one);
        x = x.add(embed_positions.forward(positions), one);
        if (emb_layer_norm_before is not null) x = emb_layer_norm_before.forward(x);
        return x * padding.logical_not().unsqueeze(-1).to(x.dtype);
    }
}

/// <summary>fair-esm's inference-time token-dropout rescaling.</summary>
internal static class TokenDropout
{
    // 15% of tokens masked in training, 80% of those replaced by <mask>.
    private const double MaskRatioTrain = 0.15 * 0.8;

    /// <summary>Zeroes <c>&lt;mask&gt;</c> rows and scales by (1−0.12)/(1−observed mask ratio per sequence).</summary>
    public static Tensor Rescale(Tensor x, Tensor tokens, Tensor padding)
    {
        using var mask = ((long)EsmAlphabet.Mask).ToScalar();
        var isMask = tokens.eq(mask);
        using var zero = 0.0.ToScalar();
        using var one = 1.0.ToScalar();
        using var keep = (1 - MaskRatioTrain).ToScalar();
        x = x.masked_fill(isMask.unsqueeze(-1), zero);
        var srcLengths = padding.logical_not().sum(-1);
        var observed = isMask.sum(-1).to(x.dtype) / srcLengths;
        // Same operation order as fair-esm: x * (1 - r_train) / (1 - r_observed).
        return x.mul(keep) / observed.neg().add_(one, one).unsqueeze(-1).unsqueeze(-1);
    }
}

/// <summary>One pre-LayerNorm transformer block (fair-esm <c>TransformerLayer</c>).</summary>
public sealed class EsmLayer : nn.Module
{
#pragma warning disable IDE1006
    private readonly EsmSelfAttention self_attn;
    private readonly LayerNorm self_attn_layer_norm;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly LayerNorm final_layer_norm;
#pragma warning restore IDE1006

    internal EsmLayer(EsmConfig config, bool rotary, WeightPlacement p) : base(nameof(EsmLayer))
    {
        self_attn = new EsmSelfAttention(config.Hidden, config.Heads, rotary, p);
        self_attn_layer_norm = Blank.LayerNorm(config.Hidden, EsmConfig.LayerNormEps, p);
        fc1 = Blank.Linear(config.Hidden, config.FfnHidden, true, p);
        fc2 = Blank.Linear(config.FfnHidden, config.Hidden, true, p);
        final_layer_norm = Blank.LayerNorm(config.Hidden, EsmConfig.LayerNormEps, p);
        RegisterComponents();
    }

    internal void Fuse() => self_attn.Fuse();

    /// <summary>x + attn(LN1(x)), then + fc2(gelu(fc1(LN2(x)))). x: the batch's real tokens [N, D].</summary>
    internal Tensor Forward(Tensor x, TokenLayout layout)
    {
        // Residual sums written into the fresh projection outputs (x itself may be a kept layer).
        using var one = 1.0.ToScalar();
        var h = self_attn.Forward(self_attn_layer_norm.forward(x), layout).add_(x, one);
        return fc2.forward(F.gelu(fc1.forward(final_layer_norm.forward(h)))).add_(h, one);
    }
}

/// <summary>Multi-head self-attention with optional rotary embeddings (fair-esm <c>MultiheadAttention</c>).</summary>
public sealed class EsmSelfAttention : nn.Module
{
#pragma warning disable IDE1006
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear out_proj;
    private readonly RotaryEmbedding? rot_emb;
#pragma warning restore IDE1006
    private readonly int heads;

    // q, k and v projections stacked into one [3D, D] matrix: one matmul instead of three
    // (about twice as fast at D = 320). Derived from the parameters by Fuse(), which the model
    // calls after loading and after every device/dtype change; not part of the state dict
    // (assigned after RegisterComponents, so never registered).
    private Tensor? qkvWeight;
    private Tensor? qkvBias;

    internal EsmSelfAttention(int hidden, int heads, bool rotary, WeightPlacement p) : base(nameof(EsmSelfAttention))
    {
        this.heads = heads;
        // q, k and v are views of one stacked [3D, D] matrix from the start (see Fuse).
        var (stackedWeight, w) = Blank.Stacked(3, [hidden, hidden], p);
        var (stackedBias, b) = Blank.Stacked(3, [hidden], p);
        q_proj = nn.Linear(w[0], b[0]);
        k_proj = nn.Linear(w[1], b[1]);
        v_proj = nn.Linear(w[2], b[2]);
        out_proj = Blank.Linear(hidden, hidden, true, p);
        if (rotary) rot_emb = new RotaryEmbedding(hidden / heads, p.Device);
        RegisterComponents();
        qkvWeight = stackedWeight;
        qkvBias = stackedBias;
    }

    /// <summary>
    /// Rebuilds the stacked q/k/v weights from the current parameters, and makes the q, k and v
    /// parameters views of it: the weights are then held once (at 3B, a second copy would cost
    /// 2.8 GB in float32), and whatever writes the parameters writes the stacked copy.
    /// </summary>
    internal void Fuse()
    {
        // Loaded in place, q, k and v still are the stacked matrix's slices: nothing to do. (A
        // device or dtype change gives new parameters, which are stacked again.)
        if (qkvWeight is not null && qkvBias is not null
            && Blank.AreSlicesOf(qkvWeight, [q_proj.weight!, k_proj.weight!, v_proj.weight!])
            && Blank.AreSlicesOf(qkvBias, [q_proj.bias!, k_proj.bias!, v_proj.bias!]))
            return;
        using var noGrad = no_grad();
        var weight = cat([q_proj.weight!, k_proj.weight!, v_proj.weight!], 0).detach();
        var bias = cat([q_proj.bias!, k_proj.bias!, v_proj.bias!], 0).detach();
        long d = q_proj.weight!.shape[0];
        foreach (var (p, i) in new[] { (q_proj, 0), (k_proj, 1), (v_proj, 2) })
        {
            // set_ shares the view's storage; the view's own handle is freed here rather than by the finalizer.
            using var w = weight.narrow(0, i * d, d);
            using var b = bias.narrow(0, i * d, d);
            p.weight!.set_(w);
            p.bias!.set_(b);
        }
        qkvWeight?.Dispose();
        qkvBias?.Dispose();
        qkvWeight = weight;
        qkvBias = bias;
    }

    /// <summary>x: the batch's real tokens [N, D] laid out as <paramref name="layout"/> says. Returns [N, D].</summary>
    internal Tensor Forward(Tensor x, TokenLayout layout)
    {
        if (qkvWeight is null || qkvBias is null) throw new InvalidOperationException("weights not prepared: load the model with EsmCheckpoint.");
        long d = x.shape[1], hd = d / heads;
        var qkv = F.linear(x, qkvWeight, qkvBias);
        var outputs = new List<Tensor>(layout.Runs.Count);
        foreach (var run in layout.Runs)
        {
            // The run's rows are consecutive in the packed matrix: a view [rows, T, 3, H, hd], no copy.
            var part = qkv.narrow(0, run.Offset, run.Count * run.Length).view(run.Count, run.Length, 3, heads, hd);
            Tensor q, k;
            if (rot_emb is not null)
            {
                // Rotate q and k together: [rows, T, 2, H, hd].
                var qk = rot_emb.Apply(part.narrow(2, 0, 2));
                (q, k) = (qk.select(2, 0), qk.select(2, 1));
            }
            else (q, k) = (part.select(2, 0), part.select(2, 1));
            var v = part.select(2, 2);
            // Softmax(q·kᵀ/√hd)·v over the row's own tokens, which is what fair-esm's key-padding
            // mask leaves; q·hd^-0.5 as fair-esm's scaling.
            var attn = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), null, 0.0, false);
            outputs.Add(attn.transpose(1, 2).reshape(run.Count * run.Length, d));
        }
        return out_proj.forward(outputs.Count == 1 ? outputs[0] : cat(outputs, 0));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            qkvWeight?.Dispose();
            qkvBias?.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// Rotary position embeddings, "rotate-half" form with <c>emb = cat(freqs, freqs)</c>, positions
/// 0..T−1 counted from <c>&lt;cls&gt;</c>. The frequencies are the checkpoint's stored
/// <c>inv_freq</c> buffer: the released checkpoints hold them rounded through fp16, and
/// recomputing 1/10000^(2i/d) would shift outputs by up to 2e-3.
/// </summary>
public sealed class RotaryEmbedding : nn.Module
{
#pragma warning disable IDE1006
    private readonly Tensor inv_freq;
#pragma warning restore IDE1006

    internal RotaryEmbedding(int headDim, Device? device) : base(nameof(RotaryEmbedding))
    {
        // Placeholder values, always overwritten by the checkpoint's buffer (a missing buffer is a load error); float32 whatever the weights' dtype.
        inv_freq = zeros(headDim / 2, ScalarType.Float32, device);
        register_buffer(nameof(inv_freq), inv_freq);
    }

    /// <summary>The stored frequencies [head_dim/2], float32.</summary>
    public Tensor InvFreq => inv_freq;

    /// <summary>Rotates x ([B, T, ..., hd], position on dimension 1) by position.</summary>
    internal Tensor Apply(Tensor x)
    {
        long t = x.shape[1];
        var (cos, signedSin) = Tables(t, inv_freq, inv_freq.device);
        // [T, 1, ..., hd] to broadcast over the middle dimensions.
        var shape = new long[x.dim() - 1];
        Array.Fill(shape, 1L);
        shape[0] = t;
        shape[^1] = cos.shape[1];
        return Rotate(x, cos.to(x.dtype).view(shape), signedSin.to(x.dtype).view(shape));
    }

    /// <summary>
    /// The rotation tables for positions 0..<paramref name="length"/>−1, float32 [T, head_dim]:
    /// cos(emb) and the signed sin(emb) that <see cref="Rotate"/> expects, emb = cat(freqs, freqs).
    /// Shared by the model and the LoRA fine-tuning forward, which lays heads out differently.
    /// </summary>
    /// <param name="length">Sequence length T in tokens (with <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c>).</param>
    /// <param name="invFreq">The checkpoint's <c>inv_freq</c> [head_dim/2].</param>
    /// <param name="device">Where the tables are made.</param>
    public static (Tensor Cos, Tensor SignedSin) Tables(long length, Tensor invFreq, Device device)
    {
        using var zero = 0L.ToScalar();
        using var one = 1L.ToScalar();
        using var stop = length.ToScalar();
        var positions = arange(zero, stop, one, ScalarType.Float32, device);
        var freqs = outer(positions, invFreq.to(device).to(ScalarType.Float32));
        var emb = cat([freqs, freqs], -1);
        var sinHalves = emb.sin().chunk(2, -1);
        return (emb.cos(), cat([sinHalves[0].neg(), sinHalves[1]], -1));
    }

    /// <summary>
    /// x·cos + rotate_half(x)·sin (fair-esm's <c>apply_rotary_pos_emb</c>) with tables from
    /// <see cref="Tables"/> broadcast to x ([..., hd]). rotate_half(x) = cat(−x2, x1) =
    /// roll(x, hd/2) with the first half negated, so rotate_half(x)·sin = roll(x, hd/2)·cat(−sin1, sin2):
    /// one copy instead of chunk/neg/cat, and the same values bit for bit. A plain multiply and add,
    /// not a fused addcmul: the LoRA golden steps (Adam amplifies rounding) hold only when each
    /// product is rounded as PyTorch rounds it.
    /// </summary>
    public static Tensor Rotate(Tensor x, Tensor cos, Tensor signedSin)
    {
        using var unit = 1.0.ToScalar();
        return x.mul(cos).add(x.roll(x.shape[^1] / 2, -1).mul(signedSin), unit);
    }
}

/// <summary>fair-esm <c>RobertaLMHead</c>: dense → GELU → LayerNorm → tied decoder (token embedding) + bias.</summary>
public sealed class RobertaLMHead : nn.Module
{
#pragma warning disable IDE1006
    private readonly Linear dense;
    private readonly LayerNorm layer_norm;
    private readonly Parameter bias;
#pragma warning restore IDE1006

    internal RobertaLMHead(int hidden, int vocab, WeightPlacement p) : base(nameof(RobertaLMHead))
    {
        dense = Blank.Linear(hidden, hidden, true, p);
        layer_norm = Blank.LayerNorm(hidden, EsmConfig.LayerNormEps, p);
        bias = new Parameter(zeros(vocab, p.Dtype, p.Device));
        RegisterComponents();
    }

    /// <summary>[B, T, D] → logits [B, T, vocab] using the tied <paramref name="embedding"/> [vocab, D].</summary>
    internal Tensor Forward(Tensor x, Tensor embedding)
    {
        using var one = 1.0.ToScalar();   // explicit alpha: see EsmModel's remarks
        return F.linear(layer_norm.forward(F.gelu(dense.forward(x))), embedding, null).add_(bias, one);
    }
}
