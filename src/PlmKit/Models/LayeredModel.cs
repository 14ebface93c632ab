using TorchSharp;
using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// A model whose forward pass can be driven one block at a time, so a caller can run block k over
/// many batches before block k+1 (layer streaming: each block's weights are then read once per
/// chunk of batches, see <see cref="Streamed"/>). Every family implements it and its own
/// <see cref="IProteinModel.Forward"/> goes through the same three steps, so both ways compute
/// the same numbers.
/// </summary>
public interface ILayeredModel : IProteinModel
{
    /// <summary>Whether only one block is kept in memory and each block's weights are read from the files when it runs
    /// (loaded with <see cref="LoadOptions.StreamBlocks"/>); <see cref="Streaming"/> then tells what was read.</summary>
    bool Streamed => Streaming is not null;

    /// <summary>The block weights read from the files so far, or null when every block is in memory.</summary>
    BlockStream? Streaming { get; }

    /// <summary>Embeds a padded token batch: the pass at layer 0. The caller disposes it.</summary>
    /// <param name="tokens">[B, T] int64 token ids as for <see cref="IProteinModel.Forward"/>.</param>
    /// <exception cref="ArgumentException">The input is not [B, T], a row has padding before a real token, every row is padding, or a row is too long for the model.</exception>
    LayerPass Begin(Tensor tokens);

    /// <summary>Runs block <see cref="LayerPass.Layer"/> + 1 on the pass (reading its weights first when streamed and another block is in memory).</summary>
    /// <exception cref="InvalidOperationException">The pass is already at the last layer.</exception>
    void Step(LayerPass pass);

    /// <summary>The states of the pass's current layer as <see cref="IProteinModel.Forward"/> returns them: [B, T, D] float32, zero at pad positions
    /// (at the last layer, after the family's final norm). May share memory with the pass: read it before the next <see cref="Step"/>.</summary>
    Tensor Representation(LayerPass pass);
}

/// <summary>
/// The whole forward pass of every family (<see cref="IProteinModel.Forward"/>), driven through its
/// <see cref="ILayeredModel"/> steps: one loop for all, so the in-memory and the streamed run go
/// through the same code.
/// </summary>
internal static class LayeredForward
{
    /// <summary>Checks the request, runs every block and collects the requested layers and the logits.</summary>
    /// <param name="model">The model.</param>
    /// <param name="depth">Its number of blocks L.</param>
    /// <param name="tokens">[B, T] token ids.</param>
    /// <param name="layers">Layers to return, each in 0..L.</param>
    /// <param name="logits">Whether logits are asked for.</param>
    /// <param name="head">The family's head on the last block's packed states [N, D] → [N, vocab], or null when loaded without it.</param>
    /// <param name="headName">The head's name, for the message when it is missing.</param>
    /// <param name="lastLayer">Layer L's states in place of <see cref="ILayeredModel.Representation"/>, or null.</param>
    /// <exception cref="ArgumentException">The input is not [B, T], a layer is out of range, or logits are asked for without the head.</exception>
    internal static ModelOutput Run(ILayeredModel model, int depth, Tensor tokens, IReadOnlyCollection<int> layers, bool logits,
        Func<Tensor, Tensor>? head, string headName, Func<LayerPass, Tensor>? lastLayer = null)
    {
        if (tokens.dim() != 2) throw new ArgumentException($"tokens must be [B, T], got [{string.Join(", ", tokens.shape)}].");
        foreach (var k in layers)
            if (k < 0 || k > depth) throw new ArgumentException($"layer {k} is out of range 0..{depth}.");
        if (logits && head is null) throw new ArgumentException($"logits asked for, but the model was loaded without its {headName}.");

        using var scope = NewDisposeScope();
        using var noGrad = inference_mode(true);
        var result = new Dictionary<int, Tensor>();
        using var pass = model.Begin(tokens);
        if (layers.Contains(0)) result[0] = model.Representation(pass);
        while (pass.Layer < depth)
        {
            model.Step(pass);
            if (layers.Contains(pass.Layer))
                result[pass.Layer] = pass.Layer == depth && lastLayer is not null ? lastLayer(pass) : model.Representation(pass);
        }
        Tensor? logitsOut = logits ? pass.Layout.Unpack(head!(pass.X)) : null;
        foreach (var t in result.Values) t.MoveToOuterDisposeScope();
        return new ModelOutput(result, logitsOut?.to(ScalarType.Float32).MoveToOuterDisposeScope());
    }
}

/// <summary>
/// The hidden states of one batch between blocks: the real tokens packed as [N, D] in the
/// compute dtype, and the layout to unpack them. Owns its tensors.
/// </summary>
public class LayerPass : IDisposable
{
    internal LayerPass(TokenLayout layout, Tensor x)
    {
        Layout = layout.Detach();
        X = x.MoveToOuterDisposeScope();
    }

    internal TokenLayout Layout { get; }

    internal Tensor X { get; private set; }

    /// <summary>The layer the states are at: 0 = embeddings, k = output of block k.</summary>
    public int Layer { get; private set; }

    /// <summary>Real (non-pad) tokens N.</summary>
    public long Tokens => Layout.Tokens;

    /// <summary>Bytes the states take (N·D in the compute dtype).</summary>
    public long Bytes => X.numel() * X.ElementSize;

    internal void Advance(Tensor next)
    {
        X.Dispose();
        X = next.MoveToOuterDisposeScope();
        Layer++;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the states (and a family's per-pass tables).</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        X.Dispose();
        Layout.Dispose();
    }
}

/// <summary>
/// The blocks' weights of a streamed model, left in their weight files and read into the
/// model's one block when that block runs. Owns the open files.
/// </summary>
public sealed class BlockStream : IDisposable
{
    private readonly string prefix;
    private readonly IReadOnlyDictionary<string, StoredTensor> tensors;
    private readonly IReadOnlyList<IDisposable> files;

    internal BlockStream(string prefix, IReadOnlyDictionary<string, StoredTensor> tensors, IReadOnlyList<IDisposable> files)
    {
        this.prefix = prefix;
        this.tensors = tensors;
        this.files = files;
    }

    /// <summary>The block whose weights are in memory (0-based), or −1.</summary>
    public int Loaded { get; private set; } = -1;

    /// <summary>Blocks read so far.</summary>
    public int Reads { get; private set; }

    /// <summary>Time spent reading block weights, in seconds.</summary>
    public double ReadSeconds { get; private set; }

    /// <summary>Reads block <paramref name="block"/>'s weights into <paramref name="slot"/> (names relative to the block).</summary>
    internal void Load(int block, nn.Module slot)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Not block i−1 any more from the first copy on: a read that fails halfway must not leave the slot taken for a whole block.
        Loaded = -1;
        foreach (var (name, p) in slot.named_parameters()) tensors[$"{prefix}.{block}.{name}"].CopyTo(p);
        foreach (var (name, b) in slot.named_buffers()) tensors[$"{prefix}.{block}.{name}"].CopyTo(b);
        Loaded = block;
        Reads++;
        ReadSeconds += clock.Elapsed.TotalSeconds;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var f in files) f.Dispose();
    }
}
