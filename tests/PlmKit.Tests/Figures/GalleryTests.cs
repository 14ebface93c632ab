using System.Diagnostics;
using System.Text.RegularExpressions;
using PlmKit.Data;
using PlmKit.Figures;

namespace PlmKit.Tests.Figures;

/// <summary>
/// The reproduction's <c>index.html</c> as a browser sees it: headless Chromium screenshots it and
/// dumps its DOM; the test counts the figures, checks the console stayed silent and that every
/// local link and image resolves.
/// </summary>
[Collection(ReproductionCollection.Name)]
public partial class GalleryTests(ReproductionFixture run)
{
    /// <summary>Runs Chromium on <paramref name="page"/> with console logging; returns stdout and stderr.</summary>
    private static (string Out, string Err) Chromium(string page, params string[] action)
    {
        using var profile = new TempDir();
        var start = new ProcessStartInfo(FigureExport.LocateChromium())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--enable-logging=stderr", "--v=0", $"--user-data-dir={profile.Path}", "--window-size=1200,2400" }
                     .Concat(action).Append(new Uri(page).AbsoluteUri))
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var err = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "chromium did not finish");
        return (output, err.Result);
    }

    /// <summary>Console messages (console.log/error, uncaught exceptions) Chromium logged.</summary>
    private static List<string> Console(string stderr) =>
        [.. stderr.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal))];

    /// <summary>Every local src/href of a page whose file does not exist.</summary>
    private static List<string> BrokenLinks(string page)
    {
        string dir = Path.GetDirectoryName(page)!;
        return [.. LinkPattern().Matches(File.ReadAllText(page)).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value))
            .Where(l => !l.StartsWith('#') && !l.Contains("://", StringComparison.Ordinal))
            .Where(l => !File.Exists(Path.Combine(dir, l)))];
    }

    [Fact]
    public void The_gallery_shows_every_figure_of_the_docs_with_a_silent_console()
    {
        Assert.True(run.Code == 0, run.Err);
        string index = run.PathOf("index.html");
        using var tmp = new TempDir();
        string shot = tmp.Sub("index.png");
        var (_, err) = Chromium(index, $"--screenshot={shot}");
        Assert.Empty(Console(err));
        Assert.True(new FileInfo(shot).Length > 10_000, "the screenshot is (nearly) empty");
        var (dom, _) = Chromium(index, "--dump-dom");

        // As many figures as the docs list, each with a caption holding numbers, in the docs' order.
        var documented = DocumentedIds();
        Assert.Equal(StudyReproduction.FigureIds, documented);
        var shown = FigureId().Matches(dom).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(documented, shown);
        Assert.Equal(shown.Count, Regex.Matches(dom, "<figcaption>").Count);
        Assert.Equal(4, Regex.Matches(dom, "<figure id=\"plmkit-").Count);
        Assert.Contains("notebooks/03-which-compression.html", dom);
        Assert.Empty(BrokenLinks(index));
        // HTML only: no image is referenced.
        Assert.DoesNotContain("<img", dom);
    }

    [Fact]
    public void With_pngs_the_gallery_shows_each_image_and_links_its_interactive_figure()
    {
        using var tmp = new TempDir();
        var catalog = DataCatalog.Load(new DataCatalogOptions { OverrideDirectory = SharedData.Swat, CacheDirectory = tmp.Sub("cache"), AllowDownload = false });
        var result = StudyReproduction.Run(new ReproductionOptions(tmp.Sub("out"), catalog, Png: true, Only: ["fig3a-dms-model-size"]));
        Assert.Equal(["fig3a-dms-model-size"], result.Figures.Select(f => f.Id));
        string index = Path.Combine(tmp.Sub("out"), "index.html");
        string html = File.ReadAllText(index);
        Assert.Contains("<a href=\"figures/fig3a-dms-model-size.html\"><img src=\"figures/fig3a-dms-model-size.png\"", html);
        Assert.Empty(BrokenLinks(index));
        var (_, err) = Chromium(Path.Combine(tmp.Sub("out"), "figures", "fig3a-dms-model-size.html"), $"--screenshot={tmp.Sub("figure.png")}");
        Assert.Empty(Console(err));
        // The caption's numbers are the computed ones.
        var esmc600 = result.Numbers.Single(n => n.Key == "fig3a.median.esmc:600M");
        Assert.Contains($"600M {esmc600.Value:0.000}", html);
    }

    [Fact]
    public void A_chromium_that_dies_on_the_second_figure_leaves_no_output_folder()
    {
        if (OperatingSystem.IsWindows()) return;   // the stand-in Chromium is a shell script
        using var tmp = new TempDir();
        // A stand-in Chromium: the first screenshot is written, every later call fails.
        string calls = tmp.Sub("calls");
        string fake = tmp.Write("chromium", $$"""
            #!/bin/sh
            echo x >> '{{calls}}'
            [ "$(wc -l < '{{calls}}')" -gt 1 ] && exit 1
            for a in "$@"; do case "$a" in --screenshot=*) printf 'png' > "${a#--screenshot=}";; esac; done
            exit 0
            """);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var catalog = DataCatalog.Load(new DataCatalogOptions { OverrideDirectory = SharedData.Swat, CacheDirectory = tmp.Sub("cache"), AllowDownload = false });
        Environment.SetEnvironmentVariable(FigureExport.ChromiumVariable, fake);
        try
        {
            Assert.ThrowsAny<PlmKitException>(() =>
                StudyReproduction.Run(new ReproductionOptions(tmp.Sub("out"), catalog, Png: true, Only: ["fig3a-dms-model-size", "fig3b-pisces-model-size"])));
        }
        finally
        {
            Environment.SetEnvironmentVariable(FigureExport.ChromiumVariable, null);
        }
        Assert.Equal(2, File.ReadAllLines(calls).Length);
        Assert.False(Directory.Exists(tmp.Sub("out")), "the output folder was written");
        Assert.Empty(Directory.GetDirectories(tmp.Path, ".out.partial-*"));
    }

    [Fact]
    public void The_checks_catch_a_console_error_and_a_missing_file()
    {
        using var tmp = new TempDir();
        string page = tmp.Write("bad.html", "<!DOCTYPE html><html><body><img src=\"missing.png\"><script>undefinedFunction();</script></body></html>");
        var (_, err) = Chromium(page, "--dump-dom");
        Assert.Single(Console(err));
        Assert.Equal(["missing.png"], BrokenLinks(page));
    }

    [Fact]
    public void Unknown_figures_and_a_missing_notebook_folder_are_refused_before_anything_is_written()
    {
        using var tmp = new TempDir();
        string output = tmp.Sub("out");
        var (code, _, stderr) = CliRunner.Run("reproduce", "--out", output, "--data-dir", SharedData.Swat, "--offline", "--no-png", "--figure", "fig9");
        Assert.Equal(2, code);
        Assert.Contains("unknown figure 'fig9'", stderr);
        (code, _, stderr) = CliRunner.Run("reproduce", "--out", output, "--data-dir", SharedData.Swat, "--offline", "--no-png", "--notebooks", tmp.Sub("nope"));
        Assert.Equal(2, code);
        Assert.Contains("notebook pages folder", stderr);
        Assert.False(Directory.Exists(output));
    }

    /// <summary>The figure ids docs/figures-and-notebooks.md lists (backticked, in its table of figures).</summary>
    internal static List<string> DocumentedIds()
    {
        string docs = File.ReadAllText(Path.Combine(SharedData.RepoRoot, "docs", "figures-and-notebooks.md"));
        return [.. DocId().Matches(docs).Select(m => m.Groups[1].Value)];
    }

    [GeneratedRegex("<figure id=\"([^\"]+)\"")]
    private static partial Regex FigureId();

    [GeneratedRegex("(?:src|href)=\"([^\"]+)\"")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^\| `((?:fig|supp|plmkit)[a-z0-9-]*)` \|", RegexOptions.Multiline)]
    private static partial Regex DocId();
}
