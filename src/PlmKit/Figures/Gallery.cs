using System.Net;
using System.Text;

namespace PlmKit.Figures;

/// <summary>One figure of the reproduction as the gallery shows it.</summary>
/// <param name="Id">File stem and HTML anchor (e.g. <c>fig3a-dms-model-size</c>).</param>
/// <param name="Number">The paper's figure number (e.g. "Figure 3A"), or "PlmKit" for figures beyond the paper.</param>
/// <param name="Title">One-line title.</param>
/// <param name="Caption">What the figure shows and what its numbers say (plain text; the numbers inserted from the results).</param>
/// <param name="FromPaper">True for a figure of the paper (its data selection and statistics), false for PlmKit's additions.</param>
/// <param name="Figure">The chart and its tables.</param>
public sealed record GalleryFigure(string Id, string Number, string Title, string Caption, bool FromPaper, StudyFigure Figure);

/// <summary>
/// The <c>index.html</c> of a reproduction folder: every figure with its caption, its PNG (linked
/// to the interactive HTML), links to the tables of numbers, the analyses' tables, and the
/// rendered notebooks in <see cref="NotebooksFolder"/> when there are any. Static HTML, no script.
/// </summary>
public static class Gallery
{
    /// <summary>Sub-folder of the reproduction folder for notebooks rendered to HTML.</summary>
    public const string NotebooksFolder = "notebooks";

    /// <summary>The gallery page.</summary>
    /// <param name="figures">The figures, paper's first, each with the files written for it (relative paths, '/' separated).</param>
    /// <param name="tables">The analyses' tables (relative paths).</param>
    /// <param name="notebooks">Rendered notebook pages (relative paths), possibly none.</param>
    /// <param name="notes">Lines shown under the title (e.g. what was skipped and why).</param>
    public static string Html(IReadOnlyList<(GalleryFigure Figure, IReadOnlyList<string> Files)> figures,
        IReadOnlyList<string> tables, IReadOnlyList<string> notebooks, IReadOnlyList<string> notes)
    {
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n")
            .Append("<title>PlmKit reproduction of Vieira, Handojo &amp; Wilke</title>\n<style>\n")
            .Append("body{font-family:Liberation Sans,Arial,Helvetica,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\n")
            .Append("figure{margin:2em 0;padding:1em;border:1px solid #ddd;border-radius:6px}\nfigure img{max-width:100%;height:auto;border:1px solid #eee}\n")
            .Append("figcaption{margin-top:.6em;line-height:1.45}\n.links{font-size:.9em;margin-top:.4em}\n.beyond{background:#fbfaf4}\n")
            .Append("nav a{margin-right:1em}\n</style>\n</head>\n<body>\n")
            .Append("<h1>Medium-sized protein language models perform well at transfer learning on realistic datasets</h1>\n")
            .Append("<p>Every figure of the paper that its public tables allow, redrawn by <code>plmkit reproduce</code> with the study's own ")
            .Append("data selection and statistics, then PlmKit's additions, each labelled. ")
            .Append(figures.Any(f => f.Files.Any(p => p.EndsWith(".png", StringComparison.Ordinal)))
                ? "Click a figure for its interactive version.</p>\n"
                : "Drawn without PNGs (<code>--no-png</code>): follow each figure's link for its interactive version.</p>\n");
        foreach (var note in notes) page.Append("<p class=\"note\">").Append(E(note)).Append("</p>\n");
        page.Append("<nav>");
        // A number several figures share (Supplementary Figures 6–9, PlmKit) is told apart by the id.
        var shared = figures.GroupBy(f => f.Figure.Number).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var (f, _) in figures) page.Append($"<a href=\"#{E(f.Id)}\">{E(shared.Contains(f.Number) ? f.Id : f.Number)}</a>");
        page.Append("<a href=\"#tables\">Tables</a><a href=\"#notebooks\">Notebooks</a></nav>\n");

        foreach (var (section, fromPaper) in new[] { ("Figures of the paper", true), ("Beyond the paper (PlmKit)", false) })
        {
            var part = figures.Where(f => f.Figure.FromPaper == fromPaper).ToList();
            if (part.Count == 0) continue;
            page.Append("<h2>").Append(E(section)).Append("</h2>\n");
            foreach (var (f, files) in part)
            {
                string html = files.Single(p => p.EndsWith(".html", StringComparison.Ordinal));
                string? png = files.SingleOrDefault(p => p.EndsWith(".png", StringComparison.Ordinal));
                page.Append($"<figure id=\"{E(f.Id)}\"").Append(fromPaper ? "" : " class=\"beyond\"").Append(">\n")
                    .Append($"<h3>{E(f.Number)}: {E(f.Title)}</h3>\n");
                if (png is not null)
                    page.Append($"<a href=\"{E(html)}\"><img src=\"{E(png)}\" alt=\"{E(f.Number)}: {E(f.Title)}\" loading=\"lazy\" /></a>\n");
                page.Append($"<figcaption>{E(f.Caption)}</figcaption>\n<div class=\"links\">")
                    .Append($"<a href=\"{E(html)}\">interactive figure</a>");
                foreach (var csv in files.Where(p => p.EndsWith(".csv", StringComparison.Ordinal)))
                    page.Append($" · <a href=\"{E(csv)}\">{E(Path.GetFileName(csv))}</a>");
                page.Append("</div>\n</figure>\n");
            }
        }

        page.Append("<h2 id=\"tables\">Tables</h2>\n<ul>\n");
        foreach (var t in tables) page.Append($"<li><a href=\"{E(Href(t))}\">{E(t)}</a></li>\n");
        page.Append("</ul>\n<h2 id=\"notebooks\">Notebooks</h2>\n");
        if (notebooks.Count == 0)
            page.Append("<p>No rendered notebooks in this folder. Render the executed notebooks to HTML and pass their folder to ")
                .Append("<code>plmkit reproduce --notebooks DIR</code>: they are copied into <code>").Append(NotebooksFolder).Append("/</code> and listed here.</p>\n");
        else
        {
            page.Append("<ul>\n");
            foreach (var n in notebooks) page.Append($"<li><a href=\"{E(Href(n))}\">{E(Path.GetFileNameWithoutExtension(n))}</a></li>\n");
            page.Append("</ul>\n");
        }
        page.Append("</body>\n</html>\n");
        return page.ToString();
    }

    // A relative path as a link: each segment URL-escaped, so a user's page named "nb#2.html" or with spaces still opens.
    private static string Href(string relative) => string.Join('/', relative.Split('/').Select(Uri.EscapeDataString));

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
