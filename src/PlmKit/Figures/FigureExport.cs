using System.Diagnostics;
using System.Text;
using XPlot.Plotly;

namespace PlmKit.Figures;

/// <summary>
/// Writes charts as self-contained HTML pages (plotly.js inlined: they open offline and can be
/// sent as one file) and renders those pages to PNG with headless Chromium.
/// </summary>
public static class FigureExport
{
    /// <summary>Environment variable naming the Chromium executable (default: <c>chromium</c> on PATH).</summary>
    public const string ChromiumVariable = "PLMKIT_CHROMIUM";

    /// <summary>
    /// Writes <paramref name="figure"/> into <paramref name="directory"/>: <c>NAME.html</c>,
    /// <c>NAME.png</c> (unless <paramref name="png"/> is false) and one CSV per table of numbers.
    /// </summary>
    /// <returns>The files written, in order.</returns>
    /// <exception cref="ConfigurationException">plotly.js or Chromium missing.</exception>
    /// <param name="figure">The figure and its tables.</param>
    /// <param name="directory">Output folder (created if needed).</param>
    /// <param name="png">Also render the PNG.</param>
    /// <param name="plotlyJs">Text of plotly.min.js, or null to read the local copy.</param>
    /// <param name="prefix">Prepended to every file name (e.g. <c>pisces_</c>), so several figures of one kind can share a folder.</param>
    /// <param name="stem">File stem replacing the kind's name (<c>STEM.html</c>, <c>STEM.png</c>, <c>STEM_medians.csv</c>), or null for the kind's name.</param>
    public static IReadOnlyList<string> WriteAll(StudyFigure figure, string directory, bool png = true, string? plotlyJs = null, string prefix = "", string? stem = null)
    {
        string name = stem ?? figure.Name;
        // Find the tools before writing anything, so a missing one leaves no half-written folder.
        plotlyJs ??= PlotlyJs.Read();
        if (png) LocateChromium();
        var written = new List<string>();
        Directory.CreateDirectory(directory);
        foreach (var table in figure.Tables)
        {
            // Tables are named after the kind (model-size_medians); a stem takes the kind's place.
            string tableName = table.Name.StartsWith(figure.Name + "_", StringComparison.Ordinal)
                ? name + table.Name[figure.Name.Length..]
                : stem is null ? table.Name : name + "_" + table.Name;
            string path = Path.Combine(directory, prefix + tableName + ".csv");
            AtomicFile.WriteAllText(path, table.Csv);
            written.Add(path);
        }
        string html = Path.Combine(directory, prefix + name + ".html");
        WriteHtml(figure.Chart, html, plotlyJs);
        written.Add(html);
        if (png)
        {
            string image = Path.Combine(directory, prefix + name + ".png");
            WritePng(html, image, figure.Chart.Width, figure.Chart.Height);
            written.Add(image);
        }
        return written;
    }

    /// <summary>The complete HTML page of <paramref name="chart"/> with plotly.js inlined.</summary>
    /// <param name="chart">The chart.</param>
    /// <param name="plotlyJs">Text of plotly.min.js (see <see cref="PlotlyJs.Read"/>).</param>
    public static string Html(PlotlyChart chart, string plotlyJs)
    {
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\" />\n<title>")
            .Append(System.Net.WebUtility.HtmlEncode(chart.Id)).Append("</title>\n")
            // The PNG should show the figure only, not plotly's toolbar.
            .Append("<style>body{margin:0;background:white} @media print{.modebar{display:none!important}} .plmkit-static .modebar{display:none!important}</style>\n")
            .Append("<script>").Append(plotlyJs.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)).Append("</script>\n")
            .Append("</head>\n<body>\n<script>if (location.hash === '#static') document.body.className = 'plmkit-static';</script>\n")
            .Append(chart.GetInlineHtml())
            .Append("\n</body>\n</html>\n");
        return page.ToString();
    }

    /// <summary>Writes the HTML page of <paramref name="chart"/> to <paramref name="path"/> (atomically).</summary>
    public static void WriteHtml(PlotlyChart chart, string path, string plotlyJs) =>
        AtomicFile.Write(path, tmp => File.WriteAllText(tmp, Html(chart, plotlyJs), new UTF8Encoding(false)));

    /// <summary>
    /// Renders an HTML page written by <see cref="WriteHtml"/> to a PNG of
    /// <paramref name="width"/> × <paramref name="height"/> pixels with headless Chromium (no
    /// network, a fresh throw-away profile).
    /// </summary>
    /// <exception cref="ConfigurationException">Chromium is not installed.</exception>
    /// <exception cref="PlmKitException">Chromium failed or wrote no image.</exception>
    public static void WritePng(string htmlPath, string pngPath, int width, int height)
    {
        string chromium = LocateChromium();
        string profile = Directory.CreateTempSubdirectory("plmkit-chromium-").FullName;
        try
        {
            AtomicFile.Write(pngPath, tmp =>
            {
                var start = new ProcessStartInfo(chromium)
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                foreach (var arg in new[]
                {
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--hide-scrollbars", "--force-device-scale-factor=1", "--virtual-time-budget=5000",
                    $"--user-data-dir={profile}", $"--window-size={width},{height}", $"--screenshot={tmp}",
                    new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri + "#static",
                })
                    start.ArgumentList.Add(arg);
                using var process = Process.Start(start) ?? throw new PlmKitException($"could not start {chromium}");
                var stderr = process.StandardError.ReadToEndAsync();
                process.StandardOutput.ReadToEnd();
                if (!process.WaitForExit(120_000))
                {
                    process.Kill(entireProcessTree: true);
                    throw new PlmKitException($"{chromium} did not finish rendering {htmlPath} within 2 minutes");
                }
                if (process.ExitCode != 0 || !File.Exists(tmp) || new FileInfo(tmp).Length == 0)
                    throw new PlmKitException($"{chromium} could not render {htmlPath} (exit code {process.ExitCode}): " +
                        LastLine(stderr.Result));
            });
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { /* a lingering helper process; the OS temp cleaner takes it */ }
        }
    }

    /// <summary>The Chromium executable: <c>$PLMKIT_CHROMIUM</c>, else <c>chromium</c> or <c>chromium-browser</c> on PATH.</summary>
    /// <exception cref="ConfigurationException">None found.</exception>
    public static string LocateChromium()
    {
        if (Environment.GetEnvironmentVariable(ChromiumVariable) is { Length: > 0 } env)
            return File.Exists(env) ? env : throw new ConfigurationException($"{ChromiumVariable} points at '{env}', which does not exist");
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var name in new[] { "chromium", "chromium-browser" })
            foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        throw new ConfigurationException(
            "chromium not found, so no PNG can be rendered: run environment/figures-setup.sh (Debian: apt-get install chromium), " +
            $"set {ChromiumVariable}, or ask for HTML only (--no-png)");
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no message";
}
