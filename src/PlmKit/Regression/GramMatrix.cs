using System.Runtime.InteropServices;
using PlmKit.Embeddings;
using PlmKit.Models;
using TorchSharp;

namespace PlmKit.Regression;

/// <summary>
/// Gram matrices XᵀX of row blocks of a column-major matrix. Up to <see cref="ManagedMaxFeatures"/>
/// features (every Gram that <see cref="LassoCVOptions.GramMaxFeatures"/>' default allows) the
/// managed SIMD kernel (<see cref="DenseMath.Gram(double[], int, int, int, int, long)"/>) builds
/// them: libtorch's thread pool start-up and its contention with the .NET pool cost more than
/// the products on a shared machine (measured on 2 loaded cores, n = 4,000 training rows: p = 320,
/// 15–270 ms through libtorch against about 10 ms managed; p = 1,280, whole fit 0.34 s against
/// 0.69–1.21 s, CPU 0.34 s against 0.59–1.20 s). Wider matrices (GramMode.Always) go through
/// libtorch's CPU BLAS, where a blocked GEMM with packing pays.
/// </summary>
internal static class GramMatrix
{
    // Above this many features the Gram is built from column panels, upper-triangle panel pairs
    // only (libtorch has no SYRK): 4 panels compute 10 of 16 panel products.
    private const int PanelThreshold = 512;
    private const int Panels = 4;

    private const int ManagedMaxFeatures = 4096;

    // rows²·length from which the managed kernel splits a block's rows over the thread pool
    // (each entry is still summed by one thread in a fixed order: the same bits every run).
    private const long ManagedParallelWork = 1L << 22;

    /// <summary>
    /// For each block of consecutive rows, Σᵢ xᵢ xᵢᵀ over those rows.
    /// </summary>
    /// <param name="x">Column-major n × p matrix.</param>
    /// <param name="n">Rows.</param>
    /// <param name="p">Columns.</param>
    /// <param name="blocks">Row ranges (start, count), each within [0, n).</param>
    /// <param name="managedMaxFeatures">Below this many features the managed kernel, else libtorch.</param>
    /// <returns>One row-major p × p matrix per block (symmetric up to rounding).</returns>
    public static double[][] OfRowBlocks(double[] x, int n, int p, IReadOnlyList<(int Start, int Count)> blocks,
        int managedMaxFeatures = ManagedMaxFeatures)
    {
        if (p < managedMaxFeatures)
            return blocks.Select(b => DenseMath.Gram(x, p, n, b.Start, b.Count, ManagedParallelWork)).ToArray();
        TorchRuntime.EnsureLoaded();
        using var scope = torch.NewDisposeScope();
        // The column-major n × p array is the row-major p × n matrix Xᵀ: no reordering needed.
        var xt = torch.tensor(x, new long[] { p, n }, torch.float64);
        var panels = p >= PanelThreshold ? Panels : 1;
        var edges = Enumerable.Range(0, panels + 1).Select(k => (int)((long)p * k / panels)).ToArray();
        var result = new double[blocks.Count][];
        for (var b = 0; b < blocks.Count; b++)
        {
            var part = xt.narrow(1, blocks[b].Start, blocks[b].Count);
            var g = new double[p * p];
            for (var u = 0; u < panels; u++)
                for (var v = u; v < panels; v++)
                {
                    int r0 = edges[u], rn = edges[u + 1] - r0, c0 = edges[v], cn = edges[v + 1] - c0;
                    using var prod = part.narrow(0, r0, rn).mm(part.narrow(0, c0, cn).t()).contiguous();
                    // One block copy; TensorAccessor.ToArray copies element by element.
                    var values = MemoryMarshal.Cast<byte, double>(prod.bytes);
                    for (var i = 0; i < rn; i++)
                    {
                        values.Slice(i * cn, cn).CopyTo(g.AsSpan((r0 + i) * p + c0, cn));
                        if (u != v)
                            for (var j = 0; j < cn; j++) g[(c0 + j) * p + r0 + i] = values[i * cn + j];
                    }
                }
            result[b] = g;
        }
        return result;
    }
}
