using System.Reflection;
using System.Runtime.Loader;
using XPlot.Plotly;

namespace PlmKit.Figures;

/// <summary>
/// Shows XPlot charts in Polyglot notebooks, offline. XPlot.Plotly 4.1.0 has no notebook
/// formatter and its HTML expects plotly.js on the page; the first cell of each notebook puts
/// PlmKit's local plotly.js on the page once (<see cref="Initialize"/>) and registers
/// <see cref="WriteChart"/> as the <c>text/html</c> formatter of <see cref="PlotlyChart"/>:
/// <code>
/// Formatter.Register&lt;PlotlyChart&gt;(NotebookDisplay.WriteChart, "text/html");
/// HTML(NotebookDisplay.Initialize())
/// </code>
/// </summary>
public static class NotebookDisplay
{
    private static readonly Lazy<bool> Unified = new(() =>
    {
        AssemblyLoadContext.Default.Resolving += ResolveLoaded;
        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Prepares a notebook kernel for PlmKit: makes dependencies resolve to the copy already loaded
    /// (see remarks) and returns <see cref="PlotlyScript"/> to display once.
    /// </summary>
    /// <remarks>
    /// The C# kernel loads every <c>#r</c> assembly into its own load context. TorchSharp.PyBridge
    /// 1.4.4 was built against TorchSharp 0.103 while PlmKit uses 0.107; a normal application unifies
    /// the two through its deps.json, but the kernel would load TorchSharp a second time for
    /// PyBridge, and loading a checkpoint would fail with a MissingMethodException. The handler
    /// answers such a request with the loaded assembly of the same name and public key whose version
    /// is at least the one asked for.
    /// </remarks>
    /// <exception cref="ConfigurationException">plotly.js is not installed.</exception>
    public static string Initialize()
    {
        _ = Unified.Value;
        return PlotlyScript();
    }

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
