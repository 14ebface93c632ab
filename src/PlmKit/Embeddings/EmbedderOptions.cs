using System.Globalization;

namespace PlmKit.Embeddings;

/// <summary>What to do with sequences longer than <see cref="EmbedderOptions.MaxResidues"/>.</summary>
public enum LongSequencePolicy
{
    /// <summary>Refuse the whole run, listing the long sequences.</summary>
    Error,

    /// <summary>Keep the first <see cref="EmbedderOptions.MaxResidues"/> residues, then <c>&lt;eos&gt;</c> (extract.py's truncation).</summary>
    Truncate,

    /// <summary>
    /// Overlapping windows of <see cref="EmbedderOptions.MaxResidues"/> residues, each embedded as its own
    /// sequence (<c>&lt;cls&gt;</c> + window + <c>&lt;eos&gt;</c>); each residue's state is the mean over the
    /// windows that contain it, and the <c>bos</c> state is the mean of the windows' <c>&lt;cls&gt;</c> states.
    /// </summary>
    Windows,
}

/// <summary>How a sequence was fed to the model.</summary>
public enum LongSequenceHandling
{
    /// <summary>In one piece (not longer than the limit).</summary>
    Whole,

    /// <summary>Cut to the first <see cref="EmbedderOptions.MaxResidues"/> residues.</summary>
    Truncated,

    /// <summary>Split into overlapping windows whose states were averaged.</summary>
    Windowed,
}

/// <summary>Numeric type of the forward pass.</summary>
public enum EmbedDtype
{
    /// <summary>float32 (the reference).</summary>
    Fp32,

    /// <summary>bfloat16 weights and activations (outputs returned as float32).</summary>
    Bf16,
}

/// <summary>
/// The one parser and canonical key of <see cref="EmbedDtype"/>: the CLI's <c>--dtype</c>, experiment
/// files' <c>dtype</c>, store keys and manifests all go through here.
/// </summary>
public static class EmbedDtypes
{
    /// <summary>The canonical keys, in declaration order.</summary>
    public static IReadOnlyList<string> Keys { get; } = Enum.GetValues<EmbedDtype>().Select(Key).ToList();

    /// <summary>The canonical key: <c>fp32</c> or <c>bf16</c>.</summary>
    public static string Key(this EmbedDtype dtype) => dtype switch
    {
        EmbedDtype.Fp32 => "fp32",
        EmbedDtype.Bf16 => "bf16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The torch dtype of the weights and activations.</summary>
    public static TorchSharp.torch.ScalarType ScalarType(this EmbedDtype dtype) =>
        dtype == EmbedDtype.Bf16 ? TorchSharp.torch.ScalarType.BFloat16 : TorchSharp.torch.ScalarType.Float32;

    /// <summary>Parses a key (case-insensitive).</summary>
    /// <param name="text">User input.</param>
    /// <param name="option">The option or key it came from (<c>--dtype</c>, <c>dtype</c>), named in the message.</param>
    /// <exception cref="ConfigurationException">Not a known key; the message lists them.</exception>
    public static EmbedDtype Parse(string text, string option = "--dtype") =>
        SettingKeys.Parse(text, option, Enum.GetValues<EmbedDtype>(), Key);
}

/// <summary>
/// The one parser, canonical key and default of <see cref="LongSequencePolicy"/>, shared by the CLI's
/// <c>--long</c>, experiment files' <c>long</c>, store keys and manifests.
/// </summary>
public static class LongSequencePolicies
{
    /// <summary>
    /// The default everywhere (<c>plmkit embed</c>, experiment files, <see cref="EmbedderOptions"/>):
    /// <see cref="LongSequencePolicy.Error"/>, so a long sequence is never cut or windowed silently;
    /// the study's extract.py truncation is <c>truncate</c>, asked for explicitly.
    /// </summary>
    public const LongSequencePolicy Default = LongSequencePolicy.Error;

    /// <summary>The canonical keys, in declaration order.</summary>
    public static IReadOnlyList<string> Keys { get; } = Enum.GetValues<LongSequencePolicy>().Select(Key).ToList();

    /// <summary>The canonical key: <c>error</c>, <c>truncate</c> or <c>windows</c>.</summary>
    public static string Key(this LongSequencePolicy policy) => policy switch
    {
        LongSequencePolicy.Error => "error",
        LongSequencePolicy.Truncate => "truncate",
        LongSequencePolicy.Windows => "windows",
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
    };

    /// <summary>Parses a key (case-insensitive).</summary>
    /// <param name="text">User input.</param>
    /// <param name="option">The option or key it came from (<c>--long</c>, <c>long</c>), named in the message.</param>
    /// <exception cref="ConfigurationException">Not a known key; the message lists them.</exception>
    public static LongSequencePolicy Parse(string text, string option = "--long") =>
        SettingKeys.Parse(text, option, Enum.GetValues<LongSequencePolicy>(), Key);
}

/// <summary>Shared by the enum parsers so every setting's message reads the same.</summary>
internal static class SettingKeys
{
    public static T Parse<T>(string text, string option, IReadOnlyList<T> values, Func<T, string> key)
    {
        foreach (var v in values)
            if (string.Equals(key(v), text.Trim(), StringComparison.OrdinalIgnoreCase)) return v;
        var keys = values.Select(key).ToList();
        throw new ConfigurationException($"{option}: '{text}' is not {string.Join(", ", keys.Take(keys.Count - 1))} or {keys[^1]}.");
    }
}

/// <summary>Settings of an <see cref="Embedder"/> run.</summary>
/// <param name="Layers">Representation layers 0..L to pool (resolve user input with <see cref="ParseLayers"/>).</param>
/// <param name="Pools">Pooling methods (parse user input once with <see cref="Poolings.ParseList(string, string)"/>).</param>
/// <param name="TokensPerBatch">Token budget per batch (extract.py's <c>--toks_per_batch</c>, 4096).</param>
/// <param name="LongPolicy">Policy for sequences longer than <paramref name="MaxResidues"/>.</param>
/// <param name="MaxResidues">Length limit and window length in residues, or null for the model family's convention
/// (<see cref="PlmKit.Models.ModelInfo.DefaultMaxResidues"/>: extract.py's 1,022 for ESM-2 and ESM-1v, 2,046 for AMPLIFY, none for ESM C).</param>
/// <param name="WindowStride">Residues between window starts, or null for half a window (511 at 1,022), so most residues are in two windows.</param>
/// <param name="Dtype">Forward-pass precision.</param>
/// <param name="Device"><c>auto</c>, <c>cpu</c> or <c>cuda[:N]</c>.</param>
/// <param name="Threads">CPU threads for torch (<c>torch.set_num_threads</c>, process-wide), or null to keep torch's default.</param>
/// <param name="PerToken">Also return per-residue states [L, D] per layer (memory grows with the sequence; off by default).</param>
/// <param name="ChunkTokens">For a streamed model (<see cref="PlmKit.Models.ILayeredModel.Streamed"/>): most tokens carried from block to block
/// together, in whole batches (at least one); null: all of them. Sized by <see cref="MemoryPlanner"/>. Results do not depend on it.</param>
public sealed record EmbedderOptions(
    IReadOnlyList<int> Layers,
    IReadOnlyList<IPooling> Pools,
    int TokensPerBatch = Batching.DefaultTokensPerBatch,
    LongSequencePolicy LongPolicy = LongSequencePolicies.Default,
    int? MaxResidues = null,
    int? WindowStride = null,
    EmbedDtype Dtype = EmbedDtype.Fp32,
    string Device = "auto",
    int? Threads = null,
    bool PerToken = false,
    long? ChunkTokens = null)
{
    /// <summary>
    /// Parses <c>--layers</c>: <c>all</c>, or comma-separated indices where negatives count from
    /// the end as in extract.py (<c>-1</c> = L). Returns distinct layers in the order given.
    /// </summary>
    /// <param name="text">User input such as <c>0,3,-1</c>.</param>
    /// <param name="modelLayers">The model's L.</param>
    /// <exception cref="ConfigurationException">Not a number, or outside −(L+1)..L.</exception>
    public static IReadOnlyList<int> ParseLayers(string text, int modelLayers)
    {
        if (text.Trim() == "all") return Enumerable.Range(0, modelLayers + 1).ToList();
        var layers = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var k))
                throw new ConfigurationException($"--layers: '{part}' is not a layer number (use e.g. 0,3,-1 or all).");
            if (k < -(modelLayers + 1) || k > modelLayers)
                throw new ConfigurationException($"--layers: {k} is out of range for a {modelLayers}-layer model (use {-(modelLayers + 1)}..{modelLayers}).");
            int resolved = (k + modelLayers + 1) % (modelLayers + 1);
            if (!layers.Contains(resolved)) layers.Add(resolved);
        }
        return layers;
    }
}
