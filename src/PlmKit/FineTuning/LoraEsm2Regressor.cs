using PlmKit.Models.Esm;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace PlmKit.FineTuning;

/// <summary>
/// LoRA settings, as PEFT's <c>LoraConfig</c> and the study's defaults (SWAT <c>ESM2ne_Lora.py</c>):
/// rank 4, alpha 32, LoRA dropout 0.01 on <c>q_proj</c> and <c>v_proj</c>, head dropout 0.1.
/// </summary>
/// <param name="Rank">r: rows of <c>lora_A</c> [r, D], columns of <c>lora_B</c> [D, r].</param>
/// <param name="Alpha">lora_alpha; the delta is scaled by alpha / r.</param>
/// <param name="Dropout">Dropout on the adapter's input (train mode only).</param>
/// <param name="HeadDropout">Dropout between the head's dense layer and its LayerNorm (train mode only).</param>
/// <param name="QueryAndValue">Which projections get adapters: q_proj and/or v_proj (the study: both).</param>
public sealed record LoraSettings(int Rank = 4, double Alpha = 32, double Dropout = 0.01, double HeadDropout = 0.1, LoraTargets QueryAndValue = LoraTargets.QueryAndValue)
{
    /// <summary>alpha / r, the factor on the adapter's output.</summary>
    public double Scaling => Alpha / Rank;
}

/// <summary>Attention projections that carry LoRA adapters.</summary>
[Flags]
public enum LoraTargets
{
    /// <summary><c>q_proj</c>.</summary>
    Query = 1,

    /// <summary><c>v_proj</c>.</summary>
    Value = 2,

    /// <summary>Both, as the study.</summary>
    QueryAndValue = Query | Value,
}

/// <summary>
/// ESM-2 with LoRA adapters and the study's regression head, trainable: SWAT's
/// <c>Load_from_pretrained</c> + <c>get_peft_model</c> + <c>ClassificationHead</c>. The base
/// weights stay frozen (no gradient, never changed); the adapters and head are this module's
/// parameters, named as the golden data and PEFT's saved adapters name them
/// (<c>layers.{i}.self_attn.q_proj.lora_A.weight</c>, <c>head.dense.weight</c>, …).
/// </summary>
/// <remarks>
/// Written by hand (TorchSharp has no PEFT). The forward pass is fair-esm's, on padded [B, T] tokens
/// with autograd: token-dropout rescaling (0.88 without masks), pre-LayerNorm blocks whose
/// q = (W_q x + b_q + (α/r)·B A dropout(x))·head_dim^-0.5 — the LoRA delta is scaled with q, as
/// fair-esm scales q_proj's output —, v likewise without the head_dim factor, rotary q and k,
/// pad keys masked, erf-GELU feed-forward, <c>emb_layer_norm_after</c>; the head reads the
/// <c>&lt;cls&gt;</c> row: dense → dropout → LayerNorm → linear to one value.
/// </remarks>
public sealed class LoraEsm2Regressor : nn.Module<Tensor, Tensor>
{
    private readonly Dictionary<string, Tensor> _frozen;
    private readonly EsmConfig _config;
    private readonly LoraSettings _settings;
    private Tensor _invFreq;

    // Registered submodules: names are the saved adapter names.
#pragma warning disable IDE1006
    private readonly ModuleList<LoraLayer> layers;
    private readonly RegressionHead head;
#pragma warning restore IDE1006

    /// <summary>Wraps the weights of <paramref name="baseModel"/> (ESM-2; copied, so the model may be disposed) with fresh adapters and head.</summary>
    /// <param name="baseModel">An ESM-2 model (fair-esm or Hugging Face weights).</param>
    /// <param name="settings">LoRA and head settings.</param>
    /// <param name="seed">Seed of the initial adapter and head values (PEFT's init: lora_A kaiming-uniform(a=√5), lora_B zero; head as torch's Linear/LayerNorm).</param>
    /// <exception cref="ConfigurationException">Not an ESM-2 model, or bad settings.</exception>
    public LoraEsm2Regressor(EsmModel baseModel, LoraSettings settings, long seed = 42) : base(nameof(LoraEsm2Regressor))
    {
        if (baseModel.Config.Architecture != EsmArchitecture.Esm2)
            throw new ConfigurationException("LoRA fine-tuning is implemented for ESM-2 models (rotary attention), as the study fine-tuned them");
        if (settings.Rank < 1) throw new ConfigurationException($"LoRA rank must be at least 1 (got {settings.Rank})");
        if (settings.Dropout is < 0 or >= 1 || settings.HeadDropout is < 0 or >= 1)
            throw new ConfigurationException($"dropout must be in [0, 1) (got LoRA {settings.Dropout}, head {settings.HeadDropout})");
        _config = baseModel.Config;
        _settings = settings;
        _frozen = baseModel.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(baseModel.named_buffers())
            .ToDictionary(p => p.Item1, p => p.Item2.detach().clone().requires_grad_(false).DetachFromDisposeScope());
        int d = _config.Hidden;
        // The checkpoint's own rotary frequencies (every layer stores the same buffer), as fair-esm uses them.
        _invFreq = _frozen["layers.0.self_attn.rot_emb.inv_freq"];

        using (var generator = new Generator((ulong)seed))
        {
            layers = new ModuleList<LoraLayer>(Enumerable.Range(0, _config.Layers).Select(_ => new LoraLayer(d, settings, generator, Dropout)).ToArray());
            head = new RegressionHead(d, generator, Dropout) { Dropout = settings.HeadDropout };
        }
        register_module(nameof(layers), layers);
        register_module(nameof(head), head);
        // The model outlives any dispose scope it was built in (a notebook cell, a training loop's step).
        foreach (var p in parameters()) p.DetachFromDisposeScope();
    }

    /// <summary>Moves the adapters, head and the frozen base (which is not a registered parameter) to <paramref name="device"/>.</summary>
    public LoraEsm2Regressor MoveTo(Device device)
    {
        foreach (var name in _frozen.Keys.ToArray())
        {
            if (_frozen[name].device == device) continue;
            var moved = _frozen[name].to(device).DetachFromDisposeScope();
            _frozen[name].Dispose();
            _frozen[name] = moved;
        }
        _invFreq = _frozen["layers.0.self_attn.rot_emb.inv_freq"];
        this.to(device);
        return this;
    }

    /// <summary>SHA-256 of the base model's weight files, recorded in checkpoints so adapters are never merged into other weights; null when unknown.</summary>
    public string? BaseWeightsSha256 { get; init; }

    /// <summary>
    /// bf16 autocast of the frozen base, as <c>torch.autocast(dtype=torch.bfloat16)</c> does it: the
    /// base's linear layers and the attention products run in bfloat16 (their weights kept in
    /// bfloat16 once, halving the base's memory), while the residual stream, LayerNorms, softmax,
    /// the LoRA adapters, the head, the loss and the optimiser stay in float32. Set by
    /// <see cref="UseBf16"/>; false: everything in float32 (the reference, golden-tested).
    /// </summary>
    public bool Bf16 { get; private set; }

    /// <summary>Switches to bf16 autocast (see <see cref="Bf16"/>); call before training or after <see cref="MoveTo"/>.</summary>
    public LoraEsm2Regressor UseBf16()
    {
        foreach (var name in _frozen.Keys.Where(IsBaseMatrix).ToArray())
        {
            if (_frozen[name].dtype == ScalarType.BFloat16) continue;
            var half = _frozen[name].to(ScalarType.BFloat16).DetachFromDisposeScope();
            _frozen[name].Dispose();
            _frozen[name] = half;
        }
        Bf16 = true;
        return this;
    }

    // The matrices autocast runs in bf16: every linear weight of the blocks (q, k, v, out, fc1, fc2).
    private static bool IsBaseMatrix(string name) =>
        name.StartsWith("layers.", StringComparison.Ordinal) && name.EndsWith("_proj.weight", StringComparison.Ordinal) ||
        name.StartsWith("layers.", StringComparison.Ordinal) && (name.EndsWith("fc1.weight", StringComparison.Ordinal) || name.EndsWith("fc2.weight", StringComparison.Ordinal));

    /// <summary>The device the frozen base and the adapters are on.</summary>
    public Device Device => _frozen["embed_tokens.weight"].device;

    /// <summary>The LoRA settings.</summary>
    public LoraSettings Settings => _settings;

    /// <summary>
    /// The generator of the dropout masks in train mode (the trainer reseeds it every epoch). A
    /// generator of the model's own, not torch's global one, so trainings running side by side in
    /// one process never draw each other's masks.
    /// </summary>
    public Generator Dropout { get; } = new Generator(0);

    /// <summary>The frozen base tensors, by fair-esm name (for checks; never changed by training).</summary>
    public IReadOnlyDictionary<string, Tensor> Frozen => _frozen;

    /// <summary>Predictions [B, 1] for padded tokens [B, T] (<see cref="EsmAlphabet"/> ids, <c>&lt;pad&gt;</c> after each row's end).</summary>
    public override Tensor forward(Tensor tokens) => head.forward(FinalStates(tokens).select(1, 0));

    /// <summary>
    /// Predictions for <paramref name="sequences"/>, in their order: eval mode, no gradient, in
    /// length-sorted batches of at most <paramref name="tokensPerBatch"/> padded tokens.
    /// </summary>
    public double[] Predict(IReadOnlyList<string> sequences, int tokensPerBatch = 4096)
    {
        var result = new double[sequences.Count];
        bool wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            foreach (var group in PlmKit.Embeddings.Batching.BatchIndices(sequences.Select(s => s.Length).ToArray(), tokensPerBatch, extraTokensPerSequence: 2))
            {
                using var scope = NewDisposeScope();
                var tokens = PlmKit.Embeddings.Batching.Tokens(EsmAlphabet.Tokenizer, group.Select(i => sequences[i]).ToArray())
                    .to(Device);
                var preds = forward(tokens).to(ScalarType.Float64).cpu().data<double>().ToArray();
                for (int j = 0; j < group.Length; j++) result[group[j]] = preds[j];
            }
        }
        finally
        {
            if (wasTraining) train();
        }
        return result;
    }

    /// <summary>The final LayerNorm output [B, T, D] the head reads (row 0 of each sequence).</summary>
    public Tensor FinalStates(Tensor tokens)
    {
        if (tokens.dim() != 2) throw new ArgumentException($"tokens must be [B, T], got [{string.Join(", ", tokens.shape)}]");
        using var pad = ((long)EsmAlphabet.Pad).ToScalar();
        var padding = tokens.eq(pad);
        var x = W("embed_tokens.weight").index_select(0, tokens.flatten()).view(tokens.shape[0], tokens.shape[1], _config.Hidden);
        x = TokenDropout.Rescale(x, tokens, padding);
        using var zero = 0.0.ToScalar();
        x = x.masked_fill(padding.unsqueeze(-1), zero);
        var (cos, sin) = RotaryEmbedding.Tables(tokens.shape[1], _invFreq, x.device);
        bool anyPadding = padding.any().item<bool>();
        for (int i = 0; i < _config.Layers; i++)
            x = Block(i, x, anyPadding ? padding : null, cos, sin);
        return F.layer_norm(x, [_config.Hidden], W("emb_layer_norm_after.weight"), W("emb_layer_norm_after.bias"), EsmConfig.LayerNormEps);
    }

    private Tensor W(string name) => _frozen[name];

    // A frozen linear layer: in float32, or under autocast in bfloat16 with a bfloat16 result (as torch.autocast gives it).
    private Tensor Linear(Tensor x, string weight, string bias) => Bf16
        ? F.linear(x.to(ScalarType.BFloat16), W(weight), W(bias).to(ScalarType.BFloat16))
        : F.linear(x, W(weight), W(bias));

    private Tensor Block(int i, Tensor x, Tensor? padding, Tensor cos, Tensor sin)
    {
        string p = $"layers.{i}.";
        long b = x.shape[0], t = x.shape[1];
        int heads = _config.Heads, d = _config.Hidden, hd = d / heads;
        var h = F.layer_norm(x, [d], W(p + "self_attn_layer_norm.weight"), W(p + "self_attn_layer_norm.bias"), EsmConfig.LayerNormEps);
        var lora = layers[i];
        // The LoRA deltas are added in float32 (the adapters are float32 and tiny); under autocast the sum goes on in bfloat16.
        var q = lora.Query(h, Linear(h, p + "self_attn.q_proj.weight", p + "self_attn.q_proj.bias").to(ScalarType.Float32));
        using var qScale = Math.Pow(hd, -0.5).ToScalar();
        q = q.mul(qScale);
        var k = Linear(h, p + "self_attn.k_proj.weight", p + "self_attn.k_proj.bias");
        var v = lora.Value(h, Linear(h, p + "self_attn.v_proj.weight", p + "self_attn.v_proj.bias").to(ScalarType.Float32));
        if (Bf16) (q, v) = (q.to(ScalarType.BFloat16), v.to(ScalarType.BFloat16));
        // [B, T, D] → [B, H, T, hd]
        q = q.view(b, t, heads, hd).transpose(1, 2);
        k = k.view(b, t, heads, hd).transpose(1, 2);
        v = v.view(b, t, heads, hd).transpose(1, 2);
        // The tables are float32: under autocast the rotation is computed in float32 and returned in the compute dtype.
        q = RotaryEmbedding.Rotate(q.to(ScalarType.Float32), cos, sin).to(q.dtype);
        k = RotaryEmbedding.Rotate(k.to(ScalarType.Float32), cos, sin).to(k.dtype);
        var scores = q.matmul(k.transpose(-2, -1));
        if (padding is not null)
        {
            using var minusInf = double.NegativeInfinity.ToScalar();
            scores = scores.masked_fill(padding.unsqueeze(1).unsqueeze(2), minusInf);
        }
        // Softmax in float32 (autocast's rule), its product with v in the compute dtype.
        var attention = F.softmax(scores.to(ScalarType.Float32), -1).to(v.dtype).matmul(v).transpose(1, 2).reshape(b, t, d);
        using var one = 1.0.ToScalar();
        x = x.add(Linear(attention, p + "self_attn.out_proj.weight", p + "self_attn.out_proj.bias").to(ScalarType.Float32), one);
        var f = F.layer_norm(x, [d], W(p + "final_layer_norm.weight"), W(p + "final_layer_norm.bias"), EsmConfig.LayerNormEps);
        f = Linear(F.gelu(Linear(f, p + "fc1.weight", p + "fc1.bias")), p + "fc2.weight", p + "fc2.bias");
        return x.add(f.to(ScalarType.Float32), one);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var t in _frozen.Values) t.Dispose();
            Dropout.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>The adapters of one block: <c>self_attn.q_proj</c> and <c>self_attn.v_proj</c>.</summary>
internal sealed class LoraLayer : nn.Module
{
#pragma warning disable IDE1006
    private readonly LoraSelfAttention self_attn;
#pragma warning restore IDE1006

    public LoraLayer(int d, LoraSettings settings, Generator generator, Generator dropout) : base(nameof(LoraLayer))
    {
        self_attn = new LoraSelfAttention(d, settings, generator, dropout);
        register_module(nameof(self_attn), self_attn);
    }

    public Tensor Query(Tensor x, Tensor projected) => self_attn.q_proj?.Add(x, projected) ?? projected;

    public Tensor Value(Tensor x, Tensor projected) => self_attn.v_proj?.Add(x, projected) ?? projected;
}

internal sealed class LoraSelfAttention : nn.Module
{
#pragma warning disable IDE1006
    public readonly LoraAdapter? q_proj;
    public readonly LoraAdapter? v_proj;
#pragma warning restore IDE1006

    public LoraSelfAttention(int d, LoraSettings settings, Generator generator, Generator dropout) : base(nameof(LoraSelfAttention))
    {
        // Drawn in PEFT's order: q_proj, then v_proj.
        if (settings.QueryAndValue.HasFlag(LoraTargets.Query)) register_module(nameof(q_proj), q_proj = new LoraAdapter(d, settings, generator, dropout));
        if (settings.QueryAndValue.HasFlag(LoraTargets.Value)) register_module(nameof(v_proj), v_proj = new LoraAdapter(d, settings, generator, dropout));
    }
}

/// <summary>PEFT's LoRA delta on a frozen linear layer: base(x) + B(A(dropout(x)))·α/r.</summary>
internal sealed class LoraAdapter : nn.Module
{
#pragma warning disable IDE1006
    private readonly Linear lora_A;
    private readonly Linear lora_B;
#pragma warning restore IDE1006
    private readonly double _dropout;
    private readonly Generator _random;
    private readonly Scalar _scaling;
    private readonly Scalar _one = 1.0.ToScalar();

    public LoraAdapter(int d, LoraSettings settings, Generator generator, Generator dropout) : base(nameof(LoraAdapter))
    {
        _random = dropout;
        lora_A = nn.Linear(d, settings.Rank, hasBias: false);
        lora_B = nn.Linear(settings.Rank, d, hasBias: false);
        using (no_grad())
        {
            // PEFT: kaiming_uniform_(A, a=√5), which is U(−1/√D, 1/√D); B = 0, so training starts at the base model.
            Init.Uniform(lora_A.weight!, 1 / Math.Sqrt(d), generator);
            nn.init.zeros_(lora_B.weight!);
        }
        register_module(nameof(lora_A), lora_A);
        register_module(nameof(lora_B), lora_B);
        _dropout = settings.Dropout;
        _scaling = settings.Scaling.ToScalar();
    }

    public Tensor Add(Tensor x, Tensor projected)
    {
        var input = _dropout > 0 && training ? Init.Dropout(x, _dropout, _random) : x;
        return projected.add(lora_B.forward(lora_A.forward(input)).mul(_scaling), _one);
    }
}

/// <summary>SWAT's <c>ClassificationHead</c> with one output: dense → dropout → LayerNorm → out_proj, no activation.</summary>
internal sealed class RegressionHead : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Linear dense;
    private readonly LayerNorm layer_norm;
    private readonly Linear out_proj;
#pragma warning restore IDE1006
    private double _dropout;
    private readonly Generator _random;

    public RegressionHead(int d, Generator generator, Generator dropout) : base(nameof(RegressionHead))
    {
        _random = dropout;
        dense = nn.Linear(d, d);
        layer_norm = nn.LayerNorm([d], 1e-5);
        out_proj = nn.Linear(d, 1);
        using (no_grad())
        {
            // torch's Linear init from the seeded generator: W kaiming-uniform(a=√5) = U(−1/√fan_in, 1/√fan_in), b the same bound.
            foreach (var linear in new[] { dense, out_proj })
            {
                double bound = 1 / Math.Sqrt(linear.weight!.shape[1]);
                Init.Uniform(linear.weight!, bound, generator);
                Init.Uniform(linear.bias!, bound, generator);
            }
        }
        register_module(nameof(dense), dense);
        register_module(nameof(layer_norm), layer_norm);
        register_module(nameof(out_proj), out_proj);
    }

    public double Dropout { get => _dropout; set => _dropout = value; }

    public override Tensor forward(Tensor cls)
    {
        var x = dense.forward(cls);
        if (_dropout > 0 && training) x = Init.Dropout(x, _dropout, _random);
        return out_proj.forward(layer_norm.forward(x));
    }
}

/// <summary>Seeded initial values (the generator is the only source of randomness, so a seed gives the same model).</summary>
internal static class Init
{
    /// <summary>Fills <paramref name="t"/> with U(−bound, bound) drawn from <paramref name="generator"/>.</summary>
    public static void Uniform(Tensor t, double bound, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var width = (2 * bound).ToScalar();
        using var low = (-bound).ToScalar();
        using var one = 1.0.ToScalar();
        t.copy_(rand(t.shape, generator: generator).mul_(width).add_(low, one));
    }

    /// <summary>Inverted dropout with masks from <paramref name="generator"/>: x · (u ≥ p) / (1 − p), u uniform.</summary>
    public static Tensor Dropout(Tensor x, double p, Generator generator)
    {
        using var keep = (1 / (1 - p)).ToScalar();
        using var threshold = p.ToScalar();
        var mask = rand(x.shape, generator: generator, device: x.device).ge_(threshold).to(x.dtype);
        return x.mul(mask).mul_(keep);
    }
}
