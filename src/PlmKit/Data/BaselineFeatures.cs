namespace PlmKit.Data;

/// <summary>
/// "Zero-parameter models": features computed from the sequence alone, the baselines the
/// protein language models have to beat.
/// </summary>
public static class BaselineFeatures
{
    /// <summary>Number of one-hot columns per position, and of composition columns.</summary>
    public const int Letters = 20;

    /// <summary>
    /// One-hot encoding: row i, column <c>position * 20 + index of the letter in</c>
    /// <see cref="Alphabets.Standard"/> (ACDEFGHIKLMNPQRSTVWY) is 1, all else 0. Shape
    /// [n, L*20]; no column is dropped (many are constant in a DMS assay).
    /// </summary>
    /// <param name="sequences">n sequences, all of one length L (DMS variants of one wild type).</param>
    /// <param name="unknownAsZero">Encode a letter outside the 20 (X, B, U, Z, O) as an all-zero
    /// position instead of failing.</param>
    /// <exception cref="InputException">No sequences, unequal lengths (naming the first that
    /// differs), or a letter outside the 20 while <paramref name="unknownAsZero"/> is false.</exception>
    public static double[,] OneHot(IReadOnlyList<string> sequences, bool unknownAsZero = false)
    {
        if (sequences.Count == 0) throw new InputException("one-hot: no sequences");
        int length = sequences[0].Length;
        for (int i = 1; i < sequences.Count; i++)
            if (sequences[i].Length != length)
                throw new InputException($"one-hot needs sequences of one length: sequence {i + 1} has {sequences[i].Length} residues, sequence 1 has {length} (use composition or embeddings for proteins of different lengths)");
        var x = new double[sequences.Count, length * Letters];
        for (int i = 0; i < sequences.Count; i++)
        {
            var s = sequences[i];
            for (int p = 0; p < length; p++)
            {
                int k = Alphabets.Standard.IndexOf(s[p]);
                if (k < 0)
                {
                    if (unknownAsZero) continue;
                    throw new InputException($"one-hot: sequence {i + 1} has '{s[p]}' at position {p + 1}, not one of the 20 standard amino acids (allow it as an all-zero position with unknownAsZero / --onehot-unknown-zero)");
                }
                x[i, p * Letters + k] = 1.0;
            }
        }
        return x;
    }

    /// <summary>One-hot of an assay's sequences in record order; see <see cref="OneHot(IReadOnlyList{string}, bool)"/>.</summary>
    public static double[,] OneHot(Assay assay, bool unknownAsZero = false) => OneHot(assay.Sequences(), unknownAsZero);

    /// <summary>
    /// Amino-acid composition: row i, column k = count of letter k of
    /// <see cref="Alphabets.Standard"/> in sequence i divided by its full length (as
    /// Biopython's <c>get_amino_acids_percent</c>: letters outside the 20 count in the length,
    /// so such a row sums to less than 1). Shape [n, 20]; sequences may differ in length.
    /// </summary>
    /// <exception cref="InputException">An empty sequence.</exception>
    public static double[,] Composition(IReadOnlyList<string> sequences)
    {
        var x = new double[sequences.Count, Letters];
        for (int i = 0; i < sequences.Count; i++)
        {
            var s = sequences[i];
            if (s.Length == 0) throw new InputException($"composition: sequence {i + 1} is empty");
            var row = Composition(s);
            for (int k = 0; k < Letters; k++) x[i, k] = row[k];
        }
        return x;
    }

    /// <summary>Composition of an assay's sequences in record order.</summary>
    public static double[,] Composition(Assay assay) => Composition(assay.Sequences());

    /// <summary>Composition of one sequence: 20 fractions in <see cref="Alphabets.Standard"/> order.</summary>
    public static double[] Composition(string sequence)
    {
        var counts = new double[Letters];
        foreach (char c in sequence)
        {
            int k = Alphabets.Standard.IndexOf(c);
            if (k >= 0) counts[k]++;
        }
        for (int k = 0; k < Letters; k++) counts[k] /= sequence.Length;
        return counts;
    }
}
