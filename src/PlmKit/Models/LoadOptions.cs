using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>
/// Where and how a model's weights are placed while loading: each tensor is read from its file
/// straight into a parameter of this dtype on this device, so no float32 copy of the model is
/// ever held when the compute dtype is bfloat16.
/// </summary>
public sealed record LoadOptions
{
    /// <summary>Weight dtype (float32 or bfloat16); the rotary frequency buffers of ESM stay float32.</summary>
    public ScalarType Dtype { get; init; } = ScalarType.Float32;

    /// <summary>Device of the weights, or null for the CPU.</summary>
    public Device? Device { get; init; }

    /// <summary>
    /// Asked once the weight sizes are known (from the files' headers, before any weight is read):
    /// true keeps only one transformer block in memory and reads each block's weights when it runs
    /// (<see cref="ILayeredModel.Streamed"/>). Null: everything in memory.
    /// </summary>
    public Func<WeightSizes, bool>? StreamBlocks { get; init; }

    /// <summary>Float32 on the CPU, every block in memory.</summary>
    public static LoadOptions Default { get; } = new();
}

/// <summary>A model's weight sizes in the compute dtype, in bytes, and the shape that sets its activations' sizes.</summary>
/// <param name="Total">All weights loaded (blocks and the rest).</param>
/// <param name="Resident">Weights outside the blocks (embeddings, final norm, heads): always in memory.</param>
/// <param name="Block">One transformer block (the mean over blocks).</param>
/// <param name="Blocks">Number of blocks L.</param>
/// <param name="Hidden">Width D.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="ElementSize">Bytes per element of the compute dtype.</param>
public sealed record WeightSizes(long Total, long Resident, long Block, int Blocks, int Hidden, int Heads, int ElementSize);
