using XPlot.Plotly;

namespace PlmKit.Figures;

/// <summary>Figures that show what a model and a compression do to one protein (notebook 2).</summary>
public static class EmbeddingFigures
{
    /// <summary>
    /// Per-residue hidden states of one layer as a heatmap: one row per residue (labelled with its
    /// letter and 1-based position), one column per hidden dimension, colour symmetric around 0.
    /// </summary>
    /// <param name="states">Row-major [residues × width] states (e.g. <c>ProteinEmbedding.PerToken[layer]</c>).</param>
    /// <param name="sequence">The residues (its length is the number of rows).</param>
    /// <param name="title">Figure title.</param>
    /// <exception cref="ArgumentException"><paramref name="states"/> is not a whole number of rows.</exception>
    public static PlotlyChart ResidueStates(float[] states, string sequence, string title)
    {
        int rows = sequence.Length;
        if (rows == 0 || states.Length % rows != 0)
            throw new ArgumentException($"{states.Length} values are not {rows} rows of equal width", nameof(states));
        int width = states.Length / rows;
        var z = Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, width).Select(c => (double)states[r * width + c]).ToArray()).ToArray();
        double limit = Math.Max(1e-12, states.Max(v => Math.Abs(v)));
        var labels = sequence.Select((letter, i) => $"{letter}{i + 1}").ToArray();
        int height = Math.Clamp(160 + 14 * rows, 420, 1200), plotWidth = Math.Clamp(260 + 14 * width, 700, 1400);
        var layout = FigureStyle.Layout(title, plotWidth, height);
        layout.margin = new Margin { l = 80, r = 40, t = 70, b = 70 };
        var x = FigureStyle.XAxis("Hidden dimension");
        x.showgrid = false;
        var y = FigureStyle.YAxis("Residue");
        y.showgrid = false;
        y.zeroline = false;
        y.autorange = "reversed";
        layout.SetAxes(0, x, y);
        var heatmap = new Heatmap
        {
            z = z,
            x = Enumerable.Range(0, width).ToArray(),
            y = labels,
            colorscale = "RdBu",
            reversescale = true,
            zmin = -limit,
            zmax = limit,
            colorbar = new Colorbar { title = "state" },
        };
        var chart = Chart.Plot(heatmap, layout);
        chart.Id = "residue-states";
        chart.Width = plotWidth;
        chart.Height = height;
        return chart;
    }

    /// <summary>
    /// The per-protein vectors different compressions make from the same states: one line per
    /// compression over its vector's positions (lengths differ: iDCT flattens a grid, PCA keeps the width).
    /// </summary>
    /// <param name="vectors">(compression name, vector) pairs.</param>
    /// <param name="title">Figure title.</param>
    public static PlotlyChart PooledVectors(IEnumerable<(string Name, float[] Vector)> vectors, string title)
    {
        var list = vectors.ToList();
        const int width = 1000, height = 520;
        var layout = FigureStyle.Layout(title, width, height);
        layout.margin = new Margin { l = 80, r = 180, t = 70, b = 70 };
        layout.legend = new Legend { x = 1.02, xanchor = "left", y = 1, yanchor = "top" };
        layout.SetAxes(0, FigureStyle.XAxis("Position in the protein's vector"), FigureStyle.YAxis("Value"));
        var palette = new[] { "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#999999" };
        var traces = list.Select((v, i) => new Scatter
        {
            name = $"{v.Name} ({v.Vector.Length})",
            mode = "lines",
            x = Enumerable.Range(0, v.Vector.Length).ToArray(),
            y = v.Vector.Select(f => (double)f).ToArray(),
            line = new Line { color = palette[i % palette.Length], width = 1.8 },
        }).ToList();
        var chart = Chart.Plot(traces, layout);
        chart.Id = "pooled-vectors";
        chart.Width = width;
        chart.Height = height;
        return chart;
    }
}
