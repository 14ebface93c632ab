using System.Diagnostics;

namespace PlmKit.Figures;

/// <summary>
/// Runs the repository's notebooks in the Jupyter kernel and renders them to HTML, for the
/// gallery of <see cref="StudyReproduction"/>: it calls <c>notebooks/render.py</c> (the same
/// script the notebook tests and users run) with Debian's Python, which has nbconvert. Executing a
/// notebook needs a Jupyter kernel and nbclient, which no .NET library offers, hence the process.
/// </summary>
public static class NotebookRendering
{
    /// <summary>The script, in the notebooks folder.</summary>
    public const string Script = "render.py";

    /// <summary>The Python that has nbconvert and jupyter-client (environment/system-packages.sh).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>
    /// The repository's notebooks folder: <c>notebooks/</c> holding <see cref="Script"/> in
    /// <paramref name="start"/> or a folder above it (the working folder or the CLI's own), or null.
    /// </summary>
    public static string? FindNotebooks(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "notebooks");
            if (File.Exists(Path.Combine(candidate, Script))) return candidate;
        }
        return null;
    }

    /// <summary>Checks that the script and the Python that runs it are here, before any work.</summary>
    /// <exception cref="ConfigurationException">No <see cref="Script"/> in <paramref name="notebooks"/>, or no <see cref="Python"/>.</exception>
    public static void Check(string notebooks)
    {
        if (!File.Exists(Path.Combine(notebooks, Script)))
            throw new ConfigurationException($"{notebooks}: no {Script} here; render the notebooks from a PlmKit checkout");
        if (!File.Exists(Python))
            throw new ConfigurationException($"rendering notebooks needs {Python} with nbconvert (bash environment/system-packages.sh)");
    }

    /// <summary>
    /// Executes every notebook of <paramref name="notebooks"/> and writes <c>NAME.html</c> (with
    /// <c>plotly.min.js</c> beside them) into <paramref name="outFolder"/>.
    /// </summary>
    /// <param name="notebooks">The notebooks folder (see <see cref="FindNotebooks"/>).</param>
    /// <param name="outFolder">Where the executed notebooks and their HTML go (created).</param>
    /// <param name="log">The script's progress lines, or null.</param>
    /// <exception cref="PlmKitException">A notebook failed (an error, stderr output or a cell that shows nothing: the script's FAIL lines), or the script could not run.</exception>
    public static void Render(string notebooks, string outFolder, TextWriter? log = null)
    {
        Check(notebooks);
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = notebooks,
        };
        foreach (var arg in new[] { Path.Combine(notebooks, Script), "--out", Path.GetFullPath(outFolder), "--html" }) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new PlmKitException($"could not start {Python}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ConfigurationException($"could not run {Python} for the notebooks: {e.Message}");
        }
        using var started = process;
        var failures = new List<string>();
        var stderr = process.StandardError.ReadToEndAsync();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            // The script's own verdicts; the kernels' start-up chatter on the same stream is left out.
            if (line.StartsWith("ok ", StringComparison.Ordinal)) log?.WriteLine($"notebooks: {line}");
            if (line.StartsWith("FAIL ", StringComparison.Ordinal))
            {
                log?.WriteLine($"notebooks: {line}");
                failures.Add(line[5..]);
            }
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var why = failures.Count > 0 ? string.Join("; ", failures)
                : stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit code {process.ExitCode}";
            throw new PlmKitException($"{Path.Combine(notebooks, Script)}: notebooks failed: {why}");
        }
    }
}
