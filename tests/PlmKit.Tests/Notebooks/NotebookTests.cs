using System.Diagnostics;
using System.Text.Json;

namespace PlmKit.Tests.Notebooks;

/// <summary>
/// Executes every notebook in <c>notebooks/</c> headless with dotnet-repl (the local tool in
/// <c>.config/dotnet-tools.json</c>), as a user's "Run All" would, and fails on any error output.
/// The notebooks reference the Release build of PlmKit, so run the tests with <c>-c Release</c>.
/// </summary>
public class NotebookTests
{
    private static readonly string NotebookDir = Path.Combine(SharedData.RepoRoot, "notebooks");
    private const string LibraryReference = "../src/PlmKit/bin/Release/net10.0/PlmKit.dll";

    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(NotebookDir, "*.ipynb").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    private static List<JsonElement> Cells(JsonDocument notebook) => [.. notebook.RootElement.GetProperty("cells").EnumerateArray()];

    private static string Source(JsonElement cell) =>
        cell.GetProperty("source").ValueKind == JsonValueKind.Array
            ? string.Concat(cell.GetProperty("source").EnumerateArray().Select(s => s.GetString()))
            : cell.GetProperty("source").GetString() ?? "";

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Notebook_is_committed_clean_and_starts_from_the_built_library(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(NotebookDir, name)));
        var cells = Cells(doc);
        var code = cells.Where(c => c.GetProperty("cell_type").GetString() == "code").ToList();
        Assert.NotEmpty(code);
        string first = Source(code[0]);
        Assert.Contains($"#r \"{LibraryReference}\"", first);
        Assert.Contains("Formatter.Register<PlotlyChart>(NotebookDisplay.WriteChart", first);
        // Only the first cell references assemblies; outputs are not committed.
        Assert.All(code.Skip(1), c => Assert.DoesNotContain("#r ", Source(c)));
        Assert.All(code, c => Assert.Empty(c.GetProperty("outputs").EnumerateArray()));
        Assert.Equal("markdown", cells[0].GetProperty("cell_type").GetString());
        Assert.Equal("csharp", doc.RootElement.GetProperty("metadata").GetProperty("polyglot_notebook").GetProperty("kernelInfo").GetProperty("defaultKernelName").GetString());
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task Notebook_runs_headless_without_errors(string name)
    {
        Assert.True(File.Exists(Path.Combine(NotebookDir, LibraryReference)),
            $"{LibraryReference} (relative to notebooks/) is missing: build with `dotnet build -c Release` first");
        string output = Path.Combine(Directory.CreateTempSubdirectory("plmkit-notebook-").FullName, name);
        try
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = NotebookDir,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "repl", "--run", name, "--exit-after-run", "--output-format", "ipynb", "--output-path", output })
                start.ArgumentList.Add(arg);
            start.Environment["PLMKIT_DATA_DIR"] = SharedData.Swat;   // the catalogue's offline override
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{name} did not finish within 4 minutes");
            }
            Assert.True(process.ExitCode == 0 && File.Exists(output),
                $"dotnet repl exited with {process.ExitCode} (is the local tool restored? `dotnet tool restore`):\n{await stdout}\n{await stderr}");

            using var doc = JsonDocument.Parse(File.ReadAllText(output));
            var problems = new List<string>();
            var cells = Cells(doc);
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
                if (outputs.Count == 0) problems.Add($"cell {i} produced no output:\n{Source(cells[i])}");
            }
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
        }
    }
}
