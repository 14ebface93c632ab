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
        var output = new Option<string>("--out") { Description = "CSV to write (the study's column names).", Required = true };
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
            var records = FastaReader.Read(parse.GetValue(input)!);
            var folder = parse.GetValue(structures);
            if (folder is not null && !Directory.Exists(folder)) throw new ConfigurationException($"--structures: folder '{folder}' does not exist");
            var proteins = records.Select(r => new PropertyInput(r.Id, r.Sequence, folder is null ? null
                : Structure(folder, r, parse.GetValue(input)!, chainText[0], parse.GetValue(dssp)!))).ToList();
            var target = parse.GetValue(output)!;
            AtomicFile.Write(target, temp =>
            {
                using var writer = new StreamWriter(temp);
                PropertyTargets.Write(proteins, writer);
            });
            parse.InvocationConfiguration.Output.WriteLine($"wrote {proteins.Count} proteins to {target}");
            return 0;
        });
        return command;
    }

    private static SecondaryStructureFractions Structure(string folder, FastaRecord record, string fasta, char defaultChain, string dssp)
    {
        var candidates = new List<(string Stem, char Chain)> { (record.Id, defaultChain) };
        int underscore = record.Id.LastIndexOf('_');
        if (underscore > 0 && underscore == record.Id.Length - 2) candidates.Add((record.Id[..underscore], record.Id[^1]));
        if (record.Id.Length == 5) candidates.Add((record.Id[..4], record.Id[4]));
        foreach (var (stem, chain) in candidates)
            foreach (var ext in new[] { ".pdb", ".cif", ".ent" })
                foreach (var name in new[] { stem + ext, stem.ToLowerInvariant() + ext, stem.ToUpperInvariant() + ext })
                {
                    var path = Path.Combine(folder, name);
                    if (File.Exists(path)) return Dssp.Fractions(Dssp.Run(path, dssp), chain);
                }
        throw new InputException(fasta, record.Line,
            $"no structure for '{record.Id}' in {folder} (looked for {string.Join(", ", candidates.Select(c => c.Stem + ".pdb/.cif/.ent"))})");
    }
}
