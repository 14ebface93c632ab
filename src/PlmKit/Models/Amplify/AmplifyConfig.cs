using System.Text.Json;

namespace PlmKit.Models.Amplify;

/// <summary>
/// Shape and token ids of an AMPLIFY model, read from a Hugging Face <c>config.json</c>
/// (chandar-lab <c>src/amplify/model/amplify.py</c>, <c>AMPLIFYConfig</c>). Only what the released
/// AMPLIFY_120M and AMPLIFY_350M use is supported: RMSNorm, no attention or feed-forward biases,
/// SwiGLU, no norm after the embedding, the final norm before the decoder.
/// </summary>
/// <param name="HiddenSize">Hidden width D (<c>hidden_size</c>).</param>
/// <param name="Layers">Transformer blocks L (<c>num_hidden_layers</c>; representation layers are 0..L).</param>
/// <param name="Heads">Attention heads H (<c>num_attention_heads</c>); D/H must be even (rotary pairs).</param>
/// <param name="IntermediateSize">The config's <c>intermediate_size</c>; the SwiGLU width is <see cref="FfnHidden"/>.</param>
/// <param name="NormEps">RMSNorm epsilon (<c>norm_eps</c>).</param>
/// <param name="MaxLength">Rotary positions, BOS and EOS included (<c>max_length</c>, 2,048).</param>
/// <param name="VocabSize">Embedding and decoder rows (<c>vocab_size</c>, 27).</param>
/// <param name="PadTokenId"><c>pad_token_id</c>.</param>
/// <param name="UnkTokenId"><c>unk_token_id</c>.</param>
/// <param name="MaskTokenId"><c>mask_token_id</c>.</param>
/// <param name="BosTokenId"><c>bos_token_id</c>.</param>
/// <param name="EosTokenId"><c>eos_token_id</c>.</param>
public sealed record AmplifyConfig(
    int HiddenSize,
    int Layers,
    int Heads,
    int IntermediateSize,
    double NormEps = 1e-5,
    int MaxLength = 2048,
    int VocabSize = 27,
    int PadTokenId = 0,
    int UnkTokenId = 1,
    int MaskTokenId = 2,
    int BosTokenId = 3,
    int EosTokenId = 4)
{
    /// <summary>Per-head width D/H.</summary>
    public int HeadDim => HiddenSize / Heads;

    /// <summary>
    /// SwiGLU hidden width F = 8·⌈⌊2·intermediate_size/3⌋/8⌉ (the reference's 2/3 reduction rounded up
    /// to a multiple of 8): 1,712 for AMPLIFY_120M, 2,560 for AMPLIFY_350M.
    /// </summary>
    public int FfnHidden => 8 * ((2 * IntermediateSize / 3 + 7) / 8);

    /// <summary>Most residues per input: <see cref="MaxLength"/> less BOS and EOS (2,046).</summary>
    public int MaxResidues => MaxLength - 2;

    /// <summary>Weights of the encoder: token embedding, blocks and the final RMSNorm (the decoder not counted).</summary>
    public long EncoderParameters =>
        (long)VocabSize * HiddenSize
        + Layers * (4L * HiddenSize * HiddenSize + 3L * FfnHidden * HiddenSize + 2L * HiddenSize)
        + HiddenSize;

    /// <summary>Checks the numbers are usable.</summary>
    /// <exception cref="ModelLoadException">A size is not positive, D is not divisible into heads of even width, or max_length leaves no residue.</exception>
    public void Validate(string source)
    {
        if (HiddenSize <= 0 || Layers <= 0 || Heads <= 0 || IntermediateSize <= 0 || VocabSize <= 0)
            throw new ModelLoadException($"{source}: invalid model shape (hidden_size {HiddenSize}, num_hidden_layers {Layers}, " +
                                         $"num_attention_heads {Heads}, intermediate_size {IntermediateSize}, vocab_size {VocabSize}).");
        if (HiddenSize % Heads != 0 || HeadDim % 2 != 0)
            throw new ModelLoadException($"{source}: hidden_size {HiddenSize} is not divisible into {Heads} heads of even width (rotary pairs).");
        if (MaxLength < 3) throw new ModelLoadException($"{source}: max_length {MaxLength} leaves no room for a residue between <bos> and <eos>.");
        if (!(NormEps > 0)) throw new ModelLoadException($"{source}: norm_eps must be positive (got {NormEps}).");
    }

    // Fields of the hub's config.json that change nothing at inference: Hugging Face bookkeeping,
    // training-time initialisation ranges, the tokenizer file's path in the training repository
    // (the vocabulary is looked up next to config.json), and pre_activation_layer_norm, which the
    // reference model never reads (its blocks are pre-norm whatever the value).
    private static readonly HashSet<string> Informational =
    [
        "_name_", "_name_or_path", "_commit_hash", "architectures", "auto_map", "transformers_version", "torch_dtype",
        "decoder_init_range", "embedding_init_range", "initializer_range", "vocab_path", "other_special_token_ids",
        "pre_activation_layer_norm", "dropout_prob", "return_dict", "output_hidden_states", "output_attentions",
        "torchscript", "use_return_dict", "id2label", "label2id", "tie_word_embeddings", "problem_type",
    ];

    /// <summary>
    /// Reads a Hugging Face AMPLIFY <c>config.json</c>. Missing switches take <c>AMPLIFYConfig</c>'s
    /// defaults; the four shape fields are required.
    /// </summary>
    /// <param name="path">The <c>config.json</c> file.</param>
    /// <exception cref="ModelLoadException">Not JSON, a shape field missing, a value PlmKit does not support (named with the file), or an unknown field.</exception>
    public static AmplifyConfig Read(string path)
    {
        var root = WeightFiles.ReadConfig(path);

        var config = new AmplifyConfig(0, 0, 0, 0);
        var seen = new HashSet<string>();
        foreach (var field in root.EnumerateObject())
        {
            var v = field.Value;
            seen.Add(field.Name);
            switch (field.Name)
            {
                case "model_type":
                    if (v.ValueKind != JsonValueKind.String || v.GetString() != "AMPLIFY")
                        throw new ModelLoadException($"{path}: model_type is {v.GetRawText()}, expected \"AMPLIFY\".");
                    break;
                case "hidden_size": config = config with { HiddenSize = Int(path, field) }; break;
                case "num_hidden_layers": config = config with { Layers = Int(path, field) }; break;
                case "num_attention_heads": config = config with { Heads = Int(path, field) }; break;
                case "intermediate_size": config = config with { IntermediateSize = Int(path, field) }; break;
                case "max_length": config = config with { MaxLength = Int(path, field) }; break;
                case "vocab_size": config = config with { VocabSize = Int(path, field) }; break;
                case "pad_token_id": config = config with { PadTokenId = Int(path, field) }; break;
                case "unk_token_id": config = config with { UnkTokenId = Int(path, field) }; break;
                case "mask_token_id": config = config with { MaskTokenId = Int(path, field) }; break;
                case "bos_token_id": config = config with { BosTokenId = Int(path, field) }; break;
                case "eos_token_id": config = config with { EosTokenId = Int(path, field) }; break;
                case "norm_eps":
                    if (v.ValueKind != JsonValueKind.Number) throw new ModelLoadException($"{path}: 'norm_eps' is not a number.");
                    config = config with { NormEps = v.GetDouble() };
                    break;
                // The switches: only the released models' values (AMPLIFYConfig's defaults) are supported.
                case "rms_norm": Require(path, field, true); break;
                case "att_bias": Require(path, field, false); break;
                case "ffn_bias": Require(path, field, false); break;
                case "layer_norm_after_embedding": Require(path, field, false); break;
                case "layer_norm_before_last_layer": Require(path, field, true); break;
                case "hidden_act":
                    // The reference lower-cases it before choosing the feed-forward.
                    if (v.ValueKind != JsonValueKind.String || !string.Equals(v.GetString(), "swiglu", StringComparison.OrdinalIgnoreCase))
                        throw new ModelLoadException($"{path}: hidden_act is {v.GetRawText()}; PlmKit's AMPLIFY supports only \"SwiGLU\" (as the released AMPLIFY_120M and AMPLIFY_350M).");
                    break;
                default:
                    if (!Informational.Contains(field.Name))
                        throw new ModelLoadException($"{path}: unknown field '{field.Name}' (not a field of the released AMPLIFY configs; PlmKit does not know what it would change).");
                    break;
            }
        }
        foreach (var required in new[] { "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size" })
            if (!seen.Contains(required)) throw new ModelLoadException($"{path}: '{required}' is missing.");
        config.Validate(path);
        return config;
    }

    private static int Int(string path, JsonProperty field) =>
        field.Value.ValueKind == JsonValueKind.Number && field.Value.TryGetInt32(out var i) ? i
        : throw new ModelLoadException($"{path}: '{field.Name}' is not an integer (got {field.Value.GetRawText()}).");

    private static void Require(string path, JsonProperty field, bool supported)
    {
        if (field.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw new ModelLoadException($"{path}: '{field.Name}' is not true or false (got {field.Value.GetRawText()}).");
        if (field.Value.GetBoolean() != supported)
            throw new ModelLoadException($"{path}: {field.Name} is {field.Value.GetRawText()}; PlmKit's AMPLIFY supports only {field.Name} " +
                                         $"{(supported ? "true" : "false")} (as the released AMPLIFY_120M and AMPLIFY_350M).");
    }
}
