using System.CommandLine;

namespace PlmKit.Cli;

/// <summary>The subcommands of <c>plmkit</c>, in pipeline order (the order <c>--help</c> lists them).</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return Commands.DatasetsCommand.Create();
        yield return Commands.PropertiesCommand.Create();
        yield return Commands.EmbedCommand.Create();
        yield return Commands.StoreCommand.Create();
        yield return Commands.ScoreCommand.Create();
        yield return Commands.EvaluateCommand.Create();
        yield return Commands.FineTuneCommand.Create();
        yield return Commands.PredictCommand.Create();
        yield return Commands.StatsCommand.Create();
        yield return Commands.FiguresCommand.Create();
        yield return Commands.ReproduceCommand.Create();
        yield return Commands.RunCommand.Create();
        yield return Commands.SlurmCommand.Create();
        yield return Commands.VersionCommand.Create();
    }
}
