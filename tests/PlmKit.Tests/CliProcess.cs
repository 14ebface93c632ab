using System.Diagnostics;
using PlmKit.Tests.Embeddings.Store;

namespace PlmKit.Tests;

/// <summary>
/// The CLI (PlmKit.Cli.dll beside the tests) as a separate process, started with the dotnet host
/// running the tests; for what an in-process run (<see cref="CliRunner"/>) cannot show: kills,
/// process-wide settings, the runtime's own configuration.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout, _stderr;

    private CliProcess(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public static CliProcess Start(params string[] args) => Start(null, args);

    /// <param name="environment">Variables to set (a null value removes one) on top of the test process's.</param>
    /// <param name="args">The command line after <c>plmkit</c>.</param>
    public static CliProcess Start(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(WorkerProcess.DotNet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PlmKit.Cli.dll"));
        foreach (var a in args)
            info.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            info.Environment[name] = value;
        return new CliProcess(Process.Start(info)!);
    }

    /// <summary>Runs to completion; returns stdout (fails the test on a non-zero exit).</summary>
    public static string Run(params string[] args) => Run(null, args);

    /// <summary>Runs to completion with extra <paramref name="environment"/>; returns stdout (fails the test on a non-zero exit).</summary>
    public static string Run(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var p = Start(environment, args);
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), $"plmkit {string.Join(' ', args)} did not finish in 2 minutes");
        Assert.True(p.ExitCode == 0, $"plmkit {string.Join(' ', args)}: exit {p.ExitCode}: {p.Output}");
        return p._stdout.Result;
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            return false;
        _process.WaitForExit(); // lets the output readers reach the end
        return true;
    }

    public void WaitForExit() => _process.WaitForExit();

    public void Kill() => _process.Kill();

    public int ExitCode => _process.ExitCode;

    public string Output => _stdout.Result + _stderr.Result;

    /// <summary>Everything written to stdout (after <see cref="WaitForExit()"/>).</summary>
    public string Stdout => _stdout.Result;

    /// <summary>Everything written to stderr (after <see cref="WaitForExit()"/>).</summary>
    public string Stderr => _stderr.Result;

    public void Dispose() => _process.Dispose();
}
