using XPlot.Plotly;

namespace PlmKit.Figures;

/// <summary>Shared look of PlmKit's figures: fonts, axes, margins, parameter-count ticks.</summary>
internal static class FigureStyle
{
    public const string FontFamily = "Liberation Sans, Arial, Helvetica, sans-serif";
    public const string Grid = "#e3e3e3";
    public const string Axis = "#444444";

    public static PanelLayout Layout(string title, int width, int height) => new()
    {
        title = title,
        font = new Font { family = FontFamily, size = 14, color = "#222222" },
        titlefont = new Font { family = FontFamily, size = 18, color = "#111111" },
        width = width,
        height = height,
        paper_bgcolor = "white",
        plot_bgcolor = "white",
        hovermode = "closest",
        margin = new Margin { l = 80, r = 30, t = 70, b = 70 },
    };

    public static Xaxis XAxis(string title, bool log = false) => new()
    {
        title = title,
        type = log ? "log" : "linear",
        showline = true,
        linecolor = Axis,
        mirror = true,
        ticks = "outside",
        showgrid = true,
        gridcolor = Grid,
        zeroline = false,
    };

    public static Yaxis YAxis(string title) => new()
    {
        title = title,
        showline = true,
        linecolor = Axis,
        mirror = true,
        ticks = "outside",
        showgrid = true,
        gridcolor = Grid,
        zeroline = true,
        zerolinecolor = "#9a9a9a",
    };

    /// <summary>Log axis ticks for parameter counts: 10M, 30M, 100M … 30B.</summary>
    public static void ParameterTicks(Xaxis axis, double min, double max)
    {
        var ticks = new List<double>();
        var labels = new List<string>();
        foreach (double decade in new[] { 1e6, 1e7, 1e8, 1e9, 1e10 })
        {
            foreach (double m in new[] { 1.0, 3.0 })
            {
                double t = decade * m;
                if (t < min || t > max) continue;
                ticks.Add(t);
                labels.Add(ParameterLabel(t));
            }
        }
        axis.tickvals = ticks.ToArray();
        axis.ticktext = labels.ToArray();
        axis.range = new[] { Math.Log10(min), Math.Log10(max) };
    }

    /// <summary>Short count label: 3000 → 3k, 1.5e8 → 150M, 3e9 → 3B.</summary>
    public static string ParameterLabel(double n) => n switch
    {
        >= 1e9 => $"{n / 1e9:0.#}B",
        >= 1e6 => $"{n / 1e6:0.#}M",
        >= 1e3 => $"{n / 1e3:0.#}k",
        _ => $"{n:0}",
    };

    /// <summary>
    /// Log axis ticks for counts (sizes, lengths) inside [min, max]: 1, 2, 5 per decade over up to
    /// two decades, 1 and 3 up to four, powers of ten beyond, so labels never crowd.
    /// </summary>
    public static void CountTicks(Xaxis axis, double min, double max)
    {
        var ticks = CountTickValues(min, max);
        axis.tickvals = ticks;
        axis.ticktext = ticks.Select(t => t >= 1e3 ? ParameterLabel(t) : t.ToString("0", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        axis.range = new[] { Math.Log10(min), Math.Log10(max) };
    }

    /// <summary>The tick values of <see cref="CountTicks"/>.</summary>
    public static double[] CountTickValues(double min, double max)
    {
        double decades = Math.Log10(max / min);
        double[] steps = decades <= 2.5 ? [1, 2, 5] : decades <= 4.5 ? [1, 3] : [1];
        var ticks = new List<double>();
        for (double decade = 1; decade <= max * 10; decade *= 10)
            foreach (double m in steps)
                if (decade * m >= min && decade * m <= max) ticks.Add(decade * m);
        return [.. ticks];
    }

    /// <summary>A bold panel title above panel <paramref name="x0"/>..<paramref name="x1"/> (paper coordinates).</summary>
    public static Annotation PanelTitle(string text, double x0, double x1) => new()
    {
        text = $"<b>{System.Net.WebUtility.HtmlEncode(text)}</b>",
        x = (x0 + x1) / 2,
        y = 1.0,
        xref = "paper",
        yref = "paper",
        xanchor = "center",
        yanchor = "bottom",
        showarrow = false,
    };
}
