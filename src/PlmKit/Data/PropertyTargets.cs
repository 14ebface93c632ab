using System.Globalization;

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
    /// Writes the table for <paramref name="proteins"/> as CSV to <paramref name="output"/>.
    /// Either every protein has a structure or none has.
    /// </summary>
    /// <exception cref="ConfigurationException">Some proteins have structures and others not.</exception>
    /// <exception cref="InputException">An empty sequence.</exception>
    public static void Write(IReadOnlyList<PropertyInput> proteins, TextWriter output)
    {
        bool structures = proteins.Count > 0 && proteins[0].Structure is not null;
        if (proteins.Any(p => p.Structure is not null != structures))
            throw new ConfigurationException("either every protein has a structure or none has (ss_* columns are all or nothing)");
        var header = structures ? SequenceColumns.Concat(StructureColumns) : SequenceColumns;
        output.WriteLine(string.Join(',', header));
        foreach (var p in proteins)
        {
            var v = ProteinProperties.Compute(p.Sequence).RoundedAsStudy();
            var fields = new List<string>
            {
                CsvFile.Field(p.Id), p.Sequence, Num(v.Length), Num(v.InstabilityIndex), Num(v.Hydrophobicity), Num(v.ChargeAtPh7),
                Num(v.IsoelectricPoint), Num(v.MolecularWeightKda),
            };
            fields.AddRange(v.Frequencies.Select(Num));
            if (p.Structure is { } s) fields.AddRange(SecondaryStructureFractions.Classes.Select(c => Num(s.Fractions[c])));
            output.WriteLine(string.Join(',', fields));
        }
    }

    private static string Num(double x) => x.ToString("R", CultureInfo.InvariantCulture);

}
