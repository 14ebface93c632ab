using System.Collections.Immutable;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace PlmKit.Data;

/// <summary>One residue line of DSSP's classic output.</summary>
/// <param name="Chain">Chain id (DSSP's one-character column).</param>
/// <param name="Number">Residue number in the structure file.</param>
/// <param name="InsertionCode">Insertion code, ' ' when none.</param>
/// <param name="AminoAcid">One-letter residue (lower case for bridged cysteines, as DSSP writes them).</param>
/// <param name="Code">Secondary structure: H, B, E, G, I, T, S, P (DSSP 4) or '-' for none (DSSP's blank).</param>
public sealed record DsspResidue(char Chain, int Number, char InsertionCode, char AminoAcid, char Code);

/// <summary>
/// Secondary-structure fractions of one chain, as the study computed its PISCES targets: DSSP
/// codes counted over the eight classes H, B, E, G, I, T, S and '-' (Biopython's DSSP wrapper
/// writes DSSP's blank as '-'); residues with another code (DSSP 4's κ-helix 'P') are left out
/// of the denominator, as in the study's code. The study's "Coil" target is the '-' class alone.
/// </summary>
/// <param name="Chain">The chain.</param>
/// <param name="Residues">Residue lines of the chain in the DSSP output.</param>
/// <param name="Counted">Residues in one of the eight classes (the denominator).</param>
/// <param name="Fractions">Fraction per class, keys H, B, E, G, I, T, S, '-'.</param>
public sealed record SecondaryStructureFractions(char Chain, int Residues, int Counted, ImmutableSortedDictionary<char, double> Fractions)
{
    /// <summary>The eight classes the study counted.</summary>
    public const string Classes = "HBEGITS-";

    /// <summary>α-helix fraction (the study's <c>ss_H</c>).</summary>
    public double Helix => Fractions['H'];

    /// <summary>β-strand fraction (the study's <c>ss_E</c>).</summary>
    public double Strand => Fractions['E'];

    /// <summary>Fraction without any DSSP assignment (the study's <c>ss_Coil</c>).</summary>
    public double Coil => Fractions['-'];
}

/// <summary>
/// Runs DSSP (<c>mkdssp</c>, Debian package <c>dssp</c>) on a structure file and parses its
/// classic output. Parsing by hand: DSSP's fixed-column format has no .NET reader.
/// </summary>
public static class Dssp
{
    /// <summary>
    /// Runs <paramref name="executable"/> <c>--output-format dssp</c> on
    /// <paramref name="structurePath"/> (PDB or mmCIF) and parses the result.
    /// </summary>
    /// <exception cref="ConfigurationException">mkdssp is not installed (the message says how to install it).</exception>
    /// <exception cref="InputException">The structure file is missing, or DSSP rejects it (its first error line).</exception>
    public static IReadOnlyList<DsspResidue> Run(string structurePath, string executable = "mkdssp")
    {
        if (!File.Exists(structurePath)) throw new InputException(structurePath, null, "file not found");
        var output = Path.Combine(Path.GetTempPath(), $"plmkit-dssp-{Guid.NewGuid():N}.dssp");
        try
        {
            var start = new ProcessStartInfo(executable)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "--output-format", "dssp", structurePath, output }) start.ArgumentList.Add(arg);
            Process process;
            try
            {
                process = Process.Start(start) ?? throw new Win32Exception();
            }
            catch (Win32Exception)
            {
                throw new ConfigurationException(
                    $"secondary structure needs DSSP, and '{executable}' could not be started: install it (Debian/Ubuntu: apt-get install dssp) or give the path of mkdssp");
            }
            using (process)
            {
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEnd();
                process.WaitForExit();
                _ = stdout.Result;
                if (process.ExitCode != 0 || !File.Exists(output))
                {
                    var first = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit code {process.ExitCode}";
                    throw new InputException(structurePath, null, $"DSSP could not process this structure: {first}");
                }
            }
            return Parse(output, structurePath);
        }
        finally
        {
            if (File.Exists(output)) File.Delete(output);
        }
    }

    /// <summary>Parses DSSP's classic output file (the residue table after the <c>  #  RESIDUE</c> header).</summary>
    /// <param name="path">The DSSP output.</param>
    /// <param name="reportAs">File name to use in messages (the structure the output came from); default <paramref name="path"/>.</param>
    /// <exception cref="InputException">Missing file, no residue table, or a residue line that does not parse.</exception>
    public static IReadOnlyList<DsspResidue> Parse(string path, string? reportAs = null)
    {
        var name = reportAs ?? path;
        if (!File.Exists(path)) throw new InputException(path, null, "file not found");
        var residues = new List<DsspResidue>();
        bool inTable = false;
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (!inTable)
            {
                inTable = line.StartsWith("  #  RESIDUE", StringComparison.Ordinal);
                continue;
            }
            // A '!' line marks a chain break: no residue (its number column is blank).
            if (line.Length > 13 && line[13] == '!') continue;
            if (line.Length < 17 || !int.TryParse(line.AsSpan(5, 5), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
                throw new InputException(name, lineNo, "not a DSSP residue line (expected the classic fixed-column format)");
            char code = line[16] == ' ' ? '-' : line[16];
            residues.Add(new DsspResidue(line[11], number, line[10], line[13], code));
        }
        if (!inTable) throw new InputException(name, null, "no DSSP residue table (no line starting '  #  RESIDUE'): is this DSSP's classic output?");
        return residues;
    }

    /// <summary>Secondary-structure fractions of <paramref name="chain"/>, counted as the study did (see <see cref="SecondaryStructureFractions"/>).</summary>
    /// <exception cref="InputException">The chain has no residues or none in the eight classes; the message lists the chains there are.</exception>
    public static SecondaryStructureFractions Fractions(IReadOnlyList<DsspResidue> residues, char chain)
    {
        var mine = residues.Where(r => r.Chain == chain).ToList();
        if (mine.Count == 0)
            throw new InputException($"no residues of chain '{chain}' in the DSSP output; chains there: {string.Join(", ", residues.Select(r => r.Chain).Distinct())}");
        var counts = SecondaryStructureFractions.Classes.ToDictionary(c => c, _ => 0);
        foreach (var r in mine)
            if (counts.ContainsKey(r.Code)) counts[r.Code]++;
        int total = counts.Values.Sum();
        if (total == 0) throw new InputException($"chain '{chain}' has no residue in the classes {SecondaryStructureFractions.Classes}");
        return new SecondaryStructureFractions(chain, mine.Count, total,
            counts.ToImmutableSortedDictionary(kv => kv.Key, kv => (double)kv.Value / total));
    }
}
