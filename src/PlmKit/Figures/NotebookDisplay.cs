using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using XPlot.Plotly;

namespace PlmKit.Figures;

/// <summary>
/// Shows XPlot charts in Polyglot notebooks, offline. XPlot.Plotly 4.1.0 has no notebook
/// formatter and its HTML expects plotly.js on the page. The PlmKit.Interactive kernel extension
/// puts PlmKit's local plotly.js on the page once per kernel (<see cref="PlotlyScript"/>), then
/// replaces that output with a one-line note (<see cref="PlotlyNote"/>) so the saved notebook does
/// not carry 3.5 MB of JavaScript; each chart is written by <see cref="WriteChart"/> under an id of its
/// own and drawn as soon as plotly.js is there.
/// </summary>
public static class NotebookDisplay
{
    private static readonly Lazy<bool> Unified = new(() =>
    {
        AssemblyLoadContext.Default.Resolving += ResolveLoaded;
        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Makes dependencies of assemblies loaded into a notebook kernel resolve to the copy already
    /// loaded (see remarks). Idempotent; called by the PlmKit.Interactive kernel extension.
    /// </summary>
    /// <remarks>
    /// The C# kernel loads every referenced assembly into its own load context. TorchSharp.PyBridge
    /// 1.4.4 was built against TorchSharp 0.103 while PlmKit uses 0.107; a normal application unifies
    /// the two through its deps.json, but the kernel would load TorchSharp a second time for
    /// PyBridge, and loading a checkpoint would fail with a MissingMethodException. The handler
    /// answers such a request with the loaded assembly of the same name and public key whose version
    /// is at least the one asked for.
    /// </remarks>
    public static void UnifyLoadedAssemblies() => _ = Unified.Value;

    private static Assembly? ResolveLoaded(AssemblyLoadContext context, AssemblyName wanted)
    {
        byte[]? key = wanted.GetPublicKeyToken();
        return AppDomain.CurrentDomain.GetAssemblies()
            .Where(a =>
            {
                var name = a.GetName();
                return name.Name == wanted.Name
                    && (wanted.Version is null || name.Version >= wanted.Version)
                    && (key is null || key.Length == 0 || key.AsSpan().SequenceEqual(name.GetPublicKeyToken()));
            })
            .MaxBy(a => a.GetName().Version);
    }

    /// <summary>
    /// <c>&lt;script&gt;</c> elements defining <c>window.Plotly</c> from the local plotly.min.js
    /// (see <see cref="PlotlyJs"/>): about 3.5 MB, to show once and then replace by <see cref="PlotlyNote"/>.
    /// </summary>
    /// <exception cref="ConfigurationException">plotly.js is not installed.</exception>
    public static string PlotlyScript()
    {
        string js = PlotlyJs.Read().Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
        // Under require.js (Jupyter classic, nbconvert's HTML) plotly's UMD bundle would register a
        // module instead of the global the charts call; hide `define` while it loads.
        return "<script>window.__plmkitDefine = window.define; window.define = undefined;</script>\n" +
               "<script>" + js + "</script>\n" +
               "<script>window.define = window.__plmkitDefine;</script>\n" + PlotlyNote;
    }

    /// <summary>The small output that stays in the notebook where <see cref="PlotlyScript"/> was shown.</summary>
    public const string PlotlyNote =
        "<div style=\"font-size:smaller;color:#666\">PlmKit: plotly.js loaded from the local copy, charts render offline.</div>";

    /// <summary>
    /// Writes <paramref name="chart"/> as HTML for a notebook output (a formatter for <c>text/html</c>):
    /// a <c>div</c> with a fresh id, whatever id the chart carries, so two charts on one page never
    /// collide, and a script that draws into it once <c>window.Plotly</c> exists (it waits up to 20 s,
    /// then says that plotly.js is missing: a saved notebook opened without running it).
    /// </summary>
    public static void WriteChart(PlotlyChart chart, TextWriter writer)
    {
        string id = "plmkit-chart-" + Guid.NewGuid().ToString("N")[..12];
        string original = chart.Id;
        string plot;
        try
        {
            chart.Id = id;
            plot = chart.GetPlottingJS();
        }
        finally
        {
            chart.Id = original;
        }
        string size = string.Create(CultureInfo.InvariantCulture, $"width: {chart.Width}px; height: {chart.Height}px;");
        writer.Write($"<div id=\"{id}\" style=\"{size}\"></div>\n");
        writer.Write("<script>\n(function () {\n");
        writer.Write($"  function draw() {{\n{plot}\n  }}\n");
        writer.Write("  var waited = 0;\n");
        writer.Write("  (function attempt() {\n");
        writer.Write("    if (window.Plotly) { draw(); return; }\n");
        writer.Write("    if ((waited += 100) > 20000) {\n");
        writer.Write($"      document.getElementById('{id}').textContent = 'plotly.js is not loaded on this page: run the notebook from its first cell to see the chart.';\n");
        writer.Write("      return;\n    }\n");
        writer.Write("    setTimeout(attempt, 100);\n  })();\n})();\n</script>");
    }
}
