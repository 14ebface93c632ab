using PlmKit.Models;
using TorchSharp;

namespace PlmKit.Regression;

/// <summary>
/// Gram matrices XᵀX of row blocks of a column-major matrix. The products go through libtorch's
/// CPU BLAS (MKL in the official builds TorchSharp ships) because a hand-written C# GEMM is
/// several times slower and the Gram is the largest single cost of a Gram-based Lasso path.
/// </summary>
internal static class GramMatrix
{
    /// <summary>
    /// For each block of consecutive rows, Σᵢ xᵢ xᵢᵀ over those rows.
    /// </summary>
    /// <param name="x">Column-major n × p matrix.</param>
    /// <param name="n">Rows.</param>
    /// <param name="p">Columns.</param>
    /// <param name="blocks">Row ranges (start, count), each within [0, n).</param>
    /// <returns>One row-major p × p matrix per block (symmetric).</returns>
    public static double[][] OfRowBlocks(double[] x, int n, int p, IReadOnlyList<(int Start, int Count)> blocks)
    {
        TorchRuntime.EnsureLoaded();
        using var scope = torch.NewDisposeScope();
        // The column-major n × p array is the row-major p × n matrix Xᵀ: no reordering needed.
        var xt = torch.tensor(x, new long[] { p, n }, torch.float64);
        var result = new double[blocks.Count][];
        for (var b = 0; b < blocks.Count; b++)
        {
            var part = xt.narrow(1, blocks[b].Start, blocks[b].Count);
            using var g = part.mm(part.t()).contiguous();
            // One block copy; TensorAccessor.ToArray copies element by element (~20 ms for p = 320).
            result[b] = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(g.bytes).ToArray();
        }
        return result;
    }
}
