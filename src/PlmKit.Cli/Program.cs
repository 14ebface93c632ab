using System.CommandLine;
using PlmKit.Cli;

// Each subcommand lives in its own file under Commands/ and is registered here.
var root = new RootCommand("PlmKit: which protein language model, layer and pooling should you use for transfer learning?");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
return Cli.Invoke(root, args);
