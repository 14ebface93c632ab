using System.CommandLine;

namespace PlmKit.Cli;

/// <summary>
/// Runs the command line with PlmKit's error contract: any <see cref="PlmKitException"/> or
/// parse error becomes one line on stderr and exit code 2; success is 0.
/// </summary>
public static class Cli
{
    /// <summary>Exit code for bad input, bad options or a model that cannot be loaded.</summary>
    public const int UserError = 2;

    /// <summary>Parses and runs <paramref name="args"/> against <paramref name="root"/>.</summary>
    public static int Invoke(RootCommand root, string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            stderr.WriteLine($"plmkit: error: {OneLine(parsed.Errors[0].Message)}");
            return UserError;
        }
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        try
        {
            return parsed.Invoke(config);
        }
        catch (PlmKitException e)
        {
            stderr.WriteLine($"plmkit: error: {OneLine(e.Message)}");
            return UserError;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
