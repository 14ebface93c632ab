using PlmKit.Data;
using PlmKit.Figures;

namespace PlmKit.Tests.Figures;

/// <summary>
/// <c>reproduce --render-notebooks</c>'s plumbing: it runs the notebooks folder's render.py,
/// copies its pages and plotly.js into the gallery's <c>notebooks/</c>, and a failing notebook
/// stops the reproduction with the script's FAIL line and nothing written. The script here is a
/// stand-in with render.py's interface; the real script is run in the real kernel by the
/// notebook tests (tests/PlmKit.Tests/Notebooks).
/// </summary>
public sealed class NotebookRenderingTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    // render.py's interface: render.py --out OUT --html; FAIL lines and exit code 1 on failure.
    private string Notebooks(bool fail)
    {
        string dir = Directory.CreateDirectory(_tmp.Sub("checkout/notebooks")).FullName;
        File.WriteAllText(Path.Combine(dir, NotebookRendering.Script), fail
            ? "import sys\nprint('FAIL 05-when-does-size-matter.ipynb: cell 3: stderr: boom')\nsys.exit(1)\n"
            : """
              import os, sys
              out = sys.argv[sys.argv.index('--out') + 1]
              assert '--html' in sys.argv
              os.makedirs(out, exist_ok=True)
              for name in ('01-the-data', '02-sequence-to-embedding'):
                  open(os.path.join(out, name + '.html'), 'w').write('<html><body>' + name + '</body></html>')
                  open(os.path.join(out, name + '.ipynb'), 'w').write('{}')
              open(os.path.join(out, 'plotly.min.js'), 'w').write('/* plotly */')
              print('ok 01-the-data.ipynb 1 s')
              """);
        return dir;
    }

    private ReproductionOptions Options(string notebooks) =>
        new(_tmp.Sub("out"), DataCatalog.Load(new DataCatalogOptions { AllowDownload = false, OverrideDirectory = SharedData.Swat }),
            Png: false, Only: ["fig2a-dms-compression"], RenderNotebooks: notebooks);

    [Fact]
    public void RenderedPagesAndTheirPlotlyGoIntoTheGallery()
    {
        var log = new StringWriter();
        var result = StudyReproduction.Run(Options(Notebooks(fail: false)), log);
        Assert.Contains("notebooks/01-the-data.html", result.Files);
        Assert.Contains("notebooks/02-sequence-to-embedding.html", result.Files);
        Assert.Contains("notebooks/plotly.min.js", result.Files);
        Assert.DoesNotContain(result.Files, f => f.EndsWith(".ipynb", StringComparison.Ordinal));
        var index = File.ReadAllText(Path.Combine(_tmp.Sub("out"), "index.html"));
        Assert.Contains("href=\"notebooks/02-sequence-to-embedding.html\"", index);
        Assert.Contains("notebooks: ok 01-the-data.ipynb", log.ToString());
    }

    [Fact]
    public void AFailingNotebookStopsTheReproductionBeforeAnythingIsWritten()
    {
        var e = Assert.Throws<PlmKitException>(() => StudyReproduction.Run(Options(Notebooks(fail: true))));
        Assert.Contains("notebooks failed: 05-when-does-size-matter.ipynb: cell 3: stderr: boom", e.Message);
        Assert.False(Directory.Exists(_tmp.Sub("out")));
    }

    [Fact]
    public void TheNotebooksFolderIsFoundFromAnyFolderOfTheCheckout()
    {
        string notebooks = Notebooks(fail: false);
        string deep = Directory.CreateDirectory(_tmp.Sub("checkout/src/PlmKit.Cli/bin")).FullName;
        Assert.Equal(notebooks, NotebookRendering.FindNotebooks(deep));
        Assert.Null(NotebookRendering.FindNotebooks(Directory.CreateDirectory(_tmp.Sub("elsewhere")).FullName));
    }

    [Fact]
    public void RenderingAndGivenPagesExcludeEachOther()
    {
        var options = Options(Notebooks(fail: false)) with { NotebookPages = _tmp.Path };
        var e = Assert.Throws<ConfigurationException>(() => StudyReproduction.Run(options));
        Assert.Contains("--notebooks and --render-notebooks exclude each other", e.Message);
    }

    [Fact]
    public void TheRepositorysOwnNotebooksFolderIsFound() =>
        Assert.True(File.Exists(Path.Combine(NotebookRendering.FindNotebooks(AppContext.BaseDirectory)!, "04-is-bigger-better.ipynb")));
}
