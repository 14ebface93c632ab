using Newtonsoft.Json;
using XPlot.Plotly;

namespace PlmKit.Figures;

/// <summary>
/// XPlot's layout with any number of axis pairs. XPlot.Plotly 4.1.0 declares only <c>xaxis</c>,
/// <c>xaxis2</c>, <c>yaxis</c>, <c>yaxis2</c>; plotly.js takes <c>xaxisN</c>/<c>yaxisN</c> for any N,
/// so further axes go into the serialised JSON as extension data.
/// </summary>
internal sealed class PanelLayout : Layout.Layout
{
    [JsonExtensionData]
    public IDictionary<string, object> Extra { get; } = new Dictionary<string, object>(StringComparer.Ordinal);

    /// <summary>Sets the axes of panel <paramref name="index"/> (0-based; panel 0 uses xaxis/yaxis).</summary>
    public void SetAxes(int index, Xaxis x, Yaxis y)
    {
        switch (index)
        {
            case 0: xaxis = x; yaxis = y; break;
            case 1: xaxis2 = x; yaxis2 = y; break;
            default:
                Extra[$"xaxis{index + 1}"] = x;
                Extra[$"yaxis{index + 1}"] = y;
                break;
        }
    }

    /// <summary>Plotly's axis reference names of panel <paramref name="index"/>: ("x", "y"), ("x2", "y2"), …</summary>
    public static (string X, string Y) AxisNames(int index) =>
        index == 0 ? ("x", "y") : ($"x{index + 1}", $"y{index + 1}");
}
