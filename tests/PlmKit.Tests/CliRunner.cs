using System.CommandLine;
using PlmKit.Cli;

namespace PlmKit.Tests;

/// <summary>Runs the <c>plmkit</c> command line in-process, the way Program.cs does, capturing its output.</summary>
internal static class CliRunner
{
    /// <summary>Runs <paramref name="args"/> against a root holding every catalogued command.</summary>
    /// <returns>The exit code and everything written to stdout and stderr.</returns>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand("plmkit");
        foreach (var command in CommandCatalog.All())
            root.Subcommands.Add(command);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Cli.Cli.Invoke(root, args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
