using System.Collections.Immutable;

namespace PlmKit.Data;

/// <summary>
/// Sequence-derived protein properties, the study's PISCES regression targets. Each value is
/// computed as the study computed it: with the Python package <c>peptides</c> 0.3.4 (a port of
/// R's Peptides), called as <c>Peptide(s).molecular_weight()</c>, <c>.charge(pH=7,
/// pKscale="Lehninger")</c>, <c>.isoelectric_point(pKscale="Lehninger")</c>,
/// <c>.instability_index()</c>, <c>.hydrophobicity(scale="KyteDoolittle")</c> and
/// <c>.frequencies()</c>. The study then rounded all but length and frequencies to 2 decimals
/// (<see cref="RoundedAsStudy"/>).
/// </summary>
/// <param name="Length">Number of residues.</param>
/// <param name="MolecularWeightKda">Average mass in kDa: ExPASy residue masses + one water
/// (X, B, Z, J weigh nothing, as in <c>peptides</c>).</param>
/// <param name="ChargeAtPh7">Net charge at pH 7, Henderson-Hasselbalch, Lehninger pKa scale, both termini.</param>
/// <param name="IsoelectricPoint">pH of zero net charge (Lehninger scale), by the same bisection as <c>peptides</c>.</param>
/// <param name="InstabilityIndex">Guruprasad et al. (1990): 10/L times the sum of the DIWV
/// values of the L-1 dipeptides (unknown dipeptides count 1).</param>
/// <param name="Hydrophobicity">Mean Kyte-Doolittle hydropathy (GRAVY); letters outside the 20 count 0.</param>
/// <param name="Frequencies">20 residue frequencies (count / L) in <see cref="Alphabets.Standard"/> order.</param>
public sealed record ProteinProperties(
    int Length,
    double MolecularWeightKda,
    double ChargeAtPh7,
    double IsoelectricPoint,
    double InstabilityIndex,
    double Hydrophobicity,
    ImmutableArray<double> Frequencies)
{
    /// <summary>Computes every property of <paramref name="sequence"/> (upper-case one-letter codes).</summary>
    /// <exception cref="InputException">An empty sequence.</exception>
    public static ProteinProperties Compute(string sequence)
    {
        if (sequence.Length == 0) throw new InputException("protein properties of an empty sequence");
        return new ProteinProperties(
            sequence.Length,
            MolecularWeight(sequence) / 1000.0,
            Charge(sequence, 7.0),
            IsoelectricPointOf(sequence),
            Instability(sequence),
            KyteDoolittle(sequence),
            BaselineFeatures.Composition(sequence).ToImmutableArray());
    }

    /// <summary>The values as the study stored them: all but length and frequencies rounded to 2 decimals.</summary>
    public ProteinProperties RoundedAsStudy() => this with
    {
        MolecularWeightKda = Math.Round(MolecularWeightKda, 2),
        ChargeAtPh7 = Math.Round(ChargeAtPh7, 2),
        IsoelectricPoint = Math.Round(IsoelectricPoint, 2),
        InstabilityIndex = Math.Round(InstabilityIndex, 2),
        Hydrophobicity = Math.Round(Hydrophobicity, 2),
    };

    /// <summary>Frequency of one residue letter (one of the 20).</summary>
    public double Frequency(char residue)
    {
        int k = Alphabets.Standard.IndexOf(residue);
        if (k < 0) throw new ArgumentException($"'{residue}' is not one of the 20 standard amino acids", nameof(residue));
        return Frequencies[k];
    }

    /// <summary>Average molecular weight in Da (ExPASy residue masses, plus water 18.01524).</summary>
    public static double MolecularWeight(string sequence)
    {
        double mass = 0;
        foreach (char c in sequence) mass += ResidueMass(c);
        return mass + 18.01524;
    }

    /// <summary>ExPASy average residue masses (Da), as <c>peptides</c>' "expasy" table; 0 for other letters.</summary>
    private static double ResidueMass(char c) => c switch
    {
        'A' => 71.0788, 'R' => 156.1875, 'N' => 114.1038, 'D' => 115.0886, 'C' => 103.1388,
        'E' => 129.1155, 'Q' => 128.1307, 'G' => 57.0519, 'H' => 137.1411, 'I' => 113.1594,
        'L' => 113.1594, 'K' => 128.1741, 'M' => 131.1926, 'F' => 147.1766, 'P' => 97.1167,
        'S' => 87.0782, 'T' => 101.1051, 'W' => 186.2132, 'Y' => 163.1760, 'V' => 99.1326,
        'U' => 150.0388, 'O' => 237.3018,
        _ => 0.0,
    };

    /// <summary>Lehninger pKa values (Nelson &amp; Cox, Lehninger Principles of Biochemistry, 4th ed.), as in <c>peptides</c>.</summary>
    private const double PkC = 8.18, PkD = 3.65, PkE = 4.25, PkH = 6.0, PkK = 10.53, PkR = 12.48, PkY = 10.07, PkCTerm = 2.34, PkNTerm = 9.69;

    /// <summary>
    /// Net charge at <paramref name="pH"/> with the Lehninger pKa scale: each K, R, H adds
    /// 1/(1+10^(pH-pKa)), each D, E, C, Y adds -1/(1+10^(pKa-pH)), plus the N- and C-terminus.
    /// </summary>
    public static double Charge(string sequence, double pH)
    {
        int c = 0, d = 0, e = 0, h = 0, k = 0, r = 0, y = 0;
        foreach (char ch in sequence)
        {
            switch (ch)
            {
                case 'C': c++; break;
                case 'D': d++; break;
                case 'E': e++; break;
                case 'H': h++; break;
                case 'K': k++; break;
                case 'R': r++; break;
                case 'Y': y++; break;
            }
        }
        static double Pos(double pH, double pKa) => 1.0 / (1.0 + Math.Pow(10, pH - pKa));
        static double Neg(double pH, double pKa) => -1.0 / (1.0 + Math.Pow(10, pKa - pH));
        return h * Pos(pH, PkH) + k * Pos(pH, PkK) + r * Pos(pH, PkR)
            + c * Neg(pH, PkC) + d * Neg(pH, PkD) + e * Neg(pH, PkE) + y * Neg(pH, PkY)
            + Pos(pH, PkNTerm) + Neg(pH, PkCTerm);
    }

    /// <summary>
    /// Isoelectric point, by <c>peptides</c>' bisection: the interval [0, 14] is halved until
    /// its ends agree to a relative 1e-9 (Python's <c>math.isclose</c>), keeping the half
    /// where the charge changes sign; returns the last midpoint.
    /// </summary>
    public static double IsoelectricPointOf(string sequence)
    {
        double top = 0.0, bottom = 14.0, x = 7.0;
        while (Math.Abs(top - bottom) > 1e-9 * Math.Max(Math.Abs(top), Math.Abs(bottom)))
        {
            x = (top + bottom) / 2;
            double charge = Charge(sequence, x);
            if (charge >= 0) top = x;
            if (charge <= 0) bottom = x;
        }
        return x;
    }

    /// <summary>Instability index (Guruprasad et al. 1990, Protein Eng. 4:155): 10/L times the sum of DIWV over the dipeptides.</summary>
    public static double Instability(string sequence)
    {
        double sum = 0;
        for (int i = 0; i + 1 < sequence.Length; i++)
        {
            int a = Alphabets.Standard.IndexOf(sequence[i]), b = Alphabets.Standard.IndexOf(sequence[i + 1]);
            sum += a < 0 || b < 0 ? 1.0 : Diwv[a * 20 + b];
        }
        return sum * 10 / sequence.Length;
    }

    /// <summary>Mean Kyte-Doolittle hydropathy (Kyte &amp; Doolittle 1982, J. Mol. Biol. 157:105); letters outside the 20 count 0.</summary>
    public static double KyteDoolittle(string sequence)
    {
        double sum = 0;
        foreach (char ch in sequence)
        {
            int k = Alphabets.Standard.IndexOf(ch);
            if (k >= 0) sum += Hydropathy[k];
        }
        return sum / sequence.Length;
    }

    /// <summary>Kyte-Doolittle values in <see cref="Alphabets.Standard"/> order.</summary>
    private static readonly double[] Hydropathy =
        [1.8, 2.5, -3.5, -3.5, 2.8, -0.4, -3.2, 4.5, -3.9, 3.8, 1.9, -3.5, -1.6, -3.5, -4.5, -0.8, -0.7, 4.2, -0.9, -1.3];

    /// <summary>
    /// Dipeptide instability weight values (DIWV), row = first residue, column = second, both in
    /// <see cref="Alphabets.Standard"/> order; the table of <c>peptides</c> 0.3.4, which the study
    /// used (it differs from Biopython's in FY, 33.6 vs 33.601, and KQ, 24.68 vs 24.64).
    /// </summary>
    private static readonly double[] Diwv =
    [
        /* A */ 1.0, 44.94, -7.49, 1.0, 1.0, 1.0, -7.49, 1.0, 1.0, 1.0, 1.0, 1.0, 20.26, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
        /* C */ 1.0, 1.0, 20.26, 1.0, 1.0, 1.0, 33.6, 1.0, 1.0, 20.26, 33.6, 1.0, 20.26, -6.54, 1.0, 1.0, 33.6, -6.54, 24.68, 1.0,
        /* D */ 1.0, 1.0, 1.0, 1.0, -6.54, 1.0, 1.0, 1.0, -7.49, 1.0, 1.0, 1.0, 1.0, 1.0, -6.54, 20.26, -14.03, 1.0, 1.0, 1.0,
        /* E */ 1.0, 44.94, 20.26, 33.6, 1.0, 1.0, -6.54, 20.26, 1.0, 1.0, 1.0, 1.0, 20.26, 20.26, 1.0, 20.26, 1.0, 1.0, -14.03, 1.0,
        /* F */ 1.0, 1.0, 13.34, 1.0, 1.0, 1.0, 1.0, 1.0, -14.03, 1.0, 1.0, 1.0, 20.26, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 33.6,
        /* G */ -7.49, 1.0, 1.0, -6.54, 1.0, 13.34, 1.0, -7.49, -7.49, 1.0, 1.0, -7.49, 1.0, 1.0, 1.0, 1.0, -7.49, 1.0, 13.34, -7.49,
        /* H */ 1.0, 1.0, 1.0, 1.0, -9.37, -9.37, 1.0, 44.94, 24.68, 1.0, 1.0, 24.68, -1.88, 1.0, 1.0, 1.0, -6.54, 1.0, -1.88, 44.94,
        /* I */ 1.0, 1.0, 1.0, 44.94, 1.0, 1.0, 13.34, 1.0, -7.49, 20.26, 1.0, 1.0, -1.88, 1.0, 1.0, 1.0, 1.0, -7.49, 1.0, 1.0,
        /* K */ 1.0, 1.0, 1.0, 1.0, 1.0, -7.49, 1.0, -7.49, 1.0, -7.49, 33.6, 1.0, -6.54, 24.68, 33.6, 1.0, 1.0, -7.49, 1.0, 1.0,
        /* L */ 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -7.49, 1.0, 1.0, 1.0, 20.26, 33.6, 20.26, 1.0, 1.0, 1.0, 24.68, 1.0,
        /* M */ 13.34, 1.0, 1.0, 1.0, 1.0, 1.0, 58.28, 1.0, 1.0, 1.0, -1.88, 1.0, 44.94, -6.54, -6.54, 44.94, -1.88, 1.0, 1.0, 24.68,
        /* N */ 1.0, -1.88, 1.0, 1.0, -14.03, -14.03, 1.0, 44.94, 24.68, 1.0, 1.0, 1.0, -1.88, -6.54, 1.0, 1.0, -7.49, 1.0, -9.37, 1.0,
        /* P */ 20.26, -6.54, -6.54, 18.38, 20.26, 1.0, 1.0, 1.0, 1.0, 1.0, -6.54, 1.0, 20.26, 20.26, -6.54, 20.26, 1.0, 20.26, -1.88, 1.0,
        /* Q */ 1.0, -6.54, 20.26, 20.26, -6.54, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 20.26, 20.26, 1.0, 44.94, 1.0, -6.54, 1.0, -6.54,
        /* R */ 1.0, 1.0, 1.0, 1.0, 1.0, -7.49, 20.26, 1.0, 1.0, 1.0, 1.0, 13.34, 20.26, 20.26, 58.28, 44.94, 1.0, 1.0, 58.28, -6.54,
        /* S */ 1.0, 33.6, 1.0, 20.26, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 44.94, 20.26, 20.26, 20.26, 1.0, 1.0, 1.0, 1.0,
        /* T */ 1.0, 1.0, 1.0, 20.26, 13.34, -7.49, 1.0, 1.0, 1.0, 1.0, 1.0, -14.03, 1.0, -6.54, 1.0, 1.0, 1.0, 1.0, -14.03, 1.0,
        /* V */ 1.0, 1.0, -14.03, 1.0, 1.0, -7.49, 1.0, 1.0, -1.88, 1.0, 1.0, 1.0, 20.26, 1.0, 1.0, 1.0, -7.49, 1.0, 1.0, -6.54,
        /* W */ -14.03, 1.0, 1.0, 1.0, 1.0, -9.37, 24.68, 1.0, 1.0, 13.34, 24.68, 13.34, 1.0, 1.0, 1.0, 1.0, -14.03, -7.49, 1.0, 1.0,
        /* Y */ 24.68, 1.0, 24.68, -6.54, 1.0, -7.49, 13.34, 1.0, 1.0, 1.0, 44.94, 1.0, 13.34, 1.0, -15.91, 1.0, -7.49, 1.0, -9.37, 13.34
    ];
}
