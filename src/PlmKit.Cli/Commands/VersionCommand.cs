using System.CommandLine;
using System.Reflection;

namespace PlmKit.Cli.Commands;

/// <summary><c>plmkit version</c>: PlmKit, TorchSharp and runtime versions, and how MKL picks its CPU kernels.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print PlmKit's version and the versions of its main dependencies.");
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"plmkit {PlmKitVersion.Current}");
            output.WriteLine($"TorchSharp {Version(typeof(TorchSharp.torch).Assembly)}");
            output.WriteLine($".NET {Environment.Version}");
            output.WriteLine($"MKL kernel choice: {TorchRuntime.MklDispatch}");
            return 0;
        });
        return command;
    }

    private static string Version(Assembly a) =>
        a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? a.GetName().Version?.ToString() ?? "unknown";
}
