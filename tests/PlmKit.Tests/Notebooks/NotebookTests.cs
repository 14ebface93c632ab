using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using PlmKit.Interactive;

namespace PlmKit.Tests.Notebooks;

/// <summary>How the notebook tests start a notebook runner: the settings a user sets, pointed at the shared test data.</summary>
internal static class NotebookRun
{
    public static readonly string NotebookDir = Path.Combine(SharedData.RepoRoot, "notebooks");

    /// <summary>The package the first cell loads, built and packed by a Release build.</summary>
    public static readonly string Feed = Path.Combine(SharedData.RepoRoot, "artifacts", "feed");

    /// <summary>PlmKit.Interactive's package version (the assembly's informational version without the commit).</summary>
    public static string PackageVersion { get; } =
        typeof(DataFrames).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    public static void AssertFeedBuilt() =>
        Assert.True(File.Exists(Path.Combine(Feed, $"PlmKit.Interactive.{PackageVersion}.nupkg")),
            $"artifacts/feed has no PlmKit.Interactive {PackageVersion}: build with `dotnet build PlmKit.slnx -c Release` (it packs the feed)");

    public static ProcessStartInfo Start(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = NotebookDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["PLMKIT_DATA_DIR"] = SharedData.Swat;   // the catalogue's offline override
        // The random-weight test models of each family instead of the zoo models a reader's caches hold.
        start.Environment["PLMKIT_NOTEBOOK_MODEL"] = Path.Combine(SharedData.Golden, "tiny");
        start.Environment["PLMKIT_NOTEBOOK_MODELS"] = string.Join(",", new[] { "tiny", "esmc_tiny", "amplify_tiny" }.Select(m => Path.Combine(SharedData.Golden, m)));
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        return start;
    }

    /// <summary>Runs to the end (killing the process tree after <paramref name="limit"/>); returns exit code, stdout, stderr.</summary>
    public static async Task<(int Code, string Out, string Err)> Run(ProcessStartInfo start, TimeSpan limit, string what)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{what} did not finish within {limit.TotalMinutes} minutes");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>
/// The committed notebooks: clean, loading PlmKit in one line, readable by a user (no paths outside
/// the repository, no wording about the tests), and valid nbformat 4.5 (every cell has an id).
/// </summary>
public class NotebookContentTests
{
    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(NotebookRun.NotebookDir, "*.ipynb").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    internal static List<JsonElement> Cells(JsonDocument notebook) => [.. notebook.RootElement.GetProperty("cells").EnumerateArray()];

    internal static string Source(JsonElement cell) =>
        cell.GetProperty("source").ValueKind == JsonValueKind.Array
            ? string.Concat(cell.GetProperty("source").EnumerateArray().Select(s => s.GetString()))
            : cell.GetProperty("source").GetString() ?? "";

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Notebook_is_committed_clean_and_loads_plmkit_in_one_line(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(NotebookRun.NotebookDir, name)));
        var cells = Cells(doc);
        var code = cells.Where(c => c.GetProperty("cell_type").GetString() == "code").ToList();
        Assert.NotEmpty(code);
        string first = Source(code[0]);
        Assert.StartsWith($"#r \"nuget: PlmKit.Interactive, {NotebookRun.PackageVersion}\"\n", first);
        // Formatters and plotly.js come from the package's kernel extension, not from the notebook.
        Assert.DoesNotContain("Formatter.Register", first);
        Assert.All(code, c => Assert.DoesNotContain("HTML(", Source(c)));   // the kernel warns CS1701 on it
        Assert.All(code.Skip(1), c => Assert.DoesNotContain("#r ", Source(c)));
        Assert.All(code, c => Assert.Empty(c.GetProperty("outputs").EnumerateArray()));
        Assert.Equal("markdown", cells[0].GetProperty("cell_type").GetString());
        Assert.Equal("csharp", doc.RootElement.GetProperty("metadata").GetProperty("polyglot_notebook").GetProperty("kernelInfo").GetProperty("defaultKernelName").GetString());
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Every_cell_has_a_unique_nbformat_id(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(NotebookRun.NotebookDir, name)));
        Assert.Equal(4, doc.RootElement.GetProperty("nbformat").GetInt32());
        Assert.True(doc.RootElement.GetProperty("nbformat_minor").GetInt32() >= 5);
        var ids = Cells(doc).Select(c => c.TryGetProperty("id", out var id) ? id.GetString() : null).ToList();
        Assert.All(ids, id => Assert.Matches("^[A-Za-z0-9_-]{1,64}$", id ?? ""));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Reader_code_and_prose_stay_inside_the_repository_and_use_the_library(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(NotebookRun.NotebookDir, name)));
        foreach (var cell in Cells(doc))
        {
            string text = Source(cell);
            // Data come through PLMKIT_DATA_DIR, models through a zoo name or PLMKIT_NOTEBOOK_MODEL(S).
            Assert.DoesNotMatch(@"\.\./\.\.|shared/|""/(work|root|home|tmp)/", text);
            if (cell.GetProperty("cell_type").GetString() == "markdown")
                Assert.DoesNotMatch(new Regex(@"\bthe tests?\b|\btest (model|data)\b", RegexOptions.IgnoreCase), text);
            else
                Assert.DoesNotContain("Matrix<double>.Build", text);   // FeatureMatrix.Of / FeatureMatrix.Load build them
        }
    }

    [Fact]
    public void The_notebooks_nuget_config_names_the_feed_a_release_build_packs()
    {
        var config = System.Xml.Linq.XDocument.Load(Path.Combine(NotebookRun.NotebookDir, "NuGet.config"));
        var sources = config.Descendants("add").Select(a => (string)a.Attribute("value")!).ToList();
        var feed = Assert.Single(sources);
        Assert.Equal(Path.TrimEndingDirectorySeparator(NotebookRun.Feed), Path.GetFullPath(Path.Combine(NotebookRun.NotebookDir, feed)));
    }
}

/// <summary>
/// Executes every notebook headless with dotnet-repl (the local tool in
/// <c>.config/dotnet-tools.json</c>), as a user's "Run All" would, and fails on any error output.
/// The first cell loads PlmKit.Interactive from artifacts/feed, which a Release build packs.
/// </summary>
public class NotebookReplTests
{
    [Theory]
    [MemberData(nameof(NotebookContentTests.Notebooks), MemberType = typeof(NotebookContentTests))]
    public async Task Notebook_runs_headless_in_dotnet_repl_without_errors(string name)
    {
        NotebookRun.AssertFeedBuilt();
        string output = Path.Combine(Directory.CreateTempSubdirectory("plmkit-notebook-").FullName, name);
        try
        {
            var (code, stdout, stderr) = await NotebookRun.Run(
                NotebookRun.Start("dotnet", "repl", "--run", name, "--exit-after-run", "--output-format", "ipynb", "--output-path", output),
                TimeSpan.FromMinutes(4), name);
            Assert.True(code == 0 && File.Exists(output),
                $"dotnet repl exited with {code} (is the local tool restored? `dotnet tool restore`):\n{stdout}\n{stderr}");

            using var doc = JsonDocument.Parse(File.ReadAllText(output));
            var problems = new List<string>();
            var cells = NotebookContentTests.Cells(doc);
            for (int i = 0; i < cells.Count; i++)
            {
                if (cells[i].GetProperty("cell_type").GetString() != "code") continue;
                var outputs = cells[i].GetProperty("outputs").EnumerateArray().ToList();
                foreach (var o in outputs)
                {
                    string type = o.GetProperty("output_type").GetString()!;
                    if (type == "error" || (type == "stream" && o.TryGetProperty("name", out var s) && s.GetString() == "stderr"))
                        problems.Add($"cell {i}: {o}");
                }
                // Every code cell of these notebooks ends in a value to show; no output means it did not run.
                if (outputs.Count == 0) problems.Add($"cell {i} produced no output:\n{NotebookContentTests.Source(cells[i])}");
            }
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
        }
    }
}

/// <summary>
/// Executes notebooks in the Jupyter kernel VS Code and Jupyter use (dotnet-interactive 1.0.712001
/// through Debian's nbconvert, by <c>notebooks/render.py</c>), which shows what dotnet-repl hides
/// (compiler warnings on stderr, such as CS1701), and renders them to HTML. All eight run, two at a
/// time (about 3 minutes on 2 cores), as a user or <c>plmkit reproduce --render-notebooks</c> runs them.
/// </summary>
public class NotebookKernelTests
{
    private static string[] All => [.. Directory.GetFiles(NotebookRun.NotebookDir, "*.ipynb").Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Notebooks_run_in_the_jupyter_kernel_without_errors_or_stderr_and_render_to_small_html()
    {
        NotebookRun.AssertFeedBuilt();
        Assert.True(File.Exists("/usr/bin/python3"), "Debian's /usr/bin/python3 with python3-nbconvert is needed (environment/system-packages.sh)");
        string outDir = Directory.CreateTempSubdirectory("plmkit-kernel-").FullName;
        try
        {
            var (code, stdout, stderr) = await NotebookRun.Run(
                NotebookRun.Start("/usr/bin/python3", ["render.py", "--out", outDir, "--html", "--jobs", "2", .. All]),
                TimeSpan.FromMinutes(12), "notebooks/render.py");
            Assert.True(code == 0, $"render.py exited with {code}:\n{stdout}\n{stderr[Math.Max(0, stderr.Length - 4000)..]}");
            Assert.Equal(8, All.Length);
            int charts = 0;
            foreach (var name in All)
            {
                Assert.Contains($"ok {name}", stdout);
                string executed = Path.Combine(outDir, name);
                // plotly.js was shown once and replaced: a saved notebook stays small.
                Assert.True(new FileInfo(executed).Length < 500_000, $"{name} saved at {new FileInfo(executed).Length} bytes");
                string html = File.ReadAllText(Path.ChangeExtension(executed, ".html"));
                Assert.StartsWith("<script src=\"plotly.min.js\"></script>", html[(html.IndexOf("<head>", StringComparison.Ordinal) + 6)..].TrimStart());
                var ids = Regex.Matches(html, "id=\\\\?\"(plmkit-chart-[0-9a-f]+)").Select(m => m.Groups[1].Value).ToList();
                Assert.Equal(ids.Count, ids.Distinct().Count());
                charts += ids.Count;
            }
            Assert.True(charts >= 8, $"{charts} charts in the eight notebooks");
            Assert.True(File.Exists(Path.Combine(outDir, "plotly.min.js")));
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_notebook_that_writes_to_stderr_fails_the_run()
    {
        // render.py's own check, on a notebook made to fail: a compiler warning goes to stderr.
        string dir = Directory.CreateTempSubdirectory("plmkit-kernel-bad-").FullName;
        string bad = Path.Combine(dir, "warns.ipynb");
        try
        {
            File.WriteAllText(bad, """
                {"cells": [{"cell_type": "code", "id": "a", "execution_count": null, "metadata": {}, "outputs": [],
                  "source": ["string? s = null; s"]}],
                 "metadata": {"kernelspec": {"display_name": ".NET (C#)", "language": "C#", "name": ".net-csharp"}},
                 "nbformat": 4, "nbformat_minor": 5}
                """);
            var (code, stdout, _) = await NotebookRun.Run(NotebookRun.Start("/usr/bin/python3", "render.py", "--out", Path.Combine(dir, "out"), bad),
                TimeSpan.FromMinutes(3), "notebooks/render.py");
            Assert.Equal(1, code);
            Assert.Contains("FAIL warns.ipynb: cell 0 wrote to stderr", stdout);
            Assert.Contains("CS8632", stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
