namespace PlmKit.Data;

/// <summary>One protein for <see cref="PropertyTargets.Write"/>: id, sequence and, when a structure was given, its DSSP fractions.</summary>
/// <param name="Id">Protein id.</param>
/// <param name="Sequence">Sequence.</param>
/// <param name="Structure">Secondary-structure fractions, or null without a structure.</param>
public sealed record PropertyInput(string Id, string Sequence, SecondaryStructureFractions? Structure = null);

/// <summary>
/// Writes the study's PISCES target table: one row per protein, the study's column names
/// (<c>ID, sequence, len, Instability_index, Hydrophobicity, Charge, Isoelectric_point, mW_kDa,
/// A_freq … Y_freq</c>, then <c>ss_H, ss_B, ss_E, ss_G, ss_I, ss_T, ss_S, ss_Coil</c> when
/// structures were given), values rounded as the study stored them.
/// </summary>
public static class PropertyTargets
{
    /// <summary>Sequence-derived columns, in order.</summary>
    public static IReadOnlyList<string> SequenceColumns { get; } =
        ["ID", "sequence", "len", "Instability_index", "Hydrophobicity", "Charge", "Isoelectric_point", "mW_kDa",
         .. Alphabets.Standard.Select(c => $"{c}_freq")];

    /// <summary>Structure columns, in order (DSSP classes; <c>ss_Coil</c> is DSSP's '-').</summary>
    public static IReadOnlyList<string> StructureColumns { get; } =
        [.. SecondaryStructureFractions.Classes.Select(c => c == '-' ? "ss_Coil" : $"ss_{c}")];

    /// <summary>
    /// Writes the table for <paramref name="proteins"/> as CSV (through <see cref="CsvFile"/>) to
    /// <paramref name="path"/>, atomically. Either every protein has a structure or none has.
    /// </summary>
    /// <exception cref="ConfigurationException">Some proteins have structures and others not.</exception>
    public static void Write(IReadOnlyList<PropertyInput> proteins, string path)
    {
        bool structures = proteins.Count > 0 && proteins[0].Structure is not null;
        if (proteins.Any(p => p.Structure is not null != structures))
            throw new ConfigurationException("either every protein has a structure or none has (ss_* columns are all or nothing)");
        var header = structures ? [.. SequenceColumns, .. StructureColumns] : SequenceColumns.ToList();
        CsvFile.Write(path, header, proteins.Select(p =>
        {
            var v = ProteinProperties.Compute(p.Sequence).RoundedAsStudy();
            var row = new List<object?>
            {
                p.Id, p.Sequence, v.Length, v.InstabilityIndex, v.Hydrophobicity, v.ChargeAtPh7, v.IsoelectricPoint, v.MolecularWeightKda,
            };
            row.AddRange(v.Frequencies.Cast<object?>());
            if (p.Structure is { } s) row.AddRange(SecondaryStructureFractions.Classes.Select(c => (object?)s.Fractions[c]));
            return (IReadOnlyList<object?>)row;
        }));
    }

}

/// <summary>Settings of <see cref="PropertyJob"/>.</summary>
/// <param name="Input">FASTA file of the proteins.</param>
/// <param name="Out">Output folder: <c>properties.csv</c> and <c>properties.manifest.json</c>.</param>
/// <param name="Structures">Folder of structures for the <c>ss_*</c> columns, or null.</param>
/// <param name="Chain">Chain for ids that do not name one.</param>
/// <param name="Dssp">DSSP executable.</param>
public sealed record PropertySettings(string Input, string Out, string? Structures = null, char Chain = 'A', string Dssp = "mkdssp");

/// <summary>What <see cref="PropertyJob.Run"/> wrote.</summary>
/// <param name="Proteins">Rows written.</param>
/// <param name="Table">Path of <c>properties.csv</c>.</param>
/// <param name="Manifest">Path of <c>properties.manifest.json</c>.</param>
public sealed record PropertyReport(int Proteins, string Table, string Manifest);

/// <summary>
/// <c>plmkit properties</c> as one call: the study's PISCES targets of a FASTA file, with DSSP
/// fractions when a structure folder is given, written with a manifest after every protein is
/// computed (a missing structure leaves nothing behind).
/// </summary>
public static class PropertyJob
{
    /// <summary>Table file name inside the output folder.</summary>
    public const string TableName = "properties.csv";

    /// <summary>Computes and writes the table; see <see cref="PropertySettings"/>.</summary>
    /// <exception cref="InputException">Bad FASTA, or no structure for a protein.</exception>
    /// <exception cref="ConfigurationException">Bad settings.</exception>
    public static PropertyReport Run(PropertySettings settings, IReadOnlyList<string>? argv = null)
    {
        OutputFolder.Check(settings.Out);
        if (settings.Structures is { } folder && !Directory.Exists(folder)) throw new ConfigurationException($"--structures: folder '{folder}' does not exist");
        var manifest = new Manifest("properties", argv).Input(settings.Input)
            .Config("structures", settings.Structures is null ? null : Path.GetFullPath(settings.Structures))
            .Config("chain", settings.Chain.ToString()).Config("dssp", settings.Dssp);
        var records = FastaReader.Read(settings.Input);
        var proteins = records.Select(r => new PropertyInput(r.Id, r.Sequence,
            settings.Structures is null ? null : Structure(settings, r))).ToList();
        var table = Path.Combine(settings.Out, TableName);
        PropertyTargets.Write(proteins, table);
        var manifestPath = Path.Combine(settings.Out, "properties.manifest.json");
        manifest.Output(table).Set("proteins", proteins.Count).Write(manifestPath);
        return new PropertyReport(proteins.Count, table, manifestPath);
    }

    // Structure files are looked up by the protein's id: <id>.pdb with the default chain, or the
    // PISCES spellings <PDB><chain> (1A0AA) and <PDB>_<chain>; .pdb, .cif or .ent in any case.
    private static SecondaryStructureFractions Structure(PropertySettings settings, FastaRecord record)
    {
        var folder = settings.Structures!;
        var candidates = new List<(string Stem, char Chain)> { (record.Id, settings.Chain) };
        int underscore = record.Id.LastIndexOf('_');
        if (underscore > 0 && underscore == record.Id.Length - 2) candidates.Add((record.Id[..underscore], record.Id[^1]));
        if (record.Id.Length == 5) candidates.Add((record.Id[..4], record.Id[4]));
        foreach (var (stem, chain) in candidates)
            foreach (var ext in new[] { ".pdb", ".cif", ".ent" })
                foreach (var name in new[] { stem + ext, stem.ToLowerInvariant() + ext, stem.ToUpperInvariant() + ext })
                {
                    var path = Path.Combine(folder, name);
                    if (File.Exists(path)) return Dssp.Fractions(Dssp.Run(path, settings.Dssp), chain);
                }
        throw new InputException(settings.Input, record.Line,
            $"no structure for '{record.Id}' in {folder} (looked for {string.Join(", ", candidates.Select(c => c.Stem + ".pdb/.cif/.ent"))})");
    }
}
