using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PlmKit.Models;

/// <summary>How a model is built before its weights are read: the weights' dtype and device, and
/// whether only one transformer block is kept in memory (layer streaming, see <see cref="ILayeredModel"/>).</summary>
/// <param name="Dtype">Weight dtype (float32 or bfloat16).</param>
/// <param name="Device">Device, or null for the CPU.</param>
/// <param name="Streamed">Build one block (the slot each block's weights are read into when it runs) instead of all L.</param>
public sealed record WeightPlacement(ScalarType Dtype = ScalarType.Float32, Device? Device = null, bool Streamed = false)
{
    /// <summary>Float32 on the CPU, all blocks.</summary>
    public static WeightPlacement Default { get; } = new();

    /// <summary>Bytes per weight element in <see cref="Dtype"/>.</summary>
    public int ElementSize => Dtype switch
    {
        ScalarType.Float64 => 8,
        ScalarType.Float32 => 4,
        _ => 2,
    };
}

/// <summary>
/// Modules with uninitialised weights in the placement's dtype and device: every weight is then
/// read from the file, so random initialisation (1.2 s per 26 M parameters here, minutes for 3B)
/// and float32 temporaries are skipped.
/// </summary>
internal static class Blank
{
    public static Linear Linear(long inputs, long outputs, bool bias, WeightPlacement p) =>
        nn.Linear(Uninitialised([outputs, inputs], p), bias ? Uninitialised([outputs], p) : null);

    /// <summary>
    /// A parameter over fresh memory. The tensor it wraps is disposed at once: left to the garbage
    /// collector it would keep the memory alive after the parameter is pointed elsewhere (the q/k/v
    /// weights become views of the stacked matrix), here 2.8 GB at 3B in float32.
    /// </summary>
    public static Parameter Uninitialised(long[] shape, WeightPlacement p)
    {
        using var data = empty(shape, p.Dtype, p.Device);
        return new Parameter(data);
    }

    /// <summary>
    /// <paramref name="parts"/> parameters of shape <paramref name="partShape"/> that are views of
    /// one stacked tensor [parts·rows, ...] (q, k and v of an attention block): the weights read
    /// into the parameters are the stacked matrix's, held once and never copied.
    /// </summary>
    public static (Tensor Stacked, Parameter[] Parts) Stacked(int parts, long[] partShape, WeightPlacement p)
    {
        var stacked = empty([parts * partShape[0], .. partShape[1..]], p.Dtype, p.Device);
        var views = new Parameter[parts];
        for (int i = 0; i < parts; i++)
        {
            using var view = stacked.narrow(0, i * partShape[0], partShape[0]);
            views[i] = new Parameter(view);
        }
        return (stacked, views);
    }

    /// <summary>
    /// Whether <paramref name="parts"/> are, in order, the consecutive slices of <paramref name="stacked"/>
    /// (same storage, dtype and device, consecutive offsets), on any device.
    /// </summary>
    public static bool AreSlicesOf(Tensor stacked, IReadOnlyList<Tensor> parts)
    {
        // Storage and offsets, not addresses of the data: on a GPU, reading a tensor's bytes would copy it to the host.
        if (!stacked.is_contiguous()) return false;
        nint storage = TensorMemory.Storage(stacked);
        long offset = stacked.storage_offset();
        foreach (var part in parts)
        {
            if (part.device_type != stacked.device_type || part.device_index != stacked.device_index || part.dtype != stacked.dtype
                || !part.is_contiguous() || TensorMemory.Storage(part) != storage || part.storage_offset() != offset)
                return false;
            offset += part.numel();
        }
        return offset == stacked.storage_offset() + stacked.numel();
    }

    public static LayerNorm LayerNorm(long width, double eps, WeightPlacement p, bool bias = true) =>
        nn.LayerNorm(width, eps, true, bias, p.Device, p.Dtype);

    public static Embedding Embedding(long rows, long width, long? paddingIndex, WeightPlacement p) =>
        nn.Embedding(rows, width, padding_idx: paddingIndex, device: p.Device, dtype: p.Dtype);
}
