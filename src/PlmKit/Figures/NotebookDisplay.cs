using XPlot.Plotly;

namespace PlmKit.Figures;

/// <summary>
/// Shows XPlot charts in Polyglot notebooks, offline. XPlot.Plotly 4.1.0 has no notebook
/// formatter and its HTML expects plotly.js on the page; the first cell of each notebook puts
/// PlmKit's local plotly.js on the page once (<see cref="PlotlyScript"/>) and registers
/// <see cref="WriteChart"/> as the <c>text/html</c> formatter of <see cref="PlotlyChart"/>:
/// <code>
/// Formatter.Register&lt;PlotlyChart&gt;(NotebookDisplay.WriteChart, "text/html");
/// HTML(NotebookDisplay.PlotlyScript())
/// </code>
/// </summary>
public static class NotebookDisplay
{
    /// <summary>
    /// A <c>&lt;script&gt;</c> element defining <c>window.Plotly</c> from the local plotly.min.js
    /// (see <see cref="PlotlyJs"/>), with a visible note saying which version was loaded.
    /// </summary>
    /// <exception cref="ConfigurationException">plotly.js is not installed.</exception>
    public static string PlotlyScript()
    {
        string js = PlotlyJs.Read().Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
        // Under require.js (Jupyter classic) plotly's UMD bundle would register a module instead of
        // the global the charts call; hide `define` while it loads.
        return "<script>window.__plmkitDefine = window.define; window.define = undefined;</script>\n" +
               "<script>" + js + "</script>\n" +
               "<script>window.define = window.__plmkitDefine;</script>\n" +
               "<div style=\"font-size:smaller;color:#666\">PlmKit: plotly.js loaded from the local copy, charts render offline.</div>";
    }

    /// <summary>Writes <paramref name="chart"/> as HTML for a notebook output (a formatter for <c>text/html</c>).</summary>
    public static void WriteChart(PlotlyChart chart, TextWriter writer) => writer.Write(chart.GetInlineHtml());
}
