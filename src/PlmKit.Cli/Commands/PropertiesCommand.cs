using System.CommandLine;
using PlmKit.Data;

namespace PlmKit.Cli.Commands;

/// <summary>
/// <c>plmkit properties</c>: the study's PISCES property targets for the proteins of a FASTA
/// file (length, mW, charge, pI, instability, hydrophobicity, residue frequencies), plus DSSP
/// secondary-structure fractions when a folder of structures is given.
/// </summary>
internal static class PropertiesCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "FASTA file of the proteins.", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder: properties.csv (the study's column names) and properties.manifest.json.", Required = true };
        var structures = new Option<string?>("--structures")
        {
            Description = "Folder of structures (.pdb, .cif or .ent) for the ss_* columns: <id>.pdb with --chain, "
                + "or PISCES-style ids <PDB><chain> (1A0AA) / <PDB>_<chain> naming <PDB>.pdb.",
        };
        var chain = new Option<string>("--chain") { Description = "Chain for ids that do not name one.", DefaultValueFactory = _ => "A" };
        var dssp = new Option<string>("--dssp") { Description = "DSSP executable.", DefaultValueFactory = _ => "mkdssp" };
        var command = new Command("properties", "Compute the study's protein property targets (and DSSP secondary structure) for a FASTA file.");
        foreach (var o in new Option[] { input, output, structures, chain, dssp }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var chainText = parse.GetValue(chain)!;
            if (chainText.Length != 1) throw new ConfigurationException($"--chain: '{chainText}' is not one character");
            var report = PropertyJob.Run(new PropertySettings(parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(structures), chainText[0], parse.GetValue(dssp)!),
                ["plmkit", .. parse.Tokens.Select(t => t.Value)]);
            parse.InvocationConfiguration.Output.WriteLine($"wrote {report.Proteins} proteins to {report.Table}");
            return 0;
        });
        return command;
    }
}
