using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PlmKit.Models.Amplify;

/// <summary>What the last representation layer L of an <see cref="AmplifyModel"/> is.</summary>
public enum AmplifyFinal
{
    /// <summary>
    /// The study's representation (SWAT <c>scripts/extract_AMPLIFY.py</c>): the last block's output
    /// under a freshly built, weightless <c>torch.nn.LayerNorm</c> (weight 1, bias 0, eps 1e-5,
    /// biased variance), not the model's RMSNorm. Family key <c>amplify</c>.
    /// </summary>
    SwatLayerNorm,

    /// <summary>The last block's output under the model's own final RMSNorm <c>layer_norm_2</c> (what the decoder reads). Family key <c>amplify+rmsnorm</c>.</summary>
    ModelRmsNorm,

    /// <summary>The last block's output as it is (<c>hidden_states[-1]</c>; SWAT's PISCES folders are named <c>*_no_layernorm</c>). Family key <c>amplify+nonorm</c>.</summary>
    None,
}

/// <summary>
/// AMPLIFY as chandar-lab <c>src/amplify/model/amplify.py</c>: token embedding <c>encoder</c> (no
/// scaling, no norm after it), pre-RMSNorm blocks with rotary attention on interleaved pairs and a
/// SwiGLU feed-forward, no residual scaling; the final RMSNorm <c>layer_norm_2</c> and the
/// <c>decoder</c> give the logits. Submodule names are the checkpoint's tensor names
/// (<c>transformer_encoder.{i}.q</c>, <c>.ffn.w12</c>, ...).
/// </summary>
/// <remarks>
/// Layers: 0 = <c>encoder[tokens]</c>, k = the output of block k (no norm) for k &lt; L, and L = the
/// last block's output under the representation chosen by <see cref="Final"/> (SWAT's weightless
/// LayerNorm by default). The blocks compute only the real tokens, packed as [N, D] (the reference
/// keeps [B, T, D] and adds −∞ to pad keys; every real token's arithmetic is the same, see
/// <see cref="TokenLayout"/>).
/// <para>Numbers reach libtorch as <c>Scalar</c>s held in <c>using</c> variables or fields, through
/// overloads that take every Scalar explicitly (see <see cref="Esm.EsmModel"/>'s remarks and
/// <see cref="TorchRuntime"/>).</para>
/// </remarks>
public sealed class AmplifyModel : nn.Module, IMaskedLanguageModel, ILayeredModel
{
    /// <summary>Shape and token ids of this model.</summary>
    public AmplifyConfig Config { get; }

    /// <summary>What layer L is.</summary>
    public AmplifyFinal Final { get; }

    private readonly AmplifyTokenizer tokenizer;
    private readonly AmplifyRotary rotary;

    // Field names = the checkpoint's tensor names (registered explicitly in the constructor).
#pragma warning disable IDE1006
    private readonly Embedding encoder;
    private readonly ModuleList<AmplifyBlock> transformer_encoder;
    private readonly AmplifyRmsNorm layer_norm_2;
    private readonly Linear? decoder;
#pragma warning restore IDE1006

    /// <summary>Builds an AMPLIFY model with uninitialised weights (load them with <see cref="AmplifyCheckpoint"/>).</summary>
    /// <param name="config">Shape and token ids.</param>
    /// <param name="tokenizer">The folder's tokenizer (its <see cref="AmplifyTokenizer.Pad"/> marks padding).</param>
    /// <param name="final">What layer L is.</param>
    /// <param name="withLmHead">Build the <c>decoder</c> (needed for logits only).</param>
    /// <param name="placement">Weight dtype, device and streaming; null: float32 on the CPU, all blocks.</param>
    public AmplifyModel(AmplifyConfig config, AmplifyTokenizer tokenizer, AmplifyFinal final = AmplifyFinal.SwatLayerNorm, bool withLmHead = false,
        WeightPlacement? placement = null)
        : base(nameof(AmplifyModel))
    {
        var p = placement ?? WeightPlacement.Default;
        config.Validate(nameof(config));
        Config = config;
        Final = final;
        this.tokenizer = tokenizer;
        rotary = new AmplifyRotary(config.HeadDim, config.MaxLength);
        // padding_idx only matters for training; the released <pad> row is whatever the file holds.
        encoder = Blank.Embedding(config.VocabSize, config.HiddenSize, config.PadTokenId, p);
        // Streamed: one block, the slot every block's weights are read into when it runs.
        transformer_encoder = new ModuleList<AmplifyBlock>(Enumerable.Range(0, p.Streamed ? 1 : config.Layers).Select(_ => new AmplifyBlock(config, p)).ToArray());
        layer_norm_2 = new AmplifyRmsNorm(config.HiddenSize, config.NormEps, p);
        register_module(nameof(encoder), encoder);
        register_module(nameof(transformer_encoder), transformer_encoder);
        register_module(nameof(layer_norm_2), layer_norm_2);
        if (withLmHead)
        {
            decoder = Blank.Linear(config.HiddenSize, config.VocabSize, true, p);
            register_module(nameof(decoder), decoder);
        }
    }

    /// <summary>The <see cref="ModelInfo.Family"/> key of each <see cref="AmplifyFinal"/>: store keys carry it, so vectors of different variants never mix.</summary>
    public static string FamilyKey(AmplifyFinal final) => final switch
    {
        AmplifyFinal.SwatLayerNorm => "amplify",
        AmplifyFinal.ModelRmsNorm => "amplify+rmsnorm",
        AmplifyFinal.None => "amplify+nonorm",
        _ => throw new ArgumentOutOfRangeException(nameof(final)),
    };

    /// <inheritdoc/>
    public ModelInfo Info => new(FamilyKey(Final), Config.Layers, Config.HiddenSize, Config.Heads, Config.EncoderParameters,
        // The reference builds its rotary table for max_length positions, BOS and EOS included.
        Config.MaxResidues, Config.MaxResidues, "MIT");

    /// <inheritdoc/>
    public IProteinTokenizer Tokenizer => tokenizer;

    /// <summary>The tokenizer with AMPLIFY's special-token ids.</summary>
    public AmplifyTokenizer AmplifyTokenizer => tokenizer;

    /// <summary>Whether the <c>decoder</c> was built (and loaded), so <see cref="Forward"/> can return logits.</summary>
    public bool HasLmHead => decoder is not null;

    /// <summary>Dtype of the weights (float32 or bfloat16).</summary>
    public ScalarType WeightType => encoder.weight!.dtype;

    ModelOutput IProteinModel.Forward(Tensor tokens, IReadOnlyCollection<int> layers) => Forward(tokens, layers);

    /// <inheritdoc />
    public long MaskToken => tokenizer.Mask;

    ModelOutput IMaskedLanguageModel.Forward(Tensor tokens, IReadOnlyCollection<int> layers, bool logits) => Forward(tokens, layers, logits);

    void IProteinModel.To(Device device, ScalarType dtype) => To(device, dtype);

    /// <summary>
    /// Runs the model on a padded token batch and keeps only the requested layers.
    /// </summary>
    /// <param name="tokens">[B, T] int64 token ids (<see cref="Tokenizer"/>), each row padded at its end with <c>&lt;pad&gt;</c>, T ≤ max_length (2,048), on the model's device.</param>
    /// <param name="layers">Layers to return, each in 0..L (0 = embeddings, L = the <see cref="Final"/> representation).</param>
    /// <param name="logits">Also return the logits <c>decoder(layer_norm_2(x_L))</c> [B, T, vocab] (needs <see cref="HasLmHead"/>).</param>
    /// <returns>Hidden states [B, T, D] per requested layer, float32, zero at pad positions.</returns>
    /// <exception cref="ArgumentException">A layer is out of range, the input is not [B, T], a row is longer than max_length, has padding before a real token, every row is padding, or logits are asked for without the decoder.</exception>
    public ModelOutput Forward(Tensor tokens, IReadOnlyCollection<int> layers, bool logits = false)
    {
        var head = decoder;
        return LayeredForward.Run(this, Config.Layers, tokens, layers, logits,
            head is null ? null : x => head.forward(layer_norm_2.forward(x)), "decoder");
    }

    private BlockStream? stream;

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
        using var pad = tokenizer.Pad.ToScalar();
        // From here on only the real tokens are computed: [N, D] rows, attention per run of equal-length rows.
        var layout = TokenLayout.Of(tokens.eq(pad));
        long longest = layout.Runs.Max(r => r.Length);
        if (longest > Config.MaxLength)
            throw new ArgumentException($"a row has {longest} tokens; AMPLIFY takes at most {Config.MaxLength} (max_length: {Config.MaxResidues} residues with <bos> and <eos>).");
        // Embed the packed tokens only: [N] → [N, D].
        return new LayerPass(layout, encoder.forward(layout.Pack(tokens.unsqueeze(-1)).squeeze(-1)));
    }

    /// <inheritdoc/>
    public void Step(LayerPass pass)
    {
        if (pass.Layer >= Config.Layers) throw new InvalidOperationException($"the pass is at the last layer ({Config.Layers}).");
        using var noGrad = inference_mode(true);
        var block = Block(pass.Layer);
        // A scope per block frees its intermediates (attention, the 2F-wide SwiGLU input) right away.
        using var scope = NewDisposeScope();
        pass.Advance(block.Forward(pass.X, pass.Layout, rotary));
    }

    /// <inheritdoc/>
    public Tensor Representation(LayerPass pass)
    {
        using var scope = NewDisposeScope();
        using var noGrad = inference_mode(true);
        var x = pass.Layer == Config.Layers ? FinalRepresentation(pass.X) : pass.X;
        return pass.Layout.Unpack(x).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    // Block i (0-based): in memory, or read into the one slot when streamed.
    private AmplifyBlock Block(int i)
    {
        if (stream is null) return transformer_encoder[i];
        var slot = transformer_encoder[0];
        if (stream.Loaded != i)
        {
            stream.Load(i, slot);
            slot.Fuse();
        }
        return slot;
    }

    private Tensor FinalRepresentation(Tensor last) => Final switch
    {
        // SWAT's nn.LayerNorm(hidden_size) as constructed: weight 1 and bias 0 change nothing, so none are passed.
        AmplifyFinal.SwatLayerNorm => F.layer_norm(last.to(ScalarType.Float32), [Config.HiddenSize], null, null, SwatLayerNormEps),
        AmplifyFinal.ModelRmsNorm => layer_norm_2.forward(last),
        _ => last,
    };

    /// <summary>Epsilon of SWAT's freshly built <c>torch.nn.LayerNorm</c> (torch's default).</summary>
    public const double SwatLayerNormEps = 1e-5;

    /// <summary>
    /// Moves the model to <paramref name="device"/> and casts its weights to <paramref name="dtype"/>;
    /// the rotary table stays float32 (complex64), as the reference rotates in float32 under any dtype.
    /// </summary>
    public AmplifyModel To(Device device, ScalarType dtype)
    {
        // Already there: change nothing (another thread may be running Forward on this model).
        var current = encoder.weight!.device;
        if (current.type == device.type && (current.index == device.index || device.index < 0 && current.index <= 0) && WeightType == dtype)
            return this;
        this.to(device);
        // Every tensor of the state dict is a weight (no buffers), so the whole module is cast.
        this.to(dtype);
        PrepareForInference();
        return this;
    }

    /// <summary>
    /// Rebuilds derived tensors (stacked q/k/v, the rotary table on the weights' device) and
    /// switches to eval mode. The loader and <see cref="To"/> call it; call it yourself after
    /// changing parameters by hand.
    /// </summary>
    public void PrepareForInference()
    {
        foreach (var block in transformer_encoder) block.Fuse();
        rotary.Prepare(encoder.weight!.device);
        eval();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            rotary.Dispose();
            stream?.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>One pre-norm block (the reference's <c>EncoderBlock</c>): x + wo(attn(RMSNorm(x))), then + w3(SwiGLU(w12(RMSNorm(x)))).</summary>
public sealed class AmplifyBlock : nn.Module
{
#pragma warning disable IDE1006
    private readonly Linear q;
    private readonly Linear k;
    private readonly Linear v;
    private readonly Linear wo;
    private readonly AmplifySwiGlu ffn;
    private readonly AmplifyRmsNorm attention_norm;
    private readonly AmplifyRmsNorm ffn_norm;
#pragma warning restore IDE1006
    private readonly int heads;

    // q, k and v stacked into one [3D, D] matrix: one matmul instead of three. Derived from the
    // parameters by Fuse() after loading and after every device/dtype change; not part of the
    // state dict (assigned after RegisterComponents, so never registered).
    private Tensor? qkvWeight;

    internal AmplifyBlock(AmplifyConfig config, WeightPlacement p) : base(nameof(AmplifyBlock))
    {
        heads = config.Heads;
        int d = config.HiddenSize;
        // q, k and v are views of one stacked [3D, D] matrix from the start (see Fuse).
        var (stacked, w) = Blank.Stacked(3, [d, d], p);
        q = nn.Linear(w[0], null);
        k = nn.Linear(w[1], null);
        v = nn.Linear(w[2], null);
        wo = Blank.Linear(d, d, false, p);
        ffn = new AmplifySwiGlu(d, config.FfnHidden, p);
        attention_norm = new AmplifyRmsNorm(d, config.NormEps, p);
        ffn_norm = new AmplifyRmsNorm(d, config.NormEps, p);
        RegisterComponents();
        qkvWeight = stacked;
    }

    /// <summary>Rebuilds the stacked q/k/v weight from the current parameters.</summary>
    internal void Fuse()
    {
        // Loaded in place, q, k and v still are the stacked matrix's slices: nothing to do.
        if (qkvWeight is not null && Blank.AreSlicesOf(qkvWeight, [q.weight!, k.weight!, v.weight!])) return;
        using var noGrad = no_grad();
        var weight = cat([q.weight!, k.weight!, v.weight!], 0).detach();
        // q, k and v become views of the stacked copy: the weights are held once.
        long d = q.weight!.shape[0];
        // set_ shares each view's storage; the views' own handles are freed here rather than by the finalizer.
        foreach (var (p, i) in new[] { (q, 0), (k, 1), (v, 2) })
        {
            using var slice = weight.narrow(0, i * d, d);
            p.weight!.set_(slice);
        }
        qkvWeight?.Dispose();
        qkvWeight = weight;
    }

    /// <summary>x: the batch's real tokens [N, D] laid out as <paramref name="layout"/> says. Returns [N, D]; x is not changed.</summary>
    internal Tensor Forward(Tensor x, TokenLayout layout, AmplifyRotary rotary)
    {
        // Residual sums written into the fresh projection outputs (x itself may be a kept layer);
        // no residual scaling in AMPLIFY.
        using var one = 1.0.ToScalar();
        var h = Attention(attention_norm.forward(x), layout, rotary).add_(x, one);
        return ffn.forward(ffn_norm.forward(h)).add_(h, one);
    }

    private Tensor Attention(Tensor x, TokenLayout layout, AmplifyRotary rotary)
    {
        if (qkvWeight is null) throw new InvalidOperationException("weights not prepared: load the model with AmplifyCheckpoint.");
        long d = x.shape[1], hd = d / heads;
        var qkv = F.linear(x, qkvWeight, null);
        var outputs = new List<Tensor>(layout.Runs.Count);
        foreach (var run in layout.Runs)
        {
            // The run's rows are consecutive in the packed matrix: a view [rows, T, 3, H, dh], no copy.
            var part = qkv.narrow(0, run.Offset, run.Count * run.Length).view(run.Count, run.Length, 3, heads, hd);
            // Rotate q and k together: [rows, T, 2, H, dh].
            var qk = rotary.Apply(part.narrow(2, 0, 2));
            var (qh, kh, vh) = (qk.select(2, 0), qk.select(2, 1), part.select(2, 2));
            // Softmax(q·kᵀ·dh^-0.5)·v over the row's own tokens: what the reference's additive pad mask leaves.
            var attn = F.scaled_dot_product_attention(qh.transpose(1, 2), kh.transpose(1, 2), vh.transpose(1, 2), null, 0.0, false);
            outputs.Add(attn.transpose(1, 2).reshape(run.Count * run.Length, d));
        }
        return wo.forward(outputs.Count == 1 ? outputs[0] : cat(outputs, 0));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) qkvWeight?.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// xformers' <c>SwiGLU</c> as AMPLIFY uses it (no biases): u = w12·x, rows 0..F−1 of w12 the gate,
/// F..2F−1 the linear half; out = w3·(silu(u_gate) ⊙ u_linear).
/// </summary>
public sealed class AmplifySwiGlu : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Linear w12;
    private readonly Linear w3;
#pragma warning restore IDE1006
    private readonly long hidden;

    internal AmplifySwiGlu(int dim, int hidden, WeightPlacement p) : base(nameof(AmplifySwiGlu))
    {
        this.hidden = hidden;
        w12 = Blank.Linear(dim, 2L * hidden, false, p);
        w3 = Blank.Linear(hidden, dim, false, p);
        RegisterComponents();
    }

    /// <summary>[N, D] → [N, D].</summary>
    public override Tensor forward(Tensor x)
    {
        var u = w12.forward(x);
        // In place on the two halves of u: no [N, F] copies. w3 reads the gate half through its
        // row stride 2F, which BLAS takes as is.
        var gate = u.narrow(1, 0, hidden).silu_();
        gate.mul_(u.narrow(1, hidden, hidden));
        return w3.forward(gate);
    }
}

/// <summary>
/// The reference's <c>RMSNorm</c>: x · rsqrt(mean(x²) + eps), computed in float32 and cast back
/// to x's dtype, then times the weight.
/// </summary>
public sealed class AmplifyRmsNorm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Parameter weight;
#pragma warning restore IDE1006
    // Held for the module's lifetime (see AmplifyModel's remarks on Scalars).
    private readonly Scalar eps;
    private readonly Scalar one = 1.0.ToScalar();

    internal AmplifyRmsNorm(int dim, double eps, WeightPlacement p) : base(nameof(AmplifyRmsNorm))
    {
        this.eps = eps.ToScalar();
        weight = new Parameter(ones(dim, p.Dtype, p.Device));
        RegisterComponents();
    }

    /// <summary>[..., D] → [..., D] in x's dtype.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var xf = x.dtype == ScalarType.Float32 ? x : x.to(ScalarType.Float32);
        var scale = xf.square().mean([-1], keepdim: true).add_(eps, one).rsqrt_();
        var normed = xf.mul(scale);
        if (normed.dtype != x.dtype) normed = normed.to(x.dtype);
        return normed.mul_(weight).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            eps.Dispose();
            one.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// The reference's rotary embedding (<c>rotary.py</c>): consecutive pairs (2j, 2j+1) of each head
/// taken as complex numbers and multiplied by exp(i·pos·θ_j), θ_j = 1/10000^(2j/dh) in float32,
/// positions 0..T−1 from <c>&lt;bos&gt;</c>. The table (<c>freqs_cis</c>, complex64
/// [max_length, dh/2]) is not in the checkpoint; it is built here as the reference builds it.
/// </summary>
public sealed class AmplifyRotary : IDisposable
{
    private readonly int headDim;
    private readonly int maxLength;
    private Tensor? table;

    internal AmplifyRotary(int headDim, int maxLength)
    {
        this.headDim = headDim;
        this.maxLength = maxLength;
    }

    /// <summary>The table [max_length, dh/2] (complex64), or null before <see cref="Prepare"/>.</summary>
    public Tensor? Table => table;

    /// <summary>Builds the table on <paramref name="device"/> (float32 arithmetic, as precompute_freqs_cis).</summary>
    internal void Prepare(Device device)
    {
        using var scope = NewDisposeScope();
        using var zero = 0L.ToScalar();
        using var two = 2L.ToScalar();
        using var one = 1L.ToScalar();
        using var dim = ((long)headDim).ToScalar();
        using var end = ((long)maxLength).ToScalar();
        using var theta = 10000.0f.ToScalar();
        var exponents = arange(zero, dim, two, ScalarType.Float32, device).div_(dim);
        var invFreq = full([headDim / 2], theta, ScalarType.Float32, device).pow(exponents).reciprocal();
        var angles = outer(arange(zero, end, one, ScalarType.Float32, device), invFreq);
        var next = polar(ones_like(angles), angles).MoveToOuterDisposeScope();
        table?.Dispose();
        table = next;
    }

    /// <summary>Rotates x [rows, T, ..., dh] (position on dimension 1) and returns it in x's dtype, contiguous.</summary>
    internal Tensor Apply(Tensor x)
    {
        if (table is null) throw new InvalidOperationException("rotary table not prepared.");
        long t = x.shape[1];
        // Pairs as complex numbers: [..., dh] → [..., dh/2, 2] → complex [..., dh/2]. In float32
        // whatever x's dtype (the reference rotates x.float()).
        var xf = x.dtype == ScalarType.Float32 ? x : x.to(ScalarType.Float32);
        var pairs = xf.shape.ToArray();
        pairs[^1] = headDim / 2;
        var complexShape = pairs;
        var viewShape = pairs.Append(2L).ToArray();
        var c = xf.view(viewShape).view_as_complex();
        // [T, 1, ..., dh/2] to broadcast over the rows and the middle dimensions.
        var broadcast = new long[complexShape.Length - 1];
        Array.Fill(broadcast, 1L);
        broadcast[0] = t;
        broadcast[^1] = headDim / 2;
        var rotated = view_as_real(c * table.narrow(0, 0, t).view(broadcast)).view(x.shape);
        return rotated.dtype == x.dtype ? rotated : rotated.to(x.dtype);
    }

    /// <inheritdoc />
    public void Dispose() => table?.Dispose();
}
