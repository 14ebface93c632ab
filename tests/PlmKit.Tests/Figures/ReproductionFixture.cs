namespace PlmKit.Tests.Figures;

/// <summary>
/// One <c>plmkit reproduce</c> run on the shared study tables (HTML only, with one rendered
/// notebook page for the gallery's notebooks hook), shared by the tests that read its output.
/// </summary>
public sealed class ReproductionFixture : IDisposable
{
    private readonly TempDir _tmp = new();

    /// <summary>Runs the command once.</summary>
    public ReproductionFixture()
    {
        string pages = Directory.CreateDirectory(_tmp.Sub("pages")).FullName;
        File.WriteAllText(Path.Combine(pages, "03-which-compression.html"), "<!DOCTYPE html><html><body><h1>03</h1></body></html>");
        File.WriteAllText(Path.Combine(pages, "notes.txt"), "not a page");
        Dir = _tmp.Sub("out");
        (Code, Out, Err) = CliRunner.Run("reproduce", "--out", Dir, "--data-dir", SharedData.Swat, "--offline", "--no-png", "--notebooks", pages);
    }

    /// <summary>The output folder.</summary>
    public string Dir { get; }

    /// <summary>Exit code.</summary>
    public int Code { get; }

    /// <summary>Standard output.</summary>
    public string Out { get; }

    /// <summary>Standard error.</summary>
    public string Err { get; }

    /// <summary>A file of the output folder.</summary>
    public string PathOf(string relative) => Path.Combine(Dir, relative);

    /// <inheritdoc />
    public void Dispose() => _tmp.Dispose();
}

/// <summary>
/// The test classes that share one <see cref="ReproductionFixture"/> run (xunit makes one per
/// collection). It is the collection of the tests that touch <c>PLMKIT_CHROMIUM</c> or render
/// PNGs, since the gallery tests run Chromium.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ReproductionCollection : ICollectionFixture<ReproductionFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = Experiments.ChromiumEnvironment.Collection;
}
